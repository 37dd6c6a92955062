/**
 * An inference resource as a status snapshot: one reading for a single inference and for a
 * list of them.
 *
 * @module
 */
import type { StatusSnapshot } from "../../jobs/state.ts";
import type { JsonApiResource } from "./jsonapi.ts";
import { sen2cubeState } from "./state.ts";
import type { InferenceAttributes } from "./types.ts";

/** The snapshot of an inference as the API returned it. */
export function inferenceSnapshot(
  r: JsonApiResource<InferenceAttributes>,
): StatusSnapshot<JsonApiResource<InferenceAttributes>> {
  return {
    state: sen2cubeState(r.attributes.status),
    raw: r.attributes.status,
    message: r.attributes.status_message ?? undefined,
    progress: r.attributes.status_progress ?? undefined,
    data: r,
  };
}
