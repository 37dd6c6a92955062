/**
 * One backend's share of an unattended run: its slots, the cap that adapts to the platform's
 * concurrent-job limit (down at once on a limit answer, up by one slot after a quiet spell), the
 * earliest time of its next submission, status read and retry, and how long it has been
 * unreachable.
 *
 * A lane also knows whether its platform has answered once in this run: until then a failure to
 * connect at all (no such host, refused, TLS) is a wrong address or no network, not an outage.
 *
 * @module
 */
import { connectFailure } from "../http/errors.ts";
import { backoffDelay, type BackoffOptions } from "../time/backoff.ts";
import type { JobBackend } from "./backend.ts";

/** Jobs remembered as ended, per lane: enough that one of them is near the top of a job list. */
const ENDED_KEPT = 16;

/** Tuning of a {@linkcode Lane}. */
export interface LaneOptions {
  /** Slots: jobs at once at most. */
  slots: number;
  /** Time between status reads (raised to the backend's floor), ms. */
  pollIntervalMs: number;
  /** After a limit answer, the quiet time before one more slot is tried, ms. */
  limitProbeMs: number;
  /** Backoff while the platform is unreachable. */
  outage: BackoffOptions;
}

/**
 * The scheduling state of one backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Lane } from "./lane.ts";
 * const lane = new Lane("a", { name: "a" } as never, { slots: 4, pollIntervalMs: 1000, limitProbeMs: 60_000, outage: {} });
 * lane.limitReached(0, 2);
 * assert.equal(lane.cap, 2);
 * assert.equal(lane.capacity(2, 1), 0);
 * assert.equal(lane.capacity(2, 60_001), 1, "one more slot is tried after the quiet spell");
 * assert.equal(lane.cap, 3);
 * ```
 */
export class Lane<Item = unknown> {
  /** The backend's name in the table. */
  readonly name: string;
  /** The platform. */
  readonly backend: JobBackend<Item>;
  /** Configured slots. */
  readonly slots: number;
  /** Status read interval after the floor, ms. */
  readonly pollIntervalMs: number;
  /** Jobs at once the platform accepts now, as far as is known. */
  cap: number;
  /** Earliest next status read (ms). */
  pollAt = 0;
  /** No submission before this (ms): `Retry-After`, a limit answer, an unclear submission. */
  submitAt = 0;
  /** When the platform last stopped answering (ms), while it does not. */
  downSince?: number;
  /** Nothing is asked of the platform before this (ms) while it is down. */
  retryAt = 0;
  /** Limit answers received (each cost a request, never an attempt). */
  limitAnswers = 0;
  /** The platform has answered a call in this run (with anything but a failure to connect). */
  answered = false;
  /** The last jobs seen to end, newest last, with when: a bound for the tag search. */
  readonly #ended: Array<[id: string, at: number]> = [];
  #probeAt = 0;
  #outageTries = 0;
  #unclearStreak = 0;
  readonly #options: LaneOptions;

  /** A lane for `backend`, named `name` in the table. */
  constructor(name: string, backend: JobBackend<Item>, options: LaneOptions) {
    this.name = name;
    this.backend = answering(backend, () => this.answered = true);
    this.slots = options.slots;
    this.cap = options.slots;
    this.pollIntervalMs = Math.max(options.pollIntervalMs, backend.minPollIntervalMs ?? 2_000);
    this.#options = options;
  }

  /**
   * How many more jobs may be submitted now, with `running` on the platform. After a quiet
   * spell since the last limit answer, one more slot is tried.
   */
  capacity(running: number, now: number): number {
    if (now < this.submitAt || now < this.retryAt) return 0;
    if (this.cap < this.slots && now >= this.#probeAt && running >= this.cap) {
      this.cap++;
      this.#probeAt = now + this.#options.limitProbeMs;
    }
    return Math.max(0, this.cap - running);
  }

  /** The platform refused a job because the user's limit is reached, with `running` jobs on it. */
  limitReached(now: number, running: number, retryAfterMs = 0): void {
    this.limitAnswers++;
    this.cap = Math.max(1, Math.min(this.cap, running));
    this.#probeAt = now + this.#options.limitProbeMs;
    // With nothing of ours running, only time frees a slot (jobs of other clients).
    const wait = running > 0 ? retryAfterMs : Math.max(retryAfterMs, 1_000);
    this.submitAt = Math.max(this.submitAt, now + wait);
  }

  /**
   * A submission failed in a way that leaves unclear whether the job exists. The first one is
   * reconciled at once; a run of them backs off, so a platform that keeps failing submissions is
   * not flooded.
   */
  submissionUnclear(now: number, retryAfterMs = 0): void {
    const wait = this.#unclearStreak++ === 0
      ? 0
      : backoffDelay(this.#unclearStreak - 2, { baseMs: 250, capMs: 5_000 });
    this.submitAt = Math.max(this.submitAt, now + Math.max(retryAfterMs, wait));
  }

  /** A submission went through. */
  submitted(): void {
    this.#unclearStreak = 0;
  }

  /** Job `id` was seen to end at `at` (ms). */
  jobEnded(id: string, at: number): void {
    this.#ended.push([id, at]);
    if (this.#ended.length > ENDED_KEPT) this.#ended.shift();
  }

  /** Jobs seen to end before `at`: they were created before anything submitted from then on. */
  endedBefore(at: number): string[] {
    return this.#ended.filter(([, when]) => when < at).map(([id]) => id);
  }

  /** The platform did not answer; returns true when this starts an outage. */
  unreachable(now: number, retryAfterMs = 0): boolean {
    const starts = this.downSince === undefined;
    this.downSince ??= now;
    this.retryAt = now +
      Math.max(
        retryAfterMs,
        backoffDelay(this.#outageTries++, {
          baseMs: 500,
          capMs: 5_000,
          ...this.#options.outage,
        }),
      );
    return starts;
  }

  /** The platform answered; returns how long it had been down (ms), if it had. */
  reachable(now: number): number | undefined {
    if (this.downSince === undefined) return undefined;
    const down = now - this.downSince;
    this.downSince = undefined;
    this.#outageTries = 0;
    this.retryAt = 0;
    return down;
  }
}

/** `backend` with every call reporting to `heard` when the platform answered it. */
function answering<Item>(backend: JobBackend<Item>, heard: () => void): JobBackend<Item> {
  // deno-lint-ignore no-explicit-any
  const wrap = <F extends (...args: any[]) => Promise<unknown>>(f: F | undefined): F | undefined =>
    f && (async (...args: Parameters<F>) => {
      try {
        const result = await f.apply(backend, args);
        heard();
        return result;
      } catch (error) {
        if (connectFailure(error) === undefined) heard();
        throw error;
      }
    }) as F;
  return {
    name: backend.name,
    minPollIntervalMs: backend.minPollIntervalMs,
    http: backend.http,
    submit: wrap(backend.submit)!,
    prepare: backend.prepare?.bind(backend),
    statuses: wrap(backend.statuses)!,
    findByTag: wrap(backend.findByTag)!,
    results: wrap(backend.results)!,
    failureReason: wrap(backend.failureReason),
    cancel: wrap(backend.cancel),
    // Not an answer of the platform: a token given by hand needs no request, and a sign-in is
    // answered by the identity provider, often another host.
    identity: backend.identity?.bind(backend),
  };
}
