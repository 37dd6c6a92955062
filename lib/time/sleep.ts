/**
 * An abortable sleep, the one place the library waits.
 *
 * @module
 */

/** Waits `ms` milliseconds; what the library calls, so tests can swap it for a recorder. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as it aborts.
 *
 * @example
 * ```ts
 * import { sleep } from "./sleep.ts";
 * await sleep(1);
 * ```
 */
export const sleep: Sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
