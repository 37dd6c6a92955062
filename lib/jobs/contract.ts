/**
 * One job contract for every platform: an APEx unit job, a BEOD scenario, a Sen2Cube inference
 * and a UP42 job each have an id, a status snapshot, a status stream, their result files, a
 * download of them all, and a cancel (or a typed refusal where the platform has none).
 *
 * @module
 */
import type { DownloadResult } from "../download/download.ts";
import type { StatusSnapshot } from "./state.ts";
import type { WatchOptions } from "./watch.ts";

/** A result file of a finished job. */
export interface JobFile {
  /** Where to get it (a presigned or signed URL where the platform makes one). */
  url: string;
  /** Name below the job's download folder (checked before anything is written). */
  path: string;
  /** Size, when the platform says. */
  size?: number;
  /** STAC `file:checksum`: a multihash in hex (`1220` + SHA-256), checked after the download. */
  checksum?: string;
  /** Send the platform's token with the request (never to another origin than the platform's). */
  auth?: boolean;
}

/** What {@linkcode Job.cancel} achieved. */
export type CancelOutcome =
  /** The platform stopped the job. */
  | "stopped"
  /** The platform forgot the job's record; the job itself may run on (APEx Dispatch). */
  | "forgotten";

/**
 * Options of {@linkcode Job.watch} on any platform: the pace, a time-out and a signal (each
 * client's own `watch` also takes a `key` and a push source of its own type).
 */
export type JobWatchOptions = Omit<WatchOptions<unknown>, "key" | "push">;

/** Options of {@linkcode Job.download}. */
export interface JobDownloadOptions {
  /** Files at once. @default {4} */
  concurrency?: number;
  /** Called after each file. */
  onFile?: (result: DownloadResult, done: number, total: number) => void;
  /** Aborts. */
  signal?: AbortSignal;
}

/**
 * A job on any platform.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allPlatforms, connectSen2Cube, type Job, startSandbox } from "../../mod.ts";
 * await using sandbox = await startSandbox({ port: 0, mounts: allPlatforms, timeScale: 0.001 });
 * const s2c = connectSen2Cube({ sandbox: sandbox.url });
 * const job: Job = await s2c.createInference({
 *   knowledgebase: 218, start: "2021-05-01T00:00:00Z", end: "2021-06-01T00:00:00Z",
 *   aoi: { type: "Polygon", coordinates: [[[13, 47], [13.1, 47], [13.1, 47.1], [13, 47]]] },
 * });
 * for await (const _ of job.watch({ minIntervalMs: 50 }));
 * assert.equal((await job.status()).state, "succeeded");
 * assert.ok((await job.files()).length > 0);
 * ```
 */
export interface Job<T = unknown> {
  /** The platform's id. */
  readonly id: string | number;
  /** The status now. */
  status(signal?: AbortSignal): Promise<StatusSnapshot<T>>;
  /** Each change of status until the job ends (backoff, `Retry-After`, token refresh). */
  watch(options?: JobWatchOptions): AsyncGenerator<StatusSnapshot<T>, void, undefined>;
  /**
   * The result files.
   *
   * @throws {JobNotFinishedError} before the job has succeeded.
   */
  files(signal?: AbortSignal): Promise<JobFile[]>;
  /**
   * Downloads every result file into `dir`, streamed, resumable, never a half file; links
   * that expire on the way are asked for again.
   *
   * @throws {JobNotFinishedError} before the job has succeeded.
   */
  download(dir: string, options?: JobDownloadOptions): Promise<DownloadResult[]>;
  /**
   * Stops the job.
   *
   * @throws {CancelUnavailableError} where the platform cannot stop a job.
   */
  cancel(signal?: AbortSignal): Promise<CancelOutcome>;
}

/** Results asked for before the job succeeded: says its state and what to do. */
export class JobNotFinishedError extends Error {
  /** Always `"JobNotFinishedError"`. */
  override name = "JobNotFinishedError";
  /** The job's id. */
  readonly jobId: string | number;
  /** Its status, in the platform's words. */
  readonly raw: string;

  /**
   * Names the job (`what` and `jobId`), its state and the state its results need.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { JobNotFinishedError } from "./contract.ts";
   * const e = new JobNotFinishedError("inference", 7, "STARTED", "SUCCEEDED");
   * assert.match(e.message, /inference 7 is STARTED; its results exist once it is SUCCEEDED/);
   * ```
   */
  constructor(what: string, jobId: string | number, raw: string, done: string) {
    super(`${what} ${jobId} is ${raw}; its results exist once it is ${done} (watch it first)`);
    this.jobId = jobId;
    this.raw = raw;
  }
}

/** A cancel on a platform that cannot stop jobs. */
export class CancelUnavailableError extends Error {
  /** Always `"CancelUnavailableError"`. */
  override name = "CancelUnavailableError";
  /** The platform. */
  readonly platform: string;

  /**
   * Names the platform and what could not be stopped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CancelUnavailableError } from "./contract.ts";
   * assert.match(new CancelUnavailableError("UP42", "job x").message, /UP42 cannot stop/);
   * ```
   */
  constructor(platform: string, what: string) {
    super(`${platform} cannot stop ${what}: there is no such request; it runs to its end`);
    this.platform = platform;
  }
}
