/**
 * Statuses read job by job, a few at a time, for platforms (or long job lists) with no request
 * that answers for many jobs at once.
 *
 * @module
 */
import { HttpError } from "../http/errors.ts";

/** Reads in flight at once. */
const PARALLEL_READS = 8;

/**
 * Calls `read` for every id, {@linkcode PARALLEL_READS} at a time, and maps each id to what it
 * gave. A 404 leaves the id out, as a list that no longer holds the job would. A read that fails
 * otherwise leaves its id out too (the manager reads it again next round) as long as one read
 * answered: on a flaky network one failure in many reads must not fail them all, and make the
 * platform look down. When none answered, the first error is thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readEach } from "./read_each.ts";
 * const read = await readEach(["1", "2"], (id) => Promise.resolve(Number(id) * 10));
 * assert.equal(read.get("2"), 20);
 * ```
 */
export async function readEach<T>(
  ids: string[],
  read: (id: string, signal?: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  const errors: unknown[] = [];
  let answered = 0;
  for (let i = 0; i < ids.length; i += PARALLEL_READS) {
    const batch = ids.slice(i, i + PARALLEL_READS);
    const got = await Promise.all(
      batch.map((id) =>
        read(id, signal).then((value) => ({ value }), (error) => {
          if (error instanceof HttpError && error.status === 404) return null;
          errors.push(error);
          return undefined;
        })
      ),
    );
    got.forEach((g, k) => {
      if (g !== undefined) answered++;
      if (g) out.set(batch[k], g.value);
    });
    signal?.throwIfAborted();
  }
  if (answered === 0 && errors.length > 0) throw errors[0];
  return out;
}
