/**
 * BEOD activity states onto the shared {@linkcode JobState}.
 *
 * @module
 */
import { type JobState, stateMapper } from "../../jobs/state.ts";

/**
 * `CREATED` and `PENDING` wait, `RUNNING` runs, `SUCCESSFUL` succeeded, `FAILED` failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { beodState } from "./state.ts";
 * assert.ok(beodState("SUCCESSFUL") === "succeeded");
 * ```
 */
export const beodState: (raw: string) => JobState = stateMapper({
  CREATED: "queued",
  PENDING: "queued",
  RUNNING: "running",
  SUCCESSFUL: "succeeded",
  FAILED: "failed",
});
