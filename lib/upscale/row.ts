/**
 * The rows of a job table: phases, attempts, failure classes and the platform record, shared by
 * the table, its store and the manager.
 *
 * @module
 */
import type { JobState } from "../jobs/state.ts";

/** Where a work item is in the manager's life cycle. */
export type Phase =
  | "pending"
  | "submitting"
  | "active"
  | "downloading"
  | "done"
  | "failed"
  | "canceled";

/** Every {@linkcode Phase}, in life-cycle order. */
export const PHASES: readonly Phase[] = [
  "pending",
  "submitting",
  "active",
  "downloading",
  "done",
  "failed",
  "canceled",
];

/**
 * Why a row failed, which decides what a retry does: `job` (the platform says the job failed:
 * a new job), `download` (the job succeeded, its files did not arrive: download again, never
 * resubmit), `refused` (the platform refused the request itself: fix the item first),
 * `timeout` (ran longer than `cancelAfterMs`).
 */
export type FailureClass = "job" | "download" | "refused" | "timeout";

/** One job attempt of a work item. */
export interface Attempt {
  /** 1-based attempt number. */
  n: number;
  /** The tag the job was submitted with (its title), to find it again after a crash. */
  tag: string;
  /** Platform job id, once known. */
  jobId?: string;
  /** Last normalized state seen. */
  state?: JobState;
  /** Last raw status seen. */
  raw?: string;
  /** When it was submitted (ms since the epoch). */
  submittedAt?: number;
  /** When it was seen to end (ms since the epoch). */
  endedAt?: number;
}

/** A row of the table. */
export interface JobRow<Item = unknown> {
  /** The work item's key (tile id, parameter value). */
  key: string;
  /** The work item itself. */
  item: Item;
  /** Where it is. */
  phase: Phase;
  /** The backend that runs it (kept on resume). */
  backend?: string;
  /** Every attempt, the current one last. */
  attempts: Attempt[];
  /** Do not submit again before this time (ms), after a failure. */
  notBefore?: number;
  /** Downloaded files, relative to the run folder. */
  files?: string[];
  /** Last error, for people. */
  error?: string;
  /** Why it failed, when it did. */
  failure?: FailureClass;
  /** The platform's own failure message, when it gives one. */
  reason?: string;
  /** Run time of the last job, submission to end, in ms. */
  durationMs?: number;
  /** What the last job cost, where the platform reports it (credits). */
  cost?: number;
  /** Download tries of the current job's files. */
  downloadTries?: number;
  /** Attempts made before the last requeue: the attempt limit counts from here. */
  requeuedAt?: number;
  /** Last change (ms since the epoch). */
  updated: number;
}

/** Which platform (URL, user) a table's jobs belong to, per backend name. */
export interface TableMeta {
  /** Backend name to its platform. */
  backends: Record<string, { url: string; user?: string }>;
}
