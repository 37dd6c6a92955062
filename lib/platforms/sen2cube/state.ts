/**
 * Sen2Cube inference statuses onto the shared {@linkcode JobState}.
 *
 * @module
 */
import { type JobState, stateMapper } from "../../jobs/state.ts";

/**
 * `CREATED`/`SCHEDULED` wait, `STARTED` runs, `SUCCEEDED`, `FAILED`, `ABORTED` end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sen2cubeState } from "./state.ts";
 * assert.ok(sen2cubeState("ABORTED") === "canceled");
 * ```
 */
export const sen2cubeState: (raw: string) => JobState = stateMapper({
  CREATED: "queued",
  SCHEDULED: "queued",
  STARTED: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  ABORTED: "canceled",
});
