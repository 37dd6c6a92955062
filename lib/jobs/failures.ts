/**
 * What an error means to an unattended run: wait and try again (`transient`), slow down (`limit`:
 * the user's concurrent-job limit is reached), stop and ask for new credentials (`auth`), or give
 * up on this one request (`refused`: it would be refused again).
 *
 * @module
 */
import { AuthError } from "../auth/errors.ts";
import { HttpError, NetworkError } from "../http/errors.ts";

/** See the module text. */
export type ErrorClass = "transient" | "limit" | "auth" | "refused";

// A limit answer is recognised by what it says, not by one spelling. Codes are compared without
// case or separators (`ConcurrentJobLimit`, `CONCURRENT_JOB_LIMIT`, `concurrent-job-limit`);
// messages must speak of a limit, quota or maximum of concurrent, running, active, parallel or
// simultaneous jobs (or processes, tasks, orders, inferences), in either order. A limit on
// something else ("memory limit exceeded", "limit of running time exceeded") is not one.
const LIMIT_CODE =
  /(concurrent|parallel|running|active|simultaneous)(jobs?|processes|tasks?|orders?|inferences?|scenarios?|executions?)?(limit|quota|max)|(jobs?|process|task|order|inferences?|scenarios?|executions?)(limit|quota)(exceeded|reached)?|toomany(concurrent|parallel|running|active)?(jobs|processes|tasks|orders|inferences|scenarios|executions|requests)/;
const KIND = "(concurrent|running|active|parallel|simultaneous)";
const NOUN =
  "(jobs?|processes|process|tasks?|orders?|inferences?|scenarios?|executions?|activit(y|ies))";
const CAP = "(limit|quota|maximum|max\\.?|cap)";
const LIMIT_TEXT = new RegExp(
  [
    // "concurrent job limit (2) is reached", "running jobs quota exceeded"
    `\\b${KIND}[\\s-]+(\\w+[\\s-]+)?${NOUN}[\\s-]+${CAP}`,
    // "maximum number of running jobs", "limit of 2 concurrent jobs", "quota: 3 active tasks"
    `\\b${CAP}\\b[^.;]{0,40}?\\b${KIND}[\\s-]+(\\w+[\\s-]+)?${NOUN}\\b`,
    // "too many parallel jobs", "too many requests"
    `\\btoo many (${KIND} )?(${NOUN}|requests)\\b`,
    // "3 concurrent jobs allowed at most", "only 2 active jobs are allowed"
    `\\b${KIND}[\\s-]+${NOUN}\\b[^.;]{0,30}\\b(allowed|permitted|at most)\\b`,
    // "at most 2 per user are allowed at a time", "up to 3 in parallel"
    `\\b(at most|only|up to)\\s+\\d+\\b[^.;]{0,40}\\b(at a time|at once|at the same time|simultaneously|in parallel)\\b`,
  ].join("|"),
  "i",
);

/** Every `code`-like field of an error body, for {@linkcode LIMIT_CODE}. */
function codesOf(error: HttpError): string[] {
  const body = error.body as Record<string, unknown> | undefined;
  const fields = typeof body === "object" && body !== null
    ? ["code", "error_code", "errorCode", "error", "type", "title"].map((k) => body[k])
    : [];
  const nested = typeof body === "object" && body !== null && Array.isArray(body.errors)
    ? (body.errors as Array<Record<string, unknown>>).flatMap((e) => [e?.code, e?.title])
    : [];
  return [error.code, ...fields, ...nested].filter((c): c is string => typeof c === "string")
    .map((c) => c.toLowerCase().replace(/[\s_.\-:]/g, ""));
}

function bodyText(error: HttpError): string {
  const body = error.body;
  return typeof body === "string" ? body : JSON.stringify(body ?? "");
}

/**
 * True for a platform's answer that the user's concurrent-job limit is reached: HTTP 429, or a
 * limit error in any of its spellings (openEO's `ConcurrentJobLimit`, also wrapped in another
 * status; codes without case or separators; messages of a limit of concurrent or running jobs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError } from "../http/errors.ts";
 * import { isLimitAnswer } from "./failures.ts";
 * const answer = (body: unknown) => new HttpError({ status: 400, method: "POST", url: "http://x/jobs", body });
 * assert.ok(isLimitAnswer(answer({ code: "ConcurrentJobLimit", message: "Job was not started because concurrent job limit (2) is reached." })));
 * assert.ok(isLimitAnswer(answer({ error_code: "CONCURRENT_JOB_LIMIT" })));
 * assert.ok(!isLimitAnswer(answer({ message: "memory limit exceeded" })));
 * ```
 */
export function isLimitAnswer(error: unknown): boolean {
  if (!(error instanceof HttpError)) return false;
  if (error.status === 429) return true;
  if (codesOf(error).some((c) => LIMIT_CODE.test(c))) return true;
  return LIMIT_TEXT.test(bodyText(error));
}

/**
 * Classifies an error of a platform request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NetworkError } from "../http/errors.ts";
 * import { classifyError } from "./failures.ts";
 * assert.ok(classifyError(new NetworkError("GET", "http://x", new TypeError("reset"))) === "transient");
 * ```
 */
export function classifyError(error: unknown): ErrorClass {
  if (isLimitAnswer(error)) return "limit";
  if (error instanceof HttpError) {
    if (error.status === 401 || error.status === 403) return "auth";
    if (error.status === 408 || error.status === 425 || error.status >= 500) return "transient";
    return "refused";
  }
  if (error instanceof AuthError) {
    // The identity provider could not be reached: that passes; a refused grant does not.
    return error.code === undefined && error.status === undefined ? "transient" : "auth";
  }
  if (error instanceof NetworkError) return "transient";
  // fetch and body streams fail with TypeErrors; so does a bug, which must not loop forever.
  if (
    error instanceof TypeError &&
    /connection|network|body|reset|closed|fetch|socket|stream|broken pipe/i.test(error.message)
  ) return "transient";
  if (error instanceof DOMException && error.name === "TimeoutError") return "transient";
  const cause = (error as Error | undefined)?.cause;
  if (cause !== undefined && cause !== error) return classifyError(cause);
  return "refused";
}

/** The longest `Retry-After` waited out by default, ms (5 minutes): `watch` and the manager. */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * The wait a platform asked for with `Retry-After`, cut to `cap`; 0 when it asked none. The one
 * reading of it for `watch`, the job manager's status reads, submissions and downloads: a
 * hostile or mistaken `Retry-After` of a day is not waited out.
 */
export function retryAfter(error: unknown, cap: number): number {
  return Math.min(error instanceof HttpError ? error.retryAfterMs ?? 0 : 0, cap);
}
