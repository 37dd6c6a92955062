/**
 * The one HTTP client every platform client is built on: base URL, JSON in and out, query
 * strings, bearer auth with one retry on 401, retries with backoff for transient failures of
 * idempotent requests, `Retry-After`, per-request time-outs and `AbortSignal` throughout.
 * Bodies are handed back as streams; nothing here buffers a download.
 *
 * @module
 */
import { backoffDelay, type BackoffOptions } from "../time/backoff.ts";
import { isLoopback } from "./loopback.ts";
import { type Sleep, sleep as realSleep } from "../time/sleep.ts";
import { AnswerTooLargeError, HttpError, NetworkError, UnsafeUrlError } from "./errors.ts";
import { parseRetryAfter } from "./retry_after.ts";
import { type TokenProvider, type TokenSource, toTokenProvider } from "./token.ts";
import type { ShapeCheck } from "./shape.ts";

/** A value for {@linkcode RequestOptions.query}; arrays repeat the parameter. */
export type QueryValue = string | number | boolean | null | undefined | Array<string | number>;

/** When and how requests are retried. */
export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** Statuses worth retrying. Default 429, 502, 503, 504. */
  statuses?: number[];
  /** A `Retry-After` longer than this (ms) is not waited out: the error is thrown. Default 60 000. */
  maxRetryAfterMs?: number;
}

/** Options of {@linkcode HttpClient}. */
export interface HttpClientOptions {
  /** Every path is resolved against it. */
  baseUrl: string | URL;
  /** Bearer token or provider; omit for public APIs. */
  auth?: TokenSource;
  /**
   * Origins besides the base URL's that may receive the token (a platform's documented storage
   * hosts). Every other origin, whether named by a server in an `href`, a `next` link or a
   * redirect, is fetched without credentials.
   */
  trustedOrigins?: Array<string | URL>;
  /** Headers sent with every request. */
  headers?: HeadersInit;
  /** Retry policy. */
  retry?: RetryOptions;
  /** Time to wait for response headers, per attempt, in ms. Default 30 000. */
  timeoutMs?: number;
  /**
   * Longest silence while a body is read, in ms: no byte for this long breaks the transfer with
   * a {@linkcode NetworkError} naming the URL (transient: retried, or resumed by a download).
   * Default 30 000.
   */
  idleTimeoutMs?: number;
  /** Largest JSON answer read, in bytes ({@linkcode AnswerTooLargeError} beyond). Default 256 MiB. */
  maxAnswerBytes?: number;
  /** The fetch to use. Default the global one. */
  fetch?: typeof fetch;
  /** The sleep to use between attempts (tests record it instead of waiting). */
  sleep?: Sleep;
}

/** Options of one request. */
export interface RequestOptions {
  /** HTTP method. Default GET, or POST when a body is given. */
  method?: string;
  /** Query parameters; `undefined` and `null` are left out. */
  query?: Record<string, QueryValue>;
  /** A value sent as JSON. */
  json?: unknown;
  /** A raw body (form data, bytes, text). */
  body?: BodyInit;
  /** Extra headers. */
  headers?: HeadersInit;
  /** Aborts the request, its retries and its waits. */
  signal?: AbortSignal;
  /** Overrides the client's time-out for this request. */
  timeoutMs?: number;
  /** Marks a POST or PATCH as safe to repeat (the server de-duplicates it). Default false. */
  retrySafe?: boolean;
  /** Send the bearer token (only ever to a trusted origin). Default true when the client has auth. */
  auth?: boolean;
  /** Statuses that are not errors for this call (for example 404 on an existence check). */
  accept?: number[];
  /**
   * The shape the JSON answer must have (see `lib/http/shape.ts`): an answer of another shape
   * is as odd as one that is not JSON, retried where the request may be repeated, and named in
   * a {@linkcode NetworkError} in the end.
   */
  expect?: ShapeCheck;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/** The only schemes fetched: Deno's `fetch` also reads `file:` and `data:` URLs. */
const WEB = new Set(["http:", "https:"]);

/**
 * HTTP client over `fetch`.
 *
 * @example
 * ```ts ignore
 * import { HttpClient } from "./client.ts";
 * const http = new HttpClient({ baseUrl: "https://dispatch-api.apex.esa.int/", auth: "TOKEN" });
 * const tiles = await http.json("tiles", { method: "POST", json: { aoi, grid: "20x20km" } });
 * ```
 */
export class HttpClient {
  /** The base URL, always ending in `/`. */
  readonly baseUrl: URL;
  readonly #auth?: TokenProvider;
  readonly #trusted: Set<string>;
  readonly #headers: Headers;
  readonly #retry: Required<Omit<RetryOptions, keyof BackoffOptions>> & BackoffOptions;
  readonly #timeoutMs: number;
  readonly #idleMs: number;
  readonly #maxAnswer: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: Sleep;

