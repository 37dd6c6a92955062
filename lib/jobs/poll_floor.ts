/**
 * The least time between two status reads of a platform. Polling faster than a platform allows
 * gets the user's account throttled and does not make a job finish sooner, so every platform
 * client sets a floor that `watch()` and the job manager never go below; a sandbox on this
 * machine allows much less, so tests and notebooks stay fast.
 *
 * @module
 */
import { isLoopback } from "../http/loopback.ts";

/** The floor of a real platform when it documents none: 5 s. */
export const PLATFORM_POLL_FLOOR_MS = 5_000;

/** The floor for a sandbox on the loopback interface: 50 ms. */
export const SANDBOX_POLL_FLOOR_MS = 50;

/**
 * The poll floor for an API at `baseUrl`: {@linkcode SANDBOX_POLL_FLOOR_MS} on the loopback
 * interface, else `platformFloorMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pollFloorMs } from "./poll_floor.ts";
 * assert.ok(pollFloorMs("http://127.0.0.1:8123/apex/") === 50);
 * assert.ok(pollFloorMs("https://dispatch-api.apex.esa.int/") === 5_000);
 * ```
 */
export function pollFloorMs(
  baseUrl: string | URL,
  platformFloorMs = PLATFORM_POLL_FLOOR_MS,
): number {
  return isLoopback(baseUrl) ? SANDBOX_POLL_FLOOR_MS : platformFloorMs;
}

/**
 * `options` with `minIntervalMs` raised to the poll floor of the API at `baseUrl`: what every
 * platform client's `watch()` passes on, so no caller polls a platform faster than it allows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withPollFloor } from "./poll_floor.ts";
 * const o = withPollFloor({ minIntervalMs: 0 }, "https://api.up42.com/");
 * assert.ok(o.minIntervalMs === 5_000);
 * ```
 */
export function withPollFloor<O extends { minIntervalMs?: number }>(
  options: O,
  baseUrl: string | URL,
  platformFloorMs = PLATFORM_POLL_FLOOR_MS,
): O {
  return {
    ...options,
    minIntervalMs: Math.max(options.minIntervalMs ?? 0, pollFloorMs(baseUrl, platformFloorMs)),
  };
}
