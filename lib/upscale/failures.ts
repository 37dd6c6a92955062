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

// openEO's `ConcurrentJobLimit` (400), as the APEx Dispatch API passes it on inside a 500, and the
// wordings other platforms use for the same refusal.
const LIMIT_TEXT =
  /ConcurrentJobLimit|concurrent[ -]job[s]? limit|too many (concurrent|running|active|parallel) jobs|maximum number of (concurrent|running|parallel) jobs/i;

function bodyText(error: HttpError): string {
  const body = error.body;
  return typeof body === "string" ? body : JSON.stringify(body ?? "");
}

/**
 * True for a platform's answer that the user's concurrent-job limit is reached: HTTP 429, or a
 * known limit error (openEO `ConcurrentJobLimit`, also when wrapped in another status).
 *
 * @example
 * ```ts
 * import { HttpError } from "../http/errors.ts";
 * import { isLimitAnswer } from "./failures.ts";
 * const e = new HttpError({ status: 400, method: "POST", url: "http://x/jobs",
 *   body: { code: "ConcurrentJobLimit", message: "Job was not started because concurrent job limit (2) is reached." } });
 * console.assert(isLimitAnswer(e));
 * ```
 */
export function isLimitAnswer(error: unknown): boolean {
  if (!(error instanceof HttpError)) return false;
  return error.status === 429 || LIMIT_TEXT.test(`${error.code ?? ""} ${bodyText(error)}`);
}

/**
 * Classifies an error of a platform request.
 *
 * @example
 * ```ts
 * import { NetworkError } from "../http/errors.ts";
 * import { classifyError } from "./failures.ts";
 * console.assert(classifyError(new NetworkError("GET", "http://x", new TypeError("reset"))) === "transient");
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
