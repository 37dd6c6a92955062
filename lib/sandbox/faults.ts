/**
 * Fault injection for the sandbox: per route prefix, added latency, a share of 429 (with
 * `Retry-After`, in seconds or as an HTTP date) or 503 answers, dropped connections, answers that
 * stall before their headers or in their body, bodies that trickle, odd 200 bodies (an HTML page,
 * empty, truncated, `null`), a skewed `Date`, and redirects to a URL of the rule's choosing (such
 * as `file:///etc/passwd`), so clients can be tested against a misbehaving platform.
 *
 * @module
 */
import { seededRandom } from "./random.ts";

/** One fault rule; it applies to every request whose path starts with `prefix`. */
export interface FaultRule {
  /** Path prefix, such as `/apex` or `/auth/realms/apex/protocol`. */
  prefix: string;
  /** Delay before answering, in ms. */
  latencyMs?: number;
  /** Share of requests (0..1) answered 429 with `Retry-After`. */
  rate429?: number;
  /** Share of requests (0..1) answered 503. */
  rate503?: number;
  /** Share of requests (0..1) whose connection drops after the headers. */
  dropRate?: number;
  /** Share of requests (0..1) that are carried out but whose answer is lost on the way back. */
  lostAnswerRate?: number;
  /** Share of requests (0..1) whose answer breaks off halfway through the body. */
  cutRate?: number;
  /** `Retry-After` seconds sent with 429 and 503. Default 1. */
  retryAfterSeconds?: number;
  /** Send `Retry-After` as an HTTP date (on the server's own, possibly skewed, clock). */
  retryAfterDate?: boolean;
  /** Share of requests (0..1) that get no headers for `stallMs` (default: until the client gives up). */
  stallRate?: number;
  /** Share of requests (0..1) whose body stops after half its bytes for `stallMs` (default: for good). */
  stallBodyRate?: number;
  /** How long a stall lasts, ms. Default: until the client gives up. */
  stallMs?: number;
  /** Share of requests (0..1) whose body arrives at `trickleBytesPerSecond`. */
  trickleRate?: number;
  /** Bytes per second of a trickled body. Default 64. */
  trickleBytesPerSecond?: number;
  /** Share of successful answers (0..1) whose body is replaced by an `odd` one. */
  oddRate?: number;
  /**
   * The odd body of a 200: `html` (a gateway's page), `empty`, `truncated`, `null`, or `shape`
   * (valid JSON of the wrong shape, a gateway's `{"message": ...}`). Default html.
   */
  odd?: OddBody;
  /**
   * Share of JSON answers (0..1) whose next-page link (`links` rel `next`, JSON:API
   * `links.next`, BEOD's `NextContinuationToken`) points back at the page itself.
   */
  selfNextRate?: number;
  /** Seconds added to the `Date` of every answer (a server clock off by that much). */
  dateSkewSeconds?: number;
  /** Share of requests (0..1) answered `302` to `redirectTo`. */
  redirectRate?: number;
  /** Where redirects point (any URL: `file:///etc/passwd`, `http://...`). */
  redirectTo?: string;
  /** Stop after this many injected failures (latency does not count). Default unlimited. */
  times?: number;
  /** Only requests with this method (`POST`); default every method. */
  method?: string;
  /** The rule ends by itself this many ms after it was added: an outage of a set length. */
  forMs?: number;
}

/** The odd bodies a 200 can be given; see {@linkcode FaultRule.odd}. */
export type OddBody = "html" | "empty" | "truncated" | "null" | "shape";

/** What the fault layer decided for one request. */
export type FaultDecision =
  & (
    | { kind: "pass" }
    | { kind: "status"; status: 429 | 503; retryAfterSeconds: number; retryAfterDate: boolean }
    | { kind: "drop" }
    | { kind: "lose-answer" }
    | { kind: "cut" }
    | { kind: "stall"; ms: number }
    | { kind: "stall-body"; ms: number }
    | { kind: "trickle"; bytesPerSecond: number }
    | { kind: "odd"; odd: OddBody }
    | { kind: "self-next" }
    | { kind: "redirect"; to: string }
  )
  & { latencyMs: number; dateSkewSeconds: number };

