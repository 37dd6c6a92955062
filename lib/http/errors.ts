/**
 * Errors raised by the HTTP core. They carry what a caller needs to decide what to do (status,
 * the platform's error code and message, the request id to quote to support) and never a token.
 *
 * @module
 */
import { redactError, redactText, redactUrl } from "./redact.ts";

/** What {@linkcode parseErrorBody} finds in a platform's error body. */
export interface ErrorBodyFacts {
  /** The platform's machine-readable code (`JOB_NOT_FOUND`, `invalid_grant`, ...). */
  code?: string;
  /** The platform's human-readable message. */
  message?: string;
  /** A request or correlation id found in the body. */
  requestId?: string;
}

/** Fields of {@linkcode HttpError}. */
export interface HttpErrorInit {
  /** HTTP status. */
  status: number;
  /** Request method. */
  method: string;
  /** Request URL (secrets are masked before it is stored). */
  url: string | URL;
  /** Parsed JSON body, or the text when it was not JSON. */
  body: unknown;
  /** The request id from `X-Correlation-ID`, `X-Request-ID` or the body. */
  requestId?: string;
  /** `Retry-After` in ms, when the server sent one. */
  retryAfterMs?: number;
}

/**
 * A response with a non-2xx status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError } from "./errors.ts";
 * const e = new HttpError({ status: 404, method: "GET", url: "http://x/unit_jobs/9",
 *   body: { error_code: "JOB_NOT_FOUND", message: "The requested job was not found." } });
 * assert.ok(e.code === "JOB_NOT_FOUND");
 * ```
 */
export class HttpError extends Error {
  /** Always `"HttpError"`. */
  override name = "HttpError";
  /** HTTP status. */
  readonly status: number;
  /** The platform's error code, when it sent one. */
  readonly code?: string;
  /** The platform's message, when it sent one. */
  readonly detail?: string;
  /** Parsed body (JSON) or text. */
  readonly body: unknown;
  /** Request method. */
  readonly method: string;
  /** Request URL with secrets masked. */
  readonly url: string;
  /** Request or correlation id to quote to the platform's support. */
  readonly requestId?: string;
  /** How long the server asked us to wait, in ms. */
  readonly retryAfterMs?: number;

  /** Builds the error and its message from the response facts. */
  constructor(init: HttpErrorInit) {
    const facts = parseErrorBody(init.body);
    const url = redactUrl(init.url);
    const requestId = init.requestId ?? facts.requestId;
    const what = [facts.code, facts.message].filter(Boolean).join(": ");
    super(
      `${init.method} ${url} failed with HTTP ${init.status}` +
        (what ? ` (${redactText(what)})` : "") +
        (requestId ? ` [request id ${requestId}]` : ""),
    );
    this.status = init.status;
    this.code = facts.code;
    this.detail = facts.message;
    this.body = typeof init.body === "string" ? redactText(init.body) : init.body;
    this.method = init.method;
    this.url = url;
    this.requestId = requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Why a connection could not be made at all (the request never reached the server). */
export type ConnectFailure = "dns" | "refused" | "tls";

/** The innermost message of an error and its causes: fetch's own says only "fetch failed". */
function innermost(error: unknown): string {
  let text = String((error as Error)?.message ?? error);
  for (let e = (error as Error)?.cause, depth = 0; e !== undefined && depth < 8; depth++) {
    const m = (e as Error)?.message;
    if (typeof m === "string" && m !== "") text = m;
    e = (e as Error)?.cause;
  }
  return text;
}

/**
 * Reads a connect failure off the runtime's wording (Deno's, Node's and curl-like ones). The URL
 * the runtime quotes is left out first: a host named `ssl.example.org` is no TLS failure.
 */
function connectFailureOf(message: string): ConnectFailure | undefined {
  const text = message.replace(/https?:\/\/[^\s)]*/g, "");
  if (
    /dns error|failed to lookup address|name or service not known|nodename nor servname|getaddrinfo|ENOTFOUND|EAI_AGAIN|temporary failure in name resolution/i
      .test(text)
  ) return "dns";
  if (/connection refused|ECONNREFUSED|os error 111/i.test(text)) return "refused";
  if (/certificate|invalid peer|tls|ssl|handshake|InvalidContentType|corrupt message/i.test(text)) {
    return "tls";
  }
  return undefined;
}

function describe(kind: ConnectFailure | undefined, url: URL | undefined, text: string): string {
  const host = url?.hostname ?? "the host";
  const detail = text.replace(/^.*client error \(Connect\): /, "");
  if (kind === "dns") return `the name ${host} could not be looked up (${detail})`;
  if (kind === "refused") {
    return `${host}:${url?.port || (url?.protocol === "http:" ? 80 : 443)} refused the connection`;
  }
  if (kind === "tls") return `the TLS handshake with ${host} failed (${detail})`;
  return detail;
}

/**
 * The request never got a complete answer: the connection failed or dropped, or the time-out hit.
 * Its message says why in words (the name could not be looked up, the connection was refused,
 * the TLS handshake failed), not fetch's "fetch failed".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NetworkError } from "./errors.ts";
 * const e = new NetworkError("GET", "http://127.0.0.1:9/x", new TypeError("fetch failed", { cause: new Error("tcp connect error: Connection refused (os error 111)") }));
 * assert.equal(e.connect, "refused");
 * assert.match(e.message, /127.0.0.1:9 refused the connection/);
 * const reset = new Error("error sending request for url (https://ssl.example.org/): connection reset");
 * assert.equal(new NetworkError("GET", "https://ssl.example.org/", reset).connect, undefined);
 * ```
 */
export class NetworkError extends Error {
  /** Always `"NetworkError"`. */
  override name = "NetworkError";
  /** Request method. */
  readonly method: string;
  /** Request URL with secrets masked. */
  readonly url: string;
  /** True when the per-request time-out caused it. */
  readonly timedOut: boolean;
  /** Set when no connection could be made: nothing reached the server. */
  readonly connect?: ConnectFailure;
  /** The host asked. */
  readonly host?: string;

