/**
 * `watch`: a job's status as an async iterable. It polls with a growing interval while nothing
 * changes, yields only changes, ends at a terminal state, rides out transient errors, honours
 * `Retry-After`, an `AbortSignal` and an overall time-out, and lets a push source (a websocket)
 * replace polling while it lasts.
 *
 * @module
 */
import { classifyError, MAX_RETRY_AFTER_MS, retryAfter } from "./failures.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { type Sleep, sleep as realSleep } from "../time/sleep.ts";
import { isTerminal, type StatusSnapshot } from "./state.ts";

/** Reads the current status once. */
export type Poll<T> = (signal: AbortSignal) => Promise<StatusSnapshot<T>>;

/** A source that pushes statuses; when it ends or fails before a terminal state, polling takes over. */
export type PushSource<T> = (signal: AbortSignal) => AsyncIterable<StatusSnapshot<T>>;

/** Options of {@linkcode watch}. */
export interface WatchOptions<T> {
  /** First polling interval in ms. Default 2 000. */
  intervalMs?: number;
  /**
   * No interval is shorter than this, in ms: platform clients set their poll floor here (see
   * `pollFloorMs`), and a smaller `intervalMs` is raised to it. Default 0.
   */
  minIntervalMs?: number;
  /** Longest polling interval in ms. Default 30 000. */
  maxIntervalMs?: number;
  /** Interval growth while nothing changes. Default 1.5. */
  factor?: number;
  /** Random share added to or taken from each interval. Default 0.1. */
  jitter?: number;
  /** Stops the stream; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Throws a `TimeoutError` after this many ms in total. */
  timeoutMs?: number;
  /**
   * Longest wait a `Retry-After` may ask for between polls, ms: a longer one is cut to this, as
   * in the job manager. Default 300 000 (5 minutes).
   */
  maxRetryAfterMs?: number;
  /** Consecutive failed polls tolerated before the error is thrown. Default 5. */
  maxErrors?: number;
  /** Which snapshots count as the same. Default: same state, raw status, progress and message. */
  key?: (snapshot: StatusSnapshot<T>) => string;
  /** Push source used first, when given. */
  push?: PushSource<T>;
  /** Called when a poll fails and will be retried. */
  onError?: (error: unknown, attempt: number) => void;
  /** Sleep (tests record it). */
  sleep?: Sleep;
  /** Clock for the overall time-out. */
  clock?: Clock;
  /** Random in [0, 1) for jitter. */
  random?: () => number;
}

const defaultKey = (s: StatusSnapshot<unknown>) =>
  `${s.state}|${s.raw}|${s.progress ?? ""}|${s.message ?? ""}`;

/**
 * Follows a job until it is done.
 *
 * @example
 * ```ts
 * import { watch } from "./watch.ts";
 * let n = 0;
 * const states = ["queued", "running", "running", "succeeded"] as const;
 * const poll = () => Promise.resolve({ state: states[n], raw: states[n++], data: null });
 * for await (const s of watch(poll, { intervalMs: 1 })) console.log(s.state);
 * // queued, running, succeeded
 * ```
 */
export async function* watch<T>(
  poll: Poll<T>,
  options: WatchOptions<T> = {},
): AsyncGenerator<StatusSnapshot<T>, void, undefined> {
  const floor = Math.max(0, options.minIntervalMs ?? 0);
  const {
    intervalMs: firstMs = 2_000,
    maxIntervalMs: longestMs = 30_000,
    factor = 1.5,
    jitter = 0.1,
    maxErrors = 5,
    maxRetryAfterMs = MAX_RETRY_AFTER_MS,
    key = defaultKey,
    sleep = realSleep,
    clock = systemClock,
    random = Math.random,
  } = options;
  const intervalMs = Math.max(firstMs, floor);
  const maxIntervalMs = Math.max(longestMs, intervalMs);
  const controller = new AbortController();
  const signals = [controller.signal];
  if (options.signal) signals.push(options.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = options.timeoutMs === undefined ? undefined : clock.now() + options.timeoutMs;
  const timedOut = () =>
    new DOMException(`watch timed out after ${options.timeoutMs} ms`, "TimeoutError");
  if (options.timeoutMs !== undefined) {
    const timeout = new AbortController();
    signals.push(timeout.signal);
    timer = setTimeout(() => timeout.abort(timedOut()), options.timeoutMs);
  }
  const signal = AbortSignal.any(signals);
  let last: string | undefined;
  try {
    if (options.push) {
      try {
        for await (const snapshot of options.push(signal)) {
          const k = key(snapshot);
          if (k !== last) {
            last = k;
            yield snapshot;
          }
          if (isTerminal(snapshot.state)) return;
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        options.onError?.(error, 0);
      }
    }
    let interval = intervalMs;
    let errors = 0;
    while (true) {
      signal.throwIfAborted();
      // The clock may be a test's manual one that jumps past the deadline between polls.
      if (deadline !== undefined && clock.now() >= deadline) throw timedOut();
      let snapshot: StatusSnapshot<T>;
      try {
        snapshot = await poll(signal);
        errors = 0;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (++errors > maxErrors || !isTransient(error)) throw error;
        options.onError?.(error, errors);
        await sleep(
          Math.max(
            retryAfter(error, maxRetryAfterMs),
            withJitter(interval * factor ** errors, jitter, random),
          ),
          signal,
        );
        continue;
      }
      const k = key(snapshot);
      if (k !== last) {
        last = k;
        interval = intervalMs;
        yield snapshot;
      } else {
        interval = Math.min(maxIntervalMs, interval * factor);
      }
      if (isTerminal(snapshot.state)) return;
      await sleep(Math.max(floor, withJitter(interval, jitter, random)), signal);
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function withJitter(ms: number, jitter: number, random: () => number): number {
  return Math.max(0, ms * (1 + jitter * (2 * random() - 1)));
}

/**
 * Errors worth polling again for, by the one classification the job manager and the scripts
 * use too: network trouble, time-outs, server errors, rate and limit answers. A 401 that
 * survived the HTTP core's renewal of the token, or a request the platform refuses, ends the
 * watch at once.
 */
function isTransient(error: unknown): boolean {
  const kind = classifyError(error);
  return kind === "transient" || kind === "limit";
}
