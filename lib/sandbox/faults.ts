/**
 * Fault injection for the sandbox: per route prefix, added latency, a share of 429 (with
 * `Retry-After`) or 503 answers, and dropped connections, so clients can be tested against
 * a misbehaving platform.
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
  /** Stop after this many injected failures (latency does not count). Default unlimited. */
  times?: number;
  /** Only requests with this method (`POST`); default every method. */
  method?: string;
  /** The rule ends by itself this many ms after it was added: an outage of a set length. */
  forMs?: number;
}

/** What the fault layer decided for one request. */
export type FaultDecision =
  | { kind: "pass"; latencyMs: number }
  | { kind: "status"; status: 429 | 503; retryAfterSeconds: number; latencyMs: number }
  | { kind: "drop"; latencyMs: number }
  | { kind: "lose-answer"; latencyMs: number }
  | { kind: "cut"; latencyMs: number };

/**
 * The set of active fault rules.
 *
 * @example
 * ```ts
 * import { Faults } from "./faults.ts";
 * const faults = new Faults(1);
 * faults.add({ prefix: "/apex", rate503: 1, times: 1 });
 * console.assert(faults.decide("/apex/tiles").kind === "status");
 * console.assert(faults.decide("/apex/tiles").kind === "pass");
 * ```
 */
export class Faults {
  readonly #rules = new Set<FaultRule & { used: number; until: number }>();
  readonly #random: () => number;

  /** Draws shares from a generator seeded with `seed`. */
  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  /** Adds a rule; the returned function removes it again. */
  add(rule: FaultRule): () => void {
    for (const key of ["rate429", "rate503", "dropRate", "lostAnswerRate", "cutRate"] as const) {
      const v = rule[key];
      if (v !== undefined && !(v >= 0 && v <= 1)) {
        throw new RangeError(`fault ${key}: ${v} is not a share between 0 and 1`);
      }
    }
    if (!rule.prefix.startsWith("/")) {
      throw new RangeError(`fault prefix: "${rule.prefix}" must start with "/", like "/apex"`);
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

  /** Removes every rule. */
  clear(): void {
    this.#rules.clear();
  }

  /** Decides what happens to a `method` request for `path`. */
  decide(path: string, method = "GET"): FaultDecision {
    let latencyMs = 0;
    const now = Date.now();
    for (const rule of this.#rules) {
      if (now >= rule.until) {
        this.#rules.delete(rule);
        continue;
      }
      if (!path.startsWith(rule.prefix)) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      latencyMs += rule.latencyMs ?? 0;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      const draw = this.#random();
      const r429 = rule.rate429 ?? 0;
      const r503 = r429 + (rule.rate503 ?? 0);
      const rDrop = r503 + (rule.dropRate ?? 0);
      const rLost = rDrop + (rule.lostAnswerRate ?? 0);
      const rCut = rLost + (rule.cutRate ?? 0);
      const retryAfterSeconds = rule.retryAfterSeconds ?? 1;
      if (draw < r429) {
        rule.used++;
        return { kind: "status", status: 429, retryAfterSeconds, latencyMs };
      }
      if (draw < r503) {
        rule.used++;
        return { kind: "status", status: 503, retryAfterSeconds, latencyMs };
      }
      if (draw < rDrop) {
        rule.used++;
        return { kind: "drop", latencyMs };
      }
      if (draw < rLost) {
        rule.used++;
        return { kind: "lose-answer", latencyMs };
      }
      if (draw < rCut) {
        rule.used++;
        return { kind: "cut", latencyMs };
      }
    }
    return { kind: "pass", latencyMs };
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