  /** Wraps the low-level `cause`. */
  constructor(method: string, url: string | URL, cause: unknown, timedOut = false) {
    const shown = redactUrl(url);
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch { /* a relative or broken URL: no host to name */ }
    const low = innermost(cause);
    const connect = timedOut ? undefined : connectFailureOf(low);
    const text = redactText(timedOut ? String((cause as Error)?.message ?? cause) : low);
    const why = timedOut
      ? `timed out${(cause as Error)?.name === "TimeoutError" && text ? ` (${text})` : ""}`
      : `failed: ${describe(connect, parsed, text)}`;
    // The low-level error names the full URL (signatures, tokens): keep only a redacted copy.
    super(`${method} ${shown} ${why}`, { cause: redactError(cause) });
    this.method = method;
    this.url = shown;
    this.timedOut = timedOut;
    this.connect = connect;
    this.host = parsed?.host;
  }
}

/**
 * A URL whose scheme is not HTTP: a server's `Location`, `href` or `next` naming `file:`, `data:`
 * or anything else is refused before anything is fetched, since `fetch` would read a local file
 * (a token cache, say) and hand it over as the platform's answer. Never retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnsafeUrlError } from "./errors.ts";
 * assert.match(new UnsafeUrlError("GET", "file:///etc/passwd", "redirect").message, /file:/);
 * ```
 */
export class UnsafeUrlError extends Error {
  /** Always `"UnsafeUrlError"`. */
  override name = "UnsafeUrlError";
  /** The refused URL, with secrets masked. */
  readonly url: string;

