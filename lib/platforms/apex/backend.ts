/**
 * APEx unit jobs as a backend of the client-side job manager: one unit job per work item, the
 * tag in the title, statuses from one `/jobs_status` call for all jobs, the failure reason from
 * the results endpoint's error, checksums from the STAC assets. The Dispatch API has no cancel:
 * `cancel` deletes the record, and the platform job runs on.
 *
 * @module
 */
import { pollFloorMs } from "../../jobs/poll_floor.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import type { BackendStatus, JobBackend } from "../../upscale/backend.ts";
import type { JobFile } from "../../jobs/contract.ts";
import { readEach } from "../../upscale/read_each.ts";
import type { ApexDispatch } from "./client.ts";
import type { BaseJobRequest } from "./types.ts";
import { jobSnapshot } from "./unit_job.ts";

/**
 * Followed jobs are read one by one when the user's job list is longer than this and this many
 * times longer than the jobs followed. A short list is cheaper than several requests, each of
 * which can fail and be retried.
 */
const LONG_LIST = 2_000;
const SINGLE_READS_BELOW = 20;

/** How each work item becomes a job: the request, and the parameter the item fills in. */
export interface ApexBackendOptions {
  /** The job to run for every item. */
  request: BaseJobRequest;
  /** The parameter set to the item's value, such as `spatial_extent`. */
  dimension: string;
  /** Name in messages and the job table. Default `"APEx Dispatch API"`. */
  name?: string;
}

/** The user a JWT names (`preferred_username`, else `sub`), without checking it. */
function tokenUser(token: string): string | undefined {
  try {
    const payload = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    const claims = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")));
    return claims.preferred_username ?? claims.sub;
  } catch {
    return undefined;
  }
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
  // How many jobs the user's list held last time: a long list many times longer than the jobs
  // followed is read as single jobs instead, so a poll costs what is followed, not every job
  // the user ever ran.
  let listed = 0;
  const jobs = async (signal?: AbortSignal) => {
    const list = (await apex.jobsStatus(["processing"], signal)).processing_jobs;
    listed = list.length;
    return list;
  };
  return {
    name: options.name ?? "APEx Dispatch API",
    minPollIntervalMs: pollFloorMs(apex.http.baseUrl),
    http: apex.http,
    async submit(item, tag, signal) {
      const job = await apex.submitUnitJob({
        ...options.request,
        title: titled(tag),
        parameters: { ...options.request.parameters, [options.dimension]: item },
      }, signal);
      return String(job.id);
    },
    async statuses(ids, signal) {
      const out = new Map<string, BackendStatus>();
      if (listed > LONG_LIST && ids.length * SINGLE_READS_BELOW < listed) {
        const read = await readEach(
          ids,
          (id, signal) => apex.getUnitJob(Number(id), signal),
          signal,
        );
        for (const [id, job] of read) out.set(id, jobSnapshot(job) as StatusSnapshot);
        return out;
      }
      const wanted = new Set(ids);
      for (const job of await jobs(signal)) {
        if (wanted.has(String(job.id))) out.set(String(job.id), jobSnapshot(job) as StatusSnapshot);
      }
      return out;
    },
    async findByTag(tags, signal) {
      const byTitle = new Map((await jobs(signal)).map((j) => [j.title, String(j.id)]));
      const out = new Map<string, string>();
      for (const tag of tags) {
        const id = byTitle.get(titled(tag));
        if (id) out.set(tag, id);
      }
      return out;
    },
    results(id, signal): Promise<JobFile[]> {
      return apex.unitJob(Number(id)).files(signal);
    },
    failureReason(id, signal) {
      return apex.unitJob(Number(id)).failureReason(signal).catch(() => undefined);
    },
    cancel(id, signal) {
      return apex.unitJob(Number(id)).cancel(signal);
    },
    async identity(signal) {
      const token = await apex.http.auth?.getToken(signal);
      return { url: apex.http.baseUrl.href, user: token ? tokenUser(token) : undefined };
    },
  };
}