const SHARES = [
  "rate429",
  "rate503",
  "dropRate",
  "lostAnswerRate",
  "cutRate",
  "stallRate",
  "stallBodyRate",
  "trickleRate",
  "oddRate",
  "redirectRate",
  "selfNextRate",
] as const;

/**
 * The set of active fault rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Faults } from "./faults.ts";
 * const faults = new Faults(1);
 * faults.add({ prefix: "/apex", rate503: 1, times: 1 });
 * assert.ok(faults.decide("/apex/tiles").kind === "status");
 * assert.ok(faults.decide("/apex/tiles").kind === "pass");
 * ```
 */
export class Faults {
  readonly #rules = new Set<FaultRule & { used: number; until: number }>();
  readonly #random: () => number;
  readonly #injected = new Map<string, number>();

  /** Draws shares from a generator seeded with `seed`. */
  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  /** Adds a rule; the returned function removes it again. */
  add(rule: FaultRule): () => void {
    for (const key of SHARES) {
      const v = rule[key];
      if (v !== undefined && !(v >= 0 && v <= 1)) {
        throw new RangeError(`fault ${key}: ${v} is not a share between 0 and 1`);
      }
    }
    if (!rule.prefix.startsWith("/")) {
      throw new RangeError(`fault prefix: "${rule.prefix}" must start with "/", like "/apex"`);
    }
    if (rule.redirectRate && !rule.redirectTo) {
      throw new RangeError("fault redirectRate: give redirectTo, the URL to redirect to");
    }
    if (rule.forMs !== undefined && !(rule.forMs > 0)) {
      throw new RangeError(`fault forMs: ${rule.forMs} must be a positive number of ms`);
    }
    const entry = {
      ...rule,
      used: 0,
      until: rule.forMs === undefined ? Infinity : Date.now() + rule.forMs,
    };
    this.#rules.add(entry);
    return () => this.#rules.delete(entry);
  }

  /** How many faults of `kind` (`odd`, `stall`, `status`, ...) were injected so far. */
  injected(kind: FaultDecision["kind"]): number {
    return this.#injected.get(kind) ?? 0;
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.clear();
  }

  /** Decides what happens to a `method` request for `path`. */
  decide(path: string, method = "GET"): FaultDecision {
    let latencyMs = 0;
    let dateSkewSeconds = 0;
    const now = Date.now();
    for (const rule of this.#rules) {
      if (now >= rule.until) {
        this.#rules.delete(rule);
        continue;
      }
      if (!path.startsWith(rule.prefix)) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      latencyMs += rule.latencyMs ?? 0;
      dateSkewSeconds += rule.dateSkewSeconds ?? 0;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      let draw = this.#random();
      const hit = SHARES.find((key) => (draw -= rule[key] ?? 0) < 0);
      if (!hit) continue;
      rule.used++;
      const kind = hit === "rate429" || hit === "rate503"
        ? "status"
        : hit.replace(/Rate$/, "").replace("lostAnswer", "lose-answer").replace(
          "stallBody",
          "stall-body",
        ).replace("selfNext", "self-next");
      this.#injected.set(kind, (this.#injected.get(kind) ?? 0) + 1);
      const ms = rule.stallMs ?? Infinity;
      const base = { latencyMs, dateSkewSeconds };
      switch (hit) {
        case "rate429":
        case "rate503":
          return {
            ...base,
            kind: "status",
            status: hit === "rate429" ? 429 : 503,
            retryAfterSeconds: rule.retryAfterSeconds ?? 1,
            retryAfterDate: rule.retryAfterDate ?? false,
          };
        case "dropRate":
          return { ...base, kind: "drop" };
        case "lostAnswerRate":
          return { ...base, kind: "lose-answer" };
        case "cutRate":
          return { ...base, kind: "cut" };
        case "stallRate":
          return { ...base, kind: "stall", ms };
        case "stallBodyRate":
          return { ...base, kind: "stall-body", ms };
        case "trickleRate":
          return { ...base, kind: "trickle", bytesPerSecond: rule.trickleBytesPerSecond ?? 64 };
        case "oddRate":
          return { ...base, kind: "odd", odd: rule.odd ?? "html" };
        case "redirectRate":
          return { ...base, kind: "redirect", to: rule.redirectTo! };
        case "selfNextRate":
          return { ...base, kind: "self-next" };
      }
    }
    return { kind: "pass", latencyMs, dateSkewSeconds };
  }
}

