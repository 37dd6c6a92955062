/**
 * A queue between a producer loop and an async-iterating consumer: pushes never wait, the
 * consumer waits for the next item, and the end or an error reaches the consumer after every
 * item pushed before it.
 *
 * @module
 */

/**
 * An unbounded single-consumer channel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Channel } from "./channel.ts";
 * const c = new Channel<number>();
 * c.push(1);
 * c.close();
 * const seen = [];
 * for await (const n of c) seen.push(n);
 * assert.ok(seen.length === 1);
 * ```
 */
export class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #done = false;
  #error: unknown;
  #failed = false;
  #wake?: () => void;

  /** Adds an item. */
  push(item: T): void {
    if (this.#done) return;
    this.#items.push(item);
    this.#notify();
  }

  /** Ends the stream after the items already pushed. */
  close(): void {
    this.#done = true;
    this.#notify();
  }

  /** Ends the stream with `error`, thrown after the items already pushed. */
  fail(error: unknown): void {
    this.#failed = true;
    this.#error = error;
    this.close();
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = undefined;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (true) {
      if (this.#head < this.#items.length) {
        const item = this.#items[this.#head++];
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        yield item;
        continue;
      }
      if (this.#done) {
        if (this.#failed) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
