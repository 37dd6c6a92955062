/**
 * UP42 job statuses onto the shared {@linkcode JobState}. On UP42 `successful` and `failed` are
 * not the end: the credits are then captured or released, and the job ends `captured` or
 * `released` (as the SDK's terminal set says), so they map to `running`.
 *
 * @module
 */
import { type JobState, stateMapper } from "../../jobs/state.ts";

/**
 * The mapping.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { up42State } from "./state.ts";
 * assert.ok(up42State("captured") === "succeeded" && up42State("successful") === "running");
 * ```
 */
export const up42State: (raw: string) => JobState = stateMapper({
  created: "queued",
  licensed: "queued",
  valid: "queued",
  accepted: "queued",
  running: "running",
  successful: "running",
  failed: "running",
  captured: "succeeded",
  released: "failed",
  invalid: "failed",
  rejected: "failed",
  unlicensed: "failed",
});
