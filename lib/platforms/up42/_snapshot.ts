/**
 * A UP42 job's metadata as a status snapshot: one reading for a single job and for a list.
 *
 * @module
 */
import type { StatusSnapshot } from "../../jobs/state.ts";
import { up42State } from "./state.ts";
import type { JobMetadata } from "./types.ts";

/** The snapshot of a job as the API returned it. */
export function jobSnapshot(job: JobMetadata): StatusSnapshot<JobMetadata> {
  return {
    state: up42State(job.status),
    raw: job.status,
    message: job.results?.errors?.map((e) => `${e.name}: ${e.message}`).join("; "),
    data: job,
  };
}