  /** Makes a client; see {@linkcode HttpClientOptions}. */
  constructor(options: HttpClientOptions) {
    const base = new URL(options.baseUrl);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.baseUrl = base;
    this.#auth = options.auth === undefined ? undefined : toTokenProvider(options.auth);
    this.#trusted = new Set([
      base.origin,
      ...(options.trustedOrigins ?? []).map((o) => new URL(o).origin),
    ]);
    this.#headers = new Headers(options.headers);
    this.#retry = {
      retries: 4,
      statuses: [429, 502, 503, 504],
      maxRetryAfterMs: 60_000,
      // A sandbox on this machine runs on a compressed clock: its faults are retried at its pace.
      ...(isLoopback(base) ? { baseMs: 25, capMs: 1_000 } : {}),
      ...options.retry,
    };
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#idleMs = options.idleTimeoutMs ?? 30_000;
    this.#maxAnswer = options.maxAnswerBytes ?? 256 * 2 ** 20;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? realSleep;
  }

  /** The token provider, for clients that need the raw token (websockets). */
  get auth(): TokenProvider | undefined {
    return this.#auth;
  }

  /** True when `url` may receive this client's token: the base URL's origin or a trusted one. */
  trusts(url: string | URL): boolean {
    return this.#trusted.has(new URL(url).origin);
  }

  /**
   * The absolute URL of `path` with `query` appended. A leading `/` keeps the base URL's path
   * (`/unit_jobs` under `http://h/apex/` is `http://h/apex/unit_jobs`).
   */
  url(path: string | URL, query?: Record<string, QueryValue>): URL {
    const url = path instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\/+/, ""), this.baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(name, String(v));
      }
    }
    return url;
  }

  /**
   * Sends a request and returns the successful `Response` with its body unread, so large
   * bodies can be streamed. Throws {@linkcode HttpError} or {@linkcode NetworkError}.
   */
  async request(path: string | URL, options: RequestOptions = {}): Promise<Response> {
    const method = (options.method ?? (options.json !== undefined || options.body ? "POST" : "GET"))
      .toUpperCase();
    const url = this.url(path, options.query);
    if (!WEB.has(url.protocol)) throw new UnsafeUrlError(method, url, "request");
    const replayable = options.body === undefined || typeof options.body === "string" ||
      options.body instanceof Uint8Array || options.body instanceof URLSearchParams;
    const mayRetry = replayable && (IDEMPOTENT.has(method) || options.retrySafe === true);
    const useAuth = this.#auth !== undefined && options.auth !== false;
    let reauthed = false;

    for (let attempt = 0;; attempt++) {
      options.signal?.throwIfAborted();
      const headers = new Headers(this.#headers);
      new Headers(options.headers).forEach((v, k) => headers.set(k, v));
      headers.delete("authorization");
      let body = options.body;
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      if (!headers.has("accept")) headers.set("accept", "application/json");

      let token: string | undefined;
      let response: Response;
      let at = url;
      try {
        let hopMethod = method;
        let hopBody = body;
        for (let hop = 0;; hop++) {
          if (useAuth && this.trusts(at)) {
            token ??= await this.#auth!.getToken(options.signal);
            headers.set("authorization", `Bearer ${token}`);
          } else headers.delete("authorization");
          response = await this.#send(at, { method: hopMethod, headers, body: hopBody }, options);
          const location = response.headers.get("location");
          if (!REDIRECTS.has(response.status) || location === null) break;
          if (hop >= MAX_REDIRECTS) {
            await response.body?.cancel();
            throw new NetworkError(method, url, new Error(`more than ${MAX_REDIRECTS} redirects`));
          }
          await response.body?.cancel();
          const from = at;
          at = new URL(location, at);
          if (!WEB.has(at.protocol)) throw new UnsafeUrlError(method, at, "redirect");
          // A downgrade would send the request, and what it carries, in the clear.
          if (from.protocol === "https:" && at.protocol === "http:" && !isLoopback(at)) {
            throw new UnsafeUrlError(method, at, "redirect from https");
          }
          // As fetch does: 303, and 301/302 after a POST, become a GET without a body.
          if (response.status === 303 || (hopMethod === "POST" && response.status < 303)) {
            hopMethod = hopMethod === "HEAD" ? "HEAD" : "GET";
            hopBody = undefined;
            headers.delete("content-type");
          }
        }
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof UnsafeUrlError) throw error;
        if (!mayRetry || attempt >= this.#retry.retries) throw error;
        await this.#sleep(backoffDelay(attempt, this.#retry), options.signal);
        continue;
      }

      if (response.ok || options.accept?.includes(response.status)) return response;

      if (response.status === 401 && token !== undefined && this.#auth?.invalidate && !reauthed) {
        await response.body?.cancel();
        this.#auth.invalidate(token);
        reauthed = true;
        attempt--;
        continue;
      }
      const error = await toHttpError(method, at, response);
      const retryable = mayRetry && this.#retry.statuses.includes(response.status) &&
        attempt < this.#retry.retries;
      if (!retryable) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > this.#retry.maxRetryAfterMs) {
        throw error;
      }
      const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, this.#retry));
      await this.#sleep(delay, options.signal);
    }
  }

  /**
   * Sends a request and parses the JSON answer (`undefined` for an empty body). A connection that
   * drops while the body is read, or a body that is not JSON (a gateway's HTML page, JSON cut
   * short), is as transient as one refused: an idempotent request is sent again, with backoff,
   * within the same retry budget, and a {@linkcode NetworkError} names the URL in the end.
   */
  async json<T = unknown>(path: string | URL, options: RequestOptions = {}): Promise<T> {
    const method = (options.method ?? (options.json !== undefined || options.body ? "POST" : "GET"))
      .toUpperCase();
    const mayRepeat = IDEMPOTENT.has(method) || options.retrySafe === true;
    const url = () => this.url(path, options.query);
    for (let attempt = 0;; attempt++) {
      const response = await this.request(path, options);
      let text: string;
      try {
        text = await this.#text(method, url(), response);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof AnswerTooLargeError) throw error;
        const failure = new NetworkError(method, url(), error);
        if (!mayRepeat || attempt >= this.#retry.retries) throw failure;
        await this.#sleep(backoffDelay(attempt, this.#retry), options.signal);
        continue;
      }
      // A GET answered 200 with nothing, or with `null`, has lost its answer on the way (a proxy
      // or a broken server): as transient as a dropped connection. Other methods may say nothing.
      const lost = method === "GET" && response.status === 200 &&
        (text.trim() === "" || text.trim() === "null");
      if (text === "" && !lost) return undefined as T;
      let what: string | undefined = lost ? (text.trim() ? "null" : "an empty body") : undefined;
      let problem = "is not JSON";
      if (!what) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          // A gateway's HTML page or a body cut short under a 200: the platform's answer did not
          // arrive, which is as transient as a dropped connection.
          what = /^\s*</.test(text) ? "an HTML page" : "JSON cut short or malformed";
        }
        if (!what) {
          what = response.ok ? options.expect?.(value) : undefined;
          if (!what) return value as T;
          problem = "has the wrong shape";
        }
      }
      const failure = new NetworkError(
        method,
        url(),
        new Error(`the answer ${problem} (${what}, ${text.length} bytes)`),
      );
      if (options.signal?.aborted) throw options.signal.reason;
      if (!mayRepeat || attempt >= this.#retry.retries) throw failure;
      await this.#sleep(backoffDelay(attempt, this.#retry), options.signal);
    }
  }

  /** A body as text, within the answer size limit. */
  async #text(method: string, url: URL, response: Response): Promise<string> {
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > this.#maxAnswer) {
      await response.body?.cancel();
      throw new AnswerTooLargeError(method, url, this.#maxAnswer, declared);
    }
    if (!response.body) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > this.#maxAnswer) throw new AnswerTooLargeError(method, url, this.#maxAnswer);
      chunks.push(chunk);
    }
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  }

  async #send(url: URL, init: RequestInit, options: RequestOptions): Promise<Response> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException("request timed out", "TimeoutError")),
      options.timeoutMs ?? this.#timeoutMs,
    );
    const signal = options.signal
      ? AbortSignal.any([options.signal, timeout.signal])
      : timeout.signal;
    try {
      // Redirects are followed by hand so the token never follows one to a foreign origin.
      const response = await this.#fetch(url, { ...init, signal, redirect: "manual" });
      return withIdleTimeout(response, this.#idleMs, String(init.method), url, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new NetworkError(String(init.method), url, error, timeout.signal.aborted);
    } finally {
      // The time-out covers waiting for headers; a streamed body may take as long as it needs,
      // as long as bytes keep coming (see withIdleTimeout).
      clearTimeout(timer);
    }
  }
}

