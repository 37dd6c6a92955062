/**
 * A unit job of the APEx Dispatch API as a small object: status, watch, results, delete.
 *
 * @module
 */
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
export class UnitJob {
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
      throw new Error(
        `unit job ${this.id} is "${raw}"; results exist once it is "finished" (watch it first)`,
      );
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