  /** `how` says where the URL came from (`redirect`, `request`). */
  constructor(method: string, url: string | URL, how: string) {
    const shown = redactUrl(url);
    super(
      `${method} ${shown}: a ${how} to a ${
        new URL(url).protocol
      } URL is refused; only http: and https: are fetched`,
    );
    this.url = shown;
  }
}

/** An answer larger than the client accepts: not retried, since it would be as large again. */
export class AnswerTooLargeError extends Error {
  /** Always `"AnswerTooLargeError"`. */
  override name = "AnswerTooLargeError";
  /** Request URL with secrets masked. */
  readonly url: string;
  /** Describes an answer of `url` past `limit` bytes. */
  constructor(method: string, url: string | URL, limit: number, size?: number) {
    const shown = redactUrl(url);
    super(
      `${method} ${shown}: the answer is ${
        size === undefined ? "over" : `${size} bytes, over`
      } the ${limit}-byte limit for JSON answers; raise maxAnswerBytes if it is expected, or ask for less (a page, a filter)`,
    );
    this.url = shown;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Finds code, message and request id in the error bodies of the platforms eojobs speaks to:
 * APEx (`{error_code, message, request_id}` and FastAPI's `{detail}`), OAuth
 * (`{error, error_description}`), JSON:API (`{errors: [{code, title, detail}]}`), UP42
 * (`{errors: [{name, message}]}` and `{error: {code, message}}`) and plain `{message}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseErrorBody } from "./errors.ts";
 * const f = parseErrorBody({ error: "invalid_grant", error_description: "Token is not active" });
 * assert.ok(f.code === "invalid_grant");
 * ```
 */
export function parseErrorBody(body: unknown): ErrorBodyFacts {
  if (typeof body === "string") return { message: str(body.slice(0, 300)) };
  if (!body || typeof body !== "object") return {};
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    const first = b.errors[0] as Record<string, unknown>;
    const message = b.errors
      .map((e: Record<string, unknown>) => {
        const m = str(e.detail) ?? str(e.message) ?? str(e.title) ?? str(e.msg);
        const where = str(e.name) ??
          str((e.source as Record<string, unknown> | undefined)?.pointer) ??
          (Array.isArray(e.loc) ? e.loc.join(".") : undefined);
        return where && m ? `${where}: ${m}` : m;
      })
      .filter(Boolean)
      .join("; ");
    return {
      code: str(b.error_code) ?? str(first.code) ?? str(first.title),
      message: str(b.message) && !message ? str(b.message) : message || str(b.message),
      requestId: str(b.request_id),
    };
  }
  if (b.error && typeof b.error === "object") {
    const e = b.error as Record<string, unknown>;
    return { code: str(e.code) ?? str(e.name), message: str(e.message) };
  }
  const detail = Array.isArray(b.detail)
    ? b.detail.map((d: Record<string, unknown>) => {
      const where = Array.isArray(d.loc) ? d.loc.join(".") : undefined;
      return where && str(d.msg) ? `${where}: ${d.msg}` : str(d.msg);
    }).filter(Boolean).join("; ")
    : str(b.detail);
  const validation = (b.details as Record<string, unknown> | undefined)?.errors;
  const validationText = Array.isArray(validation)
    ? validation.map((e: Record<string, unknown>) =>
      `${Array.isArray(e.loc) ? e.loc.join(".") : "?"}: ${e.msg}`
    ).join("; ")
    : undefined;
  return {
    code: str(b.error_code) ?? str(b.error) ?? str(b.code),
    message: [str(b.error_description) ?? str(b.message) ?? detail, validationText]
      .filter(Boolean).join(" ") || undefined,
    requestId: str(b.request_id) ?? str(b.requestId),
  };
}

/** What {@linkcode connectFailure} found. */
export interface ConnectProblem {
  /** Which step failed. */
  kind: ConnectFailure;
  /** The host, where known. */
  host?: string;
  /** In words, as a {@linkcode NetworkError} says it. */
  text: string;
}

/**
 * The connect failure an error is or wraps (its causes are followed), or undefined when the
 * request reached a server or failed in another way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectFailure, NetworkError } from "./errors.ts";
 * const dns = new NetworkError("GET", "https://x.invalid/", new Error("dns error: failed to lookup address information"));
 * assert.equal(connectFailure(new Error("token request failed", { cause: dns }))?.kind, "dns");
 * assert.equal(connectFailure(new Error("HTTP 500")), undefined);
 * ```
 */
export function connectFailure(error: unknown): ConnectProblem | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof NetworkError) {
      if (!e.connect) return undefined;
      return { kind: e.connect, host: e.host, text: e.message.replace(/^.*? failed: /, "") };
    }
    e = (e as Error).cause;
  }
  const low = innermost(error);
  const kind = connectFailureOf(low);
  if (!kind) return undefined;
  const url = /for url \((https?:\/\/[^)\s]+)\)/.exec(low)?.[1];
  const parsed = url ? new URL(url) : undefined;
  return { kind, host: parsed?.host, text: describe(kind, parsed, low) };
}
