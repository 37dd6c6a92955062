/**
 * Whether what this process shows comes from the eojobs sandbox: the embedded sandbox says so
 * when it starts, and figures then say "synthetic data (eojobs sandbox)", so that no picture of
 * made-up data passes for a real result.
 *
 * @module
 */

/** How figures and files made from sandbox data say so. */
export const SYNTHETIC = "synthetic data (eojobs sandbox)";

let marked = 0;

/**
 * Marks (or, with `false`, unmarks) this process's data as the sandbox's. Calls nest: the mark
 * stays until every `true` has had its `false`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markSyntheticData, syntheticData } from "./synthetic.ts";
 * markSyntheticData();
 * assert.equal(syntheticData(), true);
 * markSyntheticData(false);
 * assert.equal(syntheticData(), false);
 * ```
 */
export function markSyntheticData(on = true): void {
  marked = Math.max(0, marked + (on ? 1 : -1));
}

/** True while this process's data are the sandbox's. */
export function syntheticData(): boolean {
  return marked > 0;
}
