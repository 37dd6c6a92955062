/**
 * Exponential backoff with full jitter, shared by HTTP retries and status polling.
 *
 * @module
 */

/** How delays grow between attempts. */
export interface BackoffOptions {
  /** First delay in ms before jitter. Default 250. */
  baseMs?: number;
  /** No delay exceeds this, in ms. Default 10 000. */
  capMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Uniform random number in [0, 1); swap for a fixed one in tests. Default `Math.random`. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based): a uniform draw from
 * `[0, min(cap, base * factor^attempt))`, "full jitter", so that many clients that failed
 * together do not come back together.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay } from "./backoff.ts";
 * const ms = backoffDelay(3, { baseMs: 100, capMs: 1_000, random: () => 0.5 });
 * assert.ok(ms === 400);
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 250, capMs = 10_000, factor = 2, random = Math.random } = options;
  const ceiling = Math.min(capMs, baseMs * factor ** attempt);
  return Math.floor(random() * ceiling);
}
