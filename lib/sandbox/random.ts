/**
 * A small seeded random generator so that the sandbox's job durations, failures and faults
 * repeat exactly from run to run.
 *
 * @module
 */

/**
 * Returns a function yielding uniform numbers in [0, 1) from a 32-bit seed (mulberry32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "./random.ts";
 * const a = seededRandom(7), b = seededRandom(7);
 * assert.ok(a() === b());
 * ```
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
