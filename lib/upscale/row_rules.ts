/**
 * The job manager's rules for a row, with no I/O: what a job that ended without results, a
 * submission the platform refused for its limit, and a download that failed each do to the row.
 * The manager applies them and writes the row; tests drive them from tables.
 *
 * @module
 */
import type { ErrorClass } from "../jobs/failures.ts";
import { backoffDelay } from "../time/backoff.ts";
import type { JobRow, Phase } from "./row.ts";

/** Phases a row ends in until it is requeued. */
export const FINISHED: ReadonlySet<Phase> = new Set(["done", "failed", "canceled"]);
/** Phases that hold one of the backend's slots. */
export const RUNNING: ReadonlySet<Phase> = new Set(["active", "submitting"]);

/** What the rules need of the run's options, and the time. */
export interface RuleContext {
  /** Jobs per item when the platform says a job failed. */
  maxAttempts: number;
  /** First delay before a failed job is submitted again, ms (doubles with each attempt). */
  retryDelayMs: number;
  /** Downloads of a finished job that may fail for good before the row fails. */
  maxDownloadTries: number;
  /** Now, ms. */
  now: number;
}

/**
 * A job ended without results (failed, canceled by the platform): a new job after a delay that
 * doubles with each attempt while attempts are left (counted from the last requeue), else the
 * row fails with the platform's reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobEnded } from "./row_rules.ts";
 * import type { JobRow } from "./row.ts";
 * const row: JobRow<number> = { key: "t", item: 0, phase: "active", attempts: [{ n: 1, tag: "a" }], updated: 0 };
 * jobEnded(row, "job 7 ended failed", "no data", { maxAttempts: 3, retryDelayMs: 100, maxDownloadTries: 5, now: 1_000 });
 * assert.equal(row.phase, "pending");
 * assert.equal(row.notBefore, 1_100);
 * ```
 */
export function jobEnded<Item>(
  row: JobRow<Item>,
  what: string,
  reason: string | undefined,
  ctx: RuleContext,
): void {
  const used = row.attempts.length - (row.requeuedAt ?? 0);
  const said = `${what}${reason ? `: ${reason}` : ""}`;
  row.reason = reason;
  if (used < ctx.maxAttempts) {
    row.phase = "pending";
    row.notBefore = ctx.now + ctx.retryDelayMs * 2 ** (used - 1);
    row.error = `${said}; retrying (attempt ${used + 1} of ${ctx.maxAttempts})`;
  } else {
    row.phase = "failed";
    row.failure = "job";
    row.error = `${said}; gave up after ${used} attempts`;
  }
}

/**
 * A submission that made no job (a limit answer, or nothing reached the platform): its attempt
 * is taken back, so no attempt is spent; the row waits again, and an unpinned row with no job
 * yet may go to any backend.
 */
export function withdrawn<Item>(
  row: JobRow<Item>,
  error: string | undefined,
  pinned: boolean,
): void {
  row.attempts.pop();
  row.phase = "pending";
  if (row.attempts.length === 0 && !pinned) row.backend = undefined;
  row.error = error;
}

/**
 * A download that failed, by the class of its error: a broken transfer or a storage that is
 * down (`transient`, `limit`) is tried again later with no try spent (after `Retry-After` when
 * it asked, capped by the caller); anything else spends a try, and the row fails once
 * `maxDownloadTries` are spent, the job itself kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { downloadFailed } from "./row_rules.ts";
 * import type { JobRow } from "./row.ts";
 * const row: JobRow<number> = { key: "t", item: 0, phase: "downloading", attempts: [], updated: 0 };
 * const ctx = { maxAttempts: 3, retryDelayMs: 100, maxDownloadTries: 1, now: 0 };
 * downloadFailed(row, "HTTP 404", "refused", 0, ctx);
 * assert.equal(row.phase, "failed");
 * assert.equal(row.failure, "download");
 * ```
 */
export function downloadFailed<Item>(
  row: JobRow<Item>,
  why: string,
  kind: ErrorClass,
  retryAfterMs: number,
  ctx: RuleContext,
): void {
  if (kind === "transient" || kind === "limit") {
    row.notBefore = ctx.now + Math.max(retryAfterMs, backoffDelay(2, { baseMs: 1_000 }));
    row.error = `download interrupted (${why}); retrying`;
    return;
  }
  row.downloadTries = (row.downloadTries ?? 0) + 1;
  if (row.downloadTries < ctx.maxDownloadTries) {
    row.notBefore = ctx.now + backoffDelay(row.downloadTries, { baseMs: 1_000 });
    row.error =
      `download failed (${why}); trying again (${row.downloadTries} of ${ctx.maxDownloadTries})`;
  } else {
    row.phase = "failed";
    row.failure = "download";
    row.reason = why;
    row.error = `download failed ${row.downloadTries} times: ${why}; requeue it to download again`;
  }
}

/** A finished job whose files failed for good: downloading them again needs no new job. */
export function downloadMayRetry<Item>(row: JobRow<Item>): boolean {
  return row.phase === "failed" && row.failure === "download" &&
    row.attempts.at(-1)?.state === "succeeded";
}

/** Puts a row whose files failed back to downloading, with a fresh budget of tries. */
export function downloadAgain<Item>(row: JobRow<Item>): void {
  row.phase = "downloading";
  row.downloadTries = 0;
  row.failure = undefined;
  row.notBefore = undefined;
}
