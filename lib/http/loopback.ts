/**
 * Is an API on this machine? A sandbox on the loopback interface answers in a millisecond and
 * runs its jobs on a compressed clock, so clients poll and retry it at a matching pace.
 *
 * @module
 */

/**
 * True for `localhost`, `127.x.x.x` and `[::1]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopback } from "./loopback.ts";
 * assert.ok(isLoopback("http://127.0.0.1:8123/apex/") && !isLoopback("https://api.up42.com/"));
 * ```
 */
export function isLoopback(url: string | URL): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
