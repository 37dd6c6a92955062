/**
 * APEx statuses onto the shared {@linkcode JobState}.
 *
 * @module
 */
import { stateMapper } from "../../jobs/state.ts";
import type { JobState } from "../../jobs/state.ts";

/**
 * `created` and `queued` are both waiting; `finished` is success.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { apexState } from "./state.ts";
 * assert.ok(apexState("finished") === "succeeded");
 * ```
 */
export const apexState: (raw: string) => JobState = stateMapper({
  created: "queued",
  queued: "queued",
  running: "running",
  finished: "succeeded",
  failed: "failed",
  canceled: "canceled",
  unknown: "unknown",
});
