/**
 * `watchAll`: many status streams merged into one, each value tagged with its key.
 *
 * @module
 */
import type { StatusSnapshot } from "./state.ts";

/** A snapshot and the key of the stream it came from. */
export interface Keyed<K, T> {
  /** The stream's key (a tile id, a job id). */
  key: K;
  /** Its latest change. */
  snapshot: StatusSnapshot<T>;
}

/**
 * Merges streams; ends when all of them have ended. The first error ends the merge and closes
 * the other streams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchAll } from "./watch_all.ts";
 * async function* one(state: "succeeded" | "failed") { yield { state, raw: state, data: null }; }
 * const seen = [];
 * for await (const { key } of watchAll(new Map([["a", one("succeeded")], ["b", one("failed")]]))) seen.push(key);
 * assert.ok(seen.length === 2);
 * ```
 */
export async function* watchAll<K, T>(
  streams: Map<K, AsyncIterable<StatusSnapshot<T>>>,
): AsyncGenerator<Keyed<K, T>, void, undefined> {
  const iterators = new Map<K, AsyncIterator<StatusSnapshot<T>>>();
  for (const [key, stream] of streams) iterators.set(key, stream[Symbol.asyncIterator]());
  type Next = { key: K; result: IteratorResult<StatusSnapshot<T>> };
  const pending = new Map<K, Promise<Next>>();
  const pull = (key: K) =>
    pending.set(key, iterators.get(key)!.next().then((result) => ({ key, result })));
  for (const key of iterators.keys()) pull(key);
  try {
    while (pending.size > 0) {
      const { key, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(key);
        iterators.delete(key);
        continue;
      }
      pull(key);
      yield { key, snapshot: result.value };
    }
  } finally {
    await Promise.allSettled([...iterators.values()].map((it) => it.return?.()));
  }
}
