/**
 * What the job manager needs from a platform: submit one job, read statuses, find jobs again
 * by tag after a crash, and list a finished job's files; optionally cancel a job, say who it
 * talks to, and explain a failure.
 *
 * @module
 */
import type { HttpClient } from "../http/client.ts";
import type { CancelOutcome, JobFile } from "../jobs/contract.ts";
import type { StatusSnapshot } from "../jobs/state.ts";

/** A job's status as the manager reads it: the snapshot, and its cost where the platform says. */
export interface BackendStatus extends StatusSnapshot {
  /** Credits (or the platform's unit) the job cost. */
  cost?: number;
}

/** A platform, as the manager sees it. */
export interface JobBackend<Item> {
  /** Short name for messages. */
  readonly name: string;
  /**
   * The least time between two status reads of this platform, in ms: the manager never polls
   * faster. Default 2 000.
   */
  readonly minPollIntervalMs?: number;
  /**
   * The platform client's HTTP core: result files are downloaded through it, with its time-outs,
   * retries and `fetch` (its credentials are not sent to the files' URLs). Default: a core with
   * the default settings.
   */
  readonly http?: HttpClient;
  /**
   * Submits one job for `item`, tagged with `tag` (put it where {@linkcode JobBackend.findByTag}
   * can see it, such as the title). Must not retry by itself.
   */
  submit(item: Item, tag: string, signal?: AbortSignal): Promise<string>;
  /**
   * Starts, ahead of time, the checks that {@linkcode JobBackend.submit} makes for `item` and
   * `tag` before it creates anything (UP42 validates and prices a job): the manager calls it for
   * the next jobs in line while the slots are busy, so a slot that comes free waits only for the
   * job's creation. Must create and spend nothing; a failed check is the submission's to meet.
   */
  prepare?(item: Item, tag: string, signal?: AbortSignal): void;
  /** Statuses of jobs by id (one request for all where the platform allows). */
  statuses(ids: string[], signal?: AbortSignal): Promise<Map<string, BackendStatus>>;
  /**
   * Job ids by tag, among the user's jobs: how a crash between submit and record is healed.
   * `older` names jobs that existed before any of `tags` was submitted (they had ended by then):
   * a search of the newest jobs first may stop once it is past them, instead of reading every
   * page for a tag that never became a job.
   */
  findByTag(
    tags: string[],
    signal?: AbortSignal,
    older?: readonly string[],
  ): Promise<Map<string, string>>;
  /** Files of a finished job. */
  results(id: string, signal?: AbortSignal): Promise<JobFile[]>;
  /** The platform's explanation of a failed job, where it gives one. */
  failureReason?(id: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Stops a job where the platform can; see {@linkcode CancelOutcome}. */
  cancel?(id: string, signal?: AbortSignal): Promise<CancelOutcome>;
  /** The platform's URL and the signed-in user, recorded in the job table. */
  identity?(signal?: AbortSignal): Promise<{ url: string; user?: string }>;
}
