/**
 * APEx unit jobs as a backend of the client-side job manager: one unit job per work item, the
 * tag in the title, statuses from one `/jobs_status` call for all jobs.
 *
 * @module
 */
import type { StatusSnapshot } from "../../jobs/state.ts";
import type { JobBackend, ResultFile } from "../../upscale/backend.ts";
import type { ApexDispatch } from "./client.ts";
import type { BaseJobRequest } from "./types.ts";
import { jobSnapshot } from "./unit_job.ts";

/** How each work item becomes a job: the request, and the parameter the item fills in. */
export interface ApexBackendOptions {
  /** The job to run for every item. */
  request: BaseJobRequest;
  /** The parameter set to the item's value, such as `spatial_extent`. */
  dimension: string;
}

/**
 * A backend for `JobManager`.
 *
 * @example
 * ```ts ignore
 * import { apexBackend } from "./backend.ts";
 * const backend = apexBackend(apex, { request, dimension: "spatial_extent" });
 * ```
 */
export function apexBackend(apex: ApexDispatch, options: ApexBackendOptions): JobBackend<unknown> {
  const titled = (tag: string) => `${options.request.title} [${tag}]`;
  return {
    name: "APEx Dispatch API",
    async submit(item, tag, signal) {
      const job = await apex.submitUnitJob({
        ...options.request,
        title: titled(tag),
        parameters: { ...options.request.parameters, [options.dimension]: item },
      }, signal);
      return String(job.id);
    },
    async statuses(ids, signal) {
      const wanted = new Set(ids);
      const { processing_jobs } = await apex.jobsStatus(["processing"], signal);
      const out = new Map<string, StatusSnapshot>();
      for (const job of processing_jobs) {
        if (wanted.has(String(job.id))) out.set(String(job.id), jobSnapshot(job));
      }
      return out;
    },
    async findByTag(tags, signal) {
      const { processing_jobs } = await apex.jobsStatus(["processing"], signal);
      const out = new Map<string, string>();
      for (const tag of tags) {
        const job = processing_jobs.find((j) => j.title === titled(tag));
        if (job) out.set(tag, String(job.id));
      }
      return out;
    },
    async results(id, signal): Promise<ResultFile[]> {
      const assets = await apex.unitJob(Number(id)).assets(signal);
      return Object.entries(assets).map(([name, asset]) => ({
        url: asset.href,
        path: name,
        size: typeof asset["file:size"] === "number" ? asset["file:size"] : undefined,
      }));
    },
  };
}
