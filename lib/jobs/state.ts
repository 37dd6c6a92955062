/**
 * One job state for every platform, always carried beside the platform's own status string.
 *
 * @module
 */

/** The normalized state of a job on any platform. */
export type JobState = "queued" | "running" | "succeeded" | "failed" | "canceled" | "unknown";

/** Every {@linkcode JobState}, in life-cycle order. */
export const JOB_STATES: readonly JobState[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "canceled",
  "unknown",
];

/**
 * True for states a job never leaves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTerminal } from "./state.ts";
 * assert.ok(isTerminal("failed") && !isTerminal("unknown"));
 * ```
 */
export function isTerminal(state: JobState): boolean {
  return state === "succeeded" || state === "failed" || state === "canceled";
}

/** One observation of a job's status. */
export interface StatusSnapshot<T = unknown> {
  /** Normalized state. */
  state: JobState;
  /** The platform's own status string, unchanged. */
  raw: string;
  /** Progress in percent, when the platform reports it. */
  progress?: number;
  /** A status message, when the platform gives one. */
  message?: string;
  /** The platform's full status object. */
  data: T;
}

/**
 * Maps raw statuses onto {@linkcode JobState} with a table; anything not in it is `unknown`.
 * Matching ignores case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stateMapper } from "./state.ts";
 * const apex = stateMapper({ created: "queued", finished: "succeeded" });
 * assert.ok(apex("FINISHED") === "succeeded" && apex("weird") === "unknown");
 * ```
 */
export function stateMapper(table: Record<string, JobState>): (raw: string) => JobState {
  const lower = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v]));
  return (raw) => lower.get(String(raw).toLowerCase()) ?? "unknown";
}