async function toHttpError(method: string, url: URL, response: Response): Promise<HttpError> {
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return new HttpError({
    status: response.status,
    method,
    url,
    body,
    requestId: response.headers.get("x-correlation-id") ??
      response.headers.get("x-request-id") ?? undefined,
    // An HTTP date is read against the server's own clock (its `Date`), so that a server whose
    // clock runs an hour ahead does not ask for an hour's wait.
    retryAfterMs: parseRetryAfter(
      response.headers.get("retry-after"),
      serverNow(response.headers.get("date")),
    ),
  });
}

/** The server's time from its `Date` header, else this machine's. */
function serverNow(date: string | null): number {
  const at = date ? Date.parse(date) : NaN;
  return Number.isNaN(at) ? Date.now() : at;
}

/**
 * `response` whose body fails with a {@linkcode NetworkError} naming the URL when no byte arrives
 * for `idleMs`, or with the abort reason when `signal` aborts: a stalled or trickling-to-nothing
 * body never hangs its reader.
 */
function withIdleTimeout(
  response: Response,
  idleMs: number,
  method: string,
  url: URL,
  signal?: AbortSignal,
): Response {
  const source = response.body;
  if (!source || response.status === 101) return response;
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (signal?.aborted) {
        reader.cancel(signal.reason).catch(() => {});
        return controller.error(signal.reason);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(
            new NetworkError(
              method,
              url,
              new DOMException(`no byte for ${Math.round(idleMs / 1000)} s`, "TimeoutError"),
              true,
            ),
          );
        }, idleMs);
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      try {
        const { value, done } = await Promise.race([reader.read(), silence]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        reader.cancel(error).catch(() => {});
        controller.error(error);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
