/**
 * Clocks: the wall clock, and a manual clock that tests advance by hand so that token expiry,
 * job progress and backoff can be exercised without real waiting.
 *
 * @module
 */

/** A source of the current time in milliseconds since the Unix epoch. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * The real wall clock.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const t = systemClock.now();
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "./clock.ts";
 * const clock = new ManualClock(0);
 * clock.advance(1_000);
 * assert.ok(clock.now() === 1_000);
 * ```
 */
export class ManualClock implements Clock {
  #t: number;
  /** Starts at `start` (ms since the epoch; defaults to the real time now). */
  constructor(start: number = Date.now()) {
    this.#t = start;
  }
  /** The clock's current time. */
  now(): number {
    return this.#t;
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#t += ms;
  }
}
