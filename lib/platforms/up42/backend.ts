/**
 * UP42 processing jobs as a backend of the job manager: one job of one process per work item
 * (its inputs, such as `{ item: sceneUrl }`), the tag in the inputs' `title`. Each submission
 * goes the SDK's way (validation and cost, then the execution, which alone is not retried; the
 * EULA checked once a minute), and the cost is confirmed by `confirm` before anything is
 * charged. Validation and cost are asked while the slots are still busy (`prepare`) and kept
 * for a minute for a submission under the same tag again, so a slot that comes free waits only
 * for the execution. Statuses of all followed
 * jobs are one `ids` list; files are the result items' assets through signed URLs, asked for
 * afresh for each try. UP42 has no way to stop a processing job, so the backend has no `cancel`.
 *
 * @module
 */
import { pollFloorMs } from "../../jobs/poll_floor.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import type { BackendStatus, JobBackend } from "../../upscale/backend.ts";
import type { JobFile } from "../../jobs/contract.ts";
import { jobSnapshot } from "./_snapshot.ts";
import type { RunOptions, Up42 } from "./client.ts";
import type { Cost } from "./types.ts";

/** How each work item (a process's inputs without a title) becomes a job. */
export interface Up42BackendOptions {
  /** The process, such as `true-color-conversion`. */
  processId: string;
  /** Approves each job's cost, as in {@linkcode Up42.run}: `true`, or a function of the cost. */
  confirm: NonNullable<RunOptions["confirm"]>;
  /** Jobs are titled `TITLE [tag]`. @default {"eojobs"} */
  title?: string;
  /** Name in messages and the job table. @default {"UP42"} */
  name?: string;
}

/** How long an accepted EULA is taken as still accepted, ms. */
const EULA_RECHECK_MS = 60_000;

/** How long a validation and cost are taken as still true for the same inputs, ms. */
const CHECK_KEPT_MS = 60_000;

/** Ids per job list: keeps the query string short. */
const PER_LIST = 100;

/**
 * A backend for `JobManager` that runs one UP42 processing job per set of inputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectUp42, startSandbox, up42Backend, allPlatforms } from "../../../mod.ts";
 * await using sandbox = await startSandbox({ port: 0, mounts: allPlatforms });
 * const up42 = connectUp42({ sandbox: sandbox.url });
 * await up42.acceptEula("true-color-conversion");
 * const [scene] = await up42.search();
 * const backend = up42Backend(up42, { processId: "true-color-conversion", confirm: (cost) => cost.totalCredits < 100 });
 * const id = await backend.submit({ item: scene.links[0].href }, "t1");
 * assert.equal((await backend.findByTag(["t1"])).get("t1"), id);
 * ```
 */
export function up42Backend(
  up42: Up42,
  options: Up42BackendOptions,
): JobBackend<Record<string, unknown>> {
  const titled = (tag: string) => `${options.title ?? "eojobs"} [${tag}]`;
  // The EULA is asked for once a minute, not before every job: a new version is still refused
  // by the execution itself (the job ends unlicensed and costs nothing).
  let eulaSeenAt = -Infinity;
  // Checks by tag and inputs: a failed one is forgotten, so the submission asks again itself.
  const checks = new Map<string, { at: number; cost: Promise<Cost | undefined> }>();
  const checkKey = (item: Record<string, unknown>, tag: string) => `${tag} ${JSON.stringify(item)}`;
  const forgetOld = (now: number) => {
    for (const [key, check] of checks) if (now - check.at >= CHECK_KEPT_MS) checks.delete(key);
  };
  return {
    name: options.name ?? "UP42",
    minPollIntervalMs: pollFloorMs(up42.http.baseUrl),
    http: up42.http,
    prepare(item, tag, signal) {
      const now = Date.now();
      forgetOld(now);
      const key = checkKey(item, tag);
      if (checks.has(key)) return;
      const cost = up42.check(options.processId, { ...item, title: titled(tag) }, signal)
        .catch(() => {
          if (checks.get(key)?.cost === cost) checks.delete(key);
          return undefined;
        });
      checks.set(key, { at: now, cost });
    },
    async submit(item, tag, signal) {
      const fresh = Date.now() - eulaSeenAt < EULA_RECHECK_MS;
      forgetOld(Date.now());
      const key = checkKey(item, tag);
      const job = await up42.run(options.processId, { ...item, title: titled(tag) }, {
        confirm: options.confirm,
        eulaChecked: fresh,
        checked: await checks.get(key)?.cost,
        signal,
      });
      checks.delete(key);
      if (!fresh) eulaSeenAt = Date.now();
      return job.id;
    },
    async statuses(ids, signal) {
      const out = new Map<string, BackendStatus>();
      for (let i = 0; i < ids.length; i += PER_LIST) {
        for await (const job of up42.jobs({ ids: ids.slice(i, i + PER_LIST), signal })) {
          out.set(job.jobID, {
            ...jobSnapshot(job) as StatusSnapshot,
            cost: job.creditConsumption?.credits,
          });
        }
      }
      return out;
    },
    async findByTag(tags, signal, older = []) {
      const byTitle = new Map(tags.map((tag) => [titled(tag), tag]));
      const out = new Map<string, string>();
      const known = new Set(older);
      // Created before any tag sought was submitted: jobs older than it are not looked at.
      let floor: number | undefined;
      // Newest first, as the jobs sought were submitted last: the search stops once each is
      // found, or once it is past a job known to be older; only with neither does a tag that
      // never became a job cost every page.
      const jobs = up42.jobs({
        processId: [options.processId],
        sort: "created,desc",
        limit: 200,
        signal,
      });
      for await (const job of jobs) {
        const created = Date.parse(job.created);
        if (floor !== undefined && created < floor) break;
        const inputs = job.definition?.inputs as { title?: unknown } | undefined;
        const tag = byTitle.get(String(inputs?.title));
        if (tag !== undefined && !out.has(tag)) out.set(tag, job.jobID);
        if (out.size === byTitle.size) break;
        if (known.has(job.jobID) && !Number.isNaN(created)) floor ??= created;
      }
      return out;
    },
    async results(id, signal): Promise<JobFile[]> {
      const files: JobFile[] = [];
      for (const item of await up42.job(id).results(signal)) {
        for (const [name, asset] of Object.entries(item.assets)) {
          files.push({ url: await up42.signedUrl(asset.href, signal), path: name });
        }
      }
      return files;
    },
    async failureReason(id, signal) {
      return (await up42.job(id).status(signal)).message;
    },
    async identity(signal) {
      return { url: up42.http.baseUrl.href, user: await up42.workspaceId(signal) };
    },
  };
}
