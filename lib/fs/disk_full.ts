/**
 * One test for "the disk is full", shared by everything that writes a user's files (downloads,
 * the job table): an error that says so must be named as the user's disk, never blamed on a
 * platform or taken for a network blip and retried.
 *
 * @module
 */

/**
 * True for an error that says the disk or the quota is full (`ENOSPC`, `EDQUOT`, SQLite's FULL),
 * or wraps one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDiskFull } from "./disk_full.ts";
 * assert.ok(isDiskFull(Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" })));
 * assert.ok(!isDiskFull(new Error("fetch failed")));
 * ```
 */
export function isDiskFull(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (e?.code === "ENOSPC" || e?.code === "EDQUOT") return true;
  if (
    /no space left|disk (quota|is full)|database or disk is full|os error 28|quota exceeded/i
      .test(e?.message ?? "")
  ) return true;
  return e?.cause !== undefined && e.cause !== error && isDiskFull(e.cause);
}
