/**
 * Reads `Retry-After`, which servers send either as seconds or as an HTTP date.
 *
 * @module
 */

/**
 * The wait asked for by a `Retry-After` header, in ms; `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRetryAfter } from "./retry_after.ts";
 * assert.ok(parseRetryAfter("3") === 3_000);
 * assert.ok(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4_000) === 6_000);
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
