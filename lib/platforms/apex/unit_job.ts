/**
 * A unit job of the APEx Dispatch API as a small object: status, watch, results, delete.
 *
 * @module
 */
import type { DownloadResult } from "../../download/download.ts";
import { downloadJobFiles } from "../../download/job_files.ts";
import {
  type CancelOutcome,
  type Job,
  type JobDownloadOptions,
  type JobFile,
  JobNotFinishedError,
} from "../../jobs/contract.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import { watch, type WatchOptions } from "../../jobs/watch.ts";
import { withPollFloor } from "../../jobs/poll_floor.ts";
import { HttpError } from "../../http/errors.ts";
import type { ApexDispatch } from "./client.ts";
import { apexState } from "./state.ts";
import type { ProcessingJob, ProcessingJobSummary, StacAsset, StacCollection } from "./types.ts";

/** A job's status as a snapshot. */
export function jobSnapshot<T extends ProcessingJobSummary>(job: T): StatusSnapshot<T> {
  return { state: apexState(job.status), raw: job.status, data: job };
}

/**
 * A unit job.
 *
 * @example
 * ```ts ignore
 * const job = await apex.submitUnitJob(request);
 * for await (const s of job.watch()) console.log(s.state, s.raw);
 * const collection = await job.results();
 * ```
 */
export class UnitJob implements Job<ProcessingJob> {
  /** Job id. */
  readonly id: number;
  /** What the API answered at submission, when this handle came from it. */
  readonly submitted?: ProcessingJobSummary;
  readonly #apex: ApexDispatch;

  /** A handle; see {@linkcode ApexDispatch.unitJob}. */
  constructor(apex: ApexDispatch, id: number, submitted?: ProcessingJobSummary) {
    this.#apex = apex;
    this.id = id;
    this.submitted = submitted;
  }

  /** The job now. */
  async status(signal?: AbortSignal): Promise<StatusSnapshot<ProcessingJob>> {
    return jobSnapshot(await this.#apex.getUnitJob(this.id, signal));
  }

  /** Status changes until the job ends. */
  watch(
    options: WatchOptions<ProcessingJob> = {},
  ): AsyncGenerator<StatusSnapshot<ProcessingJob>, void, undefined> {
    return watch((signal) => this.status(signal), withPollFloor(options, this.#apex.http.baseUrl));
  }

  /** The result collection. Throws when the job has not finished. */
  async results(signal?: AbortSignal): Promise<StacCollection> {
    const { raw } = await this.status(signal);
    if (raw !== "finished") {
      throw new JobNotFinishedError("unit job", this.id, raw, "finished");
    }
    const collection = await this.#apex.unitJobResults(this.id, signal);
    if (!collection) throw new Error(`unit job ${this.id} finished but has no result collection`);
    return collection;
  }

  /** The data assets of the result collection, by name. */
  async assets(signal?: AbortSignal): Promise<Record<string, StacAsset>> {
    return (await this.results(signal)).assets ?? {};
  }

  /**
   * The result collection's assets as files, with their sizes and checksums where given.
   *
   * @throws {JobNotFinishedError} before the job is finished.
   */
  async files(signal?: AbortSignal): Promise<JobFile[]> {
    return Object.entries(await this.assets(signal)).map(([name, asset]) => ({
      url: asset.href,
      path: name,
      size: typeof asset["file:size"] === "number" ? asset["file:size"] : undefined,
      checksum: typeof asset["file:checksum"] === "string" ? asset["file:checksum"] : undefined,
    }));
  }

  /** Downloads every asset into `dir` through the shared downloader; sizes and checksums checked. */
  download(dir: string, options: JobDownloadOptions = {}): Promise<DownloadResult[]> {
    return downloadJobFiles((signal) => this.files(signal), dir, {
      ...options,
      http: this.#apex.http,
      what: "STAC asset key",
    });
  }

  /**
   * `DELETE /unit_jobs/{id}`: the Dispatch API has no cancel; it forgets the job's record, and
   * the platform's job may run on.
   */
  async cancel(signal?: AbortSignal): Promise<CancelOutcome> {
    await this.delete(signal);
    return "forgotten";
  }

  /**
   * Why the job failed, as the platform says: the API reports no reason with the status, but
   * asking for a failed job's results quotes the platform's error. `undefined` when it gives none.
   */
  async failureReason(signal?: AbortSignal): Promise<string | undefined> {
    try {
      await this.#apex.unitJobResults(this.id, signal);
      return undefined;
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const details = (error.body as { details?: { error?: unknown } } | undefined)?.details;
      return typeof details?.error === "string" ? details.error : error.detail;
    }
  }

  /**
   * Removes the job's record. The API has no cancel: the platform job runs on (see
   * `ApexDispatch.deleteUnitJob`).
   */
  delete(signal?: AbortSignal): Promise<void> {
    return this.#apex.deleteUnitJob(this.id, signal);
  }
}
