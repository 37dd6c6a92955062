/**
 * Keeps secrets out of error messages, causes and logs: query parameters that carry tokens or
 * signatures (including signed-URL parameters of S3, GCS, Azure and CloudFront), path segments that
 * look like tokens, user info and bearer tokens in free text are masked before anyone sees them.
 *
 * @module
 */

const SECRET_PARAM =
  /token|signature|sig$|secret|password|credential|code$|key$|^x-amz-|^x-goog-|^policy$|^key-pair-id$|^googleaccessid$|^expires$|^se$|^sp$|^sv$|^skoid$/i;
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a path segment that looks like a credential: a JWT or a long opaque key. */
function secretSegment(segment: string): boolean {
  if (JWT.test(segment)) return (JWT.lastIndex = 0, true);
  if (segment.length < 32 || UUID.test(segment)) return false;
  return /^[A-Za-z0-9_~.%+=-]+$/.test(segment) && /[0-9]/.test(segment) &&
    /[A-Za-z]/.test(segment) && !segment.includes(".");
}

/**
 * The URL as text with secret-looking query values, token-like path segments and user info
 * replaced by `***`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUrl } from "./redact.ts";
 * assert.ok(redactUrl("http://x/ws?token=abc&interval=5") === "http://x/ws?token=***&interval=5");
 * assert.ok(!redactUrl("https://s3/b/k.tif?X-Amz-Signature=f00&X-Amz-Credential=AK").includes("f00"));
 * ```
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return String(url);
  }
  if (parsed.username || parsed.password) {
    parsed.username = "";
    parsed.password = "";
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "***");
  }
  parsed.pathname = parsed.pathname.split("/").map((s) => secretSegment(s) ? "***" : s).join("/");
  return parsed.toString().replaceAll("%2A%2A%2A", "***");
}

/**
 * Free text with every URL in it redacted by {@linkcode redactUrl}, and bearer tokens and JWTs
 * masked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactText } from "./redact.ts";
 * const t = redactText("error sending request for url (https://h/x?token=s3cret)");
 * assert.ok(!t.includes("s3cret"));
 * ```
 */
export function redactText(text: string): string {
  return text
    .replace(/\b(?:https?|wss?):\/\/[^\s"'<>()\]]+/g, (u) => redactUrl(u))
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1***")
    .replace(JWT, "***");
}

/**
 * A copy of `error` safe to keep as a `cause` and to print: message and stack redacted with
 * {@linkcode redactText}, the same for its own `cause` chain (to a depth of 8), the name kept.
 * Values that are not errors become their redacted text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactError } from "./redact.ts";
 * const e = redactError(new TypeError("fetch https://h/f?X-Amz-Signature=abc failed"));
 * assert.ok(e instanceof TypeError && !String(e.message).includes("abc"));
 * ```
 */
export function redactError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) {
    return typeof error === "string" ? redactText(error) : error;
  }
  const copy = Object.create(Object.getPrototypeOf(error)) as Error;
  Object.defineProperty(copy, "message", {
    value: redactText(error.message),
    writable: true,
    configurable: true,
  });
  Object.defineProperty(copy, "name", { value: error.name, writable: true, configurable: true });
  if (error.stack) {
    Object.defineProperty(copy, "stack", {
      value: redactText(error.stack),
      writable: true,
      configurable: true,
    });
  }
  if (error.cause !== undefined && depth < 8) {
    Object.defineProperty(copy, "cause", {
      value: redactError(error.cause, depth + 1),
      writable: true,
      configurable: true,
    });
  }
  for (const key of ["code", "status", "errno"]) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") {
      Object.defineProperty(copy, key, { value, writable: true, configurable: true });
    }
  }
  return copy;
}