/** `response` with the same headers whose body breaks off after half of its bytes. */
export async function cutResponse(response: Response): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const half = bytes.subarray(0, Math.floor(bytes.length / 2));
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(half);
    },
    pull(controller) {
      controller.error(new Error("sandbox fault: transfer cut"));
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** A response whose connection breaks after the headers, as a dropped connection does. */
export function droppedResponse(): Response {
  const body = new ReadableStream({
    start(controller) {
      controller.error(new Error("sandbox fault: connection dropped"));
    },
  });
  return new Response(body, { headers: { "content-length": "1024" } });
}

/** Waits `ms` (forever when infinite) or until `signal` aborts, whichever comes first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined;
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * `response`'s bytes sent in pieces: before the piece at byte `at`, `plan(at)` says how long to
 * wait and how many bytes go. The client going away ends the waits (Deno.serve's request signal
 * cannot say so: it fires on every answer).
 */
async function pacedBody(
  response: Response,
  plan: (at: number, length: number) => { waitMs: number; bytes: number },
): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  let at = 0;
  const gone = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    cancel() {
      gone.abort();
    },
    async pull(controller) {
      if (at >= bytes.length || gone.signal.aborted) return controller.close();
      const { waitMs, bytes: n } = plan(at, bytes.length);
      if (waitMs > 0) await pause(waitMs, gone.signal);
      if (gone.signal.aborted) return;
      controller.enqueue(bytes.subarray(at, at + n));
      at += n;
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** `response` whose body stops after half its bytes for `ms` (for good when infinite). */
export function stalledBody(response: Response, ms: number): Promise<Response> {
  return pacedBody(response, (at, length) => {
    const half = Math.floor(length / 2);
    return at === 0 ? { waitMs: 0, bytes: Math.max(1, half) } : { waitMs: ms, bytes: length - at };
  });
}

/** `response` whose body arrives a few bytes at a time, `bytesPerSecond` in all. */
export function trickledBody(response: Response, bytesPerSecond: number): Promise<Response> {
  const step = Math.max(1, Math.round(bytesPerSecond / 10));
  return pacedBody(response, () => ({ waitMs: 100, bytes: step }));
}

/** A 200 with an odd body in place of `response`'s, as gateways and broken servers send. */
export async function oddResponse(response: Response, odd: OddBody): Promise<Response> {
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  const body = odd === "html"
    ? "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    : odd === "empty"
    ? ""
    : odd === "null"
    ? "null"
    : odd === "shape"
    ? '{"message":"OK","status":200}'
    : text.slice(0, Math.floor(text.length / 2));
  if (odd === "html") headers.set("content-type", "text/html");
  return new Response(body, { status: 200, headers });
}

/**
 * The answer with its next-page link pointing back at `url`, the page itself: a list that goes
 * round, as a broken server's paging does. Answers with no list links pass unchanged.
 */
export async function selfNextResponse(response: Response, url: URL): Promise<Response> {
  if (!(response.headers.get("content-type") ?? "").includes("json")) return response;
  const body = await response.json() as Record<string, unknown> | null;
  const self = url.href;
  if (body && Array.isArray(body.links)) {
    const links = (body.links as Array<{ rel?: string }>).filter((l) => l.rel !== "next");
    body.links = [...links, { rel: "next", href: self }];
  } else if (body && typeof body.links === "object" && body.links !== null) {
    (body.links as Record<string, unknown>).next = self;
  } else if (body && ("NextContinuationToken" in body || "IsTruncated" in body)) {
    body.NextContinuationToken = url.searchParams.get("continuation_token") ?? "sandbox-loop";
    body.IsTruncated = true;
  }
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return Response.json(body, { status: response.status, headers });
}
