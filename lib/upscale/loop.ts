/**
 * The job manager's run loop: each backend served in a loop of its own (unclear submissions
 * healed from the platform's job list, statuses read, what fits submitted), downloads handed to
 * their pool, outages ridden out, and every change written to the table before it is told.
 * What a change does to a row is decided by the row rules; this module applies them.
 *
 * @module
 */
import { connectFailure, HttpError } from "../http/errors.ts";
import { classifyError, retryAfter } from "../jobs/failures.ts";
import { isTerminal } from "../jobs/state.ts";
import { DownloadPool, type PoolContext } from "./downloads.ts";
import { firstContact, message, RunStoppedError, stopOnLocalFault } from "./errors.ts";
import {
  type ManagerEvent,
  type ManagerTotals,
  type PhaseCounts,
  type RunSummary,
  summarize,
  totalsOf,
} from "./events.ts";
import type { Lane } from "./lane.ts";
import type { ResolvedOptions } from "./options.ts";
import type { JobRow, Phase } from "./row.ts";
import { jobEnded, type RuleContext, RUNNING, withdrawn } from "./row_rules.ts";
import type { JobTable } from "./table.ts";

function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 5);
}

/**
 * A run over a table: `run()` goes until every row is finished, the deadline, or an error no
 * retry fixes; `save()` and `cancelRow()` serve the manager's writes from outside a run too.
 *
 * @example
 * ```ts ignore
 * const loop = new RunLoop(table, lanes, pinned, resolveOptions(options, lanes.size));
 * loop.emit = (event) => console.log(event.kind);
 * await loop.run(signal);
 * ```
 */
export class RunLoop<Item> {
  /** Where events go while a run is on. */
  emit: (event: ManagerEvent<Item>) => void = () => {};
  readonly #table: JobTable<Item>;
  readonly #lanes: ReadonlyMap<string, Lane<Item>>;
  readonly #pinned: ReadonlyMap<string, string>;
  readonly #o: ResolvedOptions<Item>;
  readonly #waiters = new Set<() => void>();
  #startedAt = 0;
  #finishedThisRun = 0;

  /** A loop over `table`, its backends' `lanes`, the keys `pinned` to one, with options. */
  constructor(
    table: JobTable<Item>,
    lanes: ReadonlyMap<string, Lane<Item>>,
    pinned: ReadonlyMap<string, string>,
    options: ResolvedOptions<Item>,
  ) {
    this.#table = table;
    this.#lanes = lanes;
    this.#pinned = pinned;
    this.#o = options;
  }

  /**
   * Each backend runs a loop of its own, so one that is down (its requests sleeping through
   * retries) never holds up another; downloads are started from whichever loop is awake.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.#o;
    this.#startedAt = clock.now();
    this.#finishedThisRun = 0;
    const deadline = this.#o.deadlineMs === undefined
      ? undefined
      : this.#startedAt + this.#o.deadlineMs;
    const downloads = new DownloadPool<Item>(this.#poolContext());
    const stop = new AbortController();
    const inner = AbortSignal.any([signal, stop.signal]);
    // The deadline reaches requests in flight too: a stalled answer does not outlive it.
    const deadlineTimer = deadline === undefined ? undefined : setTimeout(
      () => stop.abort(this.#deadlineError()),
      Math.max(0, deadline - clock.now()),
    );
    const over = () => this.#allFinished() && downloads.size === 0;
    const laneLoop = async (lane: Lane<Item>) => {
      while (!over()) {
        inner.throwIfAborted();
        if (deadline !== undefined && clock.now() >= deadline) throw this.#deadlineError();
        await this.#serve(lane, inner);
        downloads.start(inner);
        if (downloads.fault !== undefined) stopOnLocalFault(downloads.fault);
        if (over()) break;
        await this.#wait(this.#nextAt(lane, deadline), inner);
      }
      // The others may be waiting for work this loop will no longer hand out.
      this.wakeAll();
    };
    try {
      await Promise.all(
        [...this.#lanes.values()].map((lane) =>
          laneLoop(lane).catch((error) => {
            stop.abort(error);
            throw error;
          })
        ),
      );
      signal.throwIfAborted();
      this.emit({ kind: "end", summary: this.summary(), ...this.totals() });
    } catch (error) {
      // The first loop's error, not the abort it caused in the others.
      throw stop.signal.aborted && !signal.aborted ? stop.signal.reason : error;
    } finally {
      clearTimeout(deadlineTimer);
      await downloads.settled();
    }
  }

  #deadlineError(): RunStoppedError {
    const c = this.counts();
    const left = this.#table.size - c.done - c.failed - c.canceled;
    return new RunStoppedError(
      "deadline",
      `stopped at the deadline (${
        Math.round(this.#o.deadlineMs! / 1000)
      } s) with ${left} of ${this.#table.size} rows unfinished; run again to go on`,
    );
  }

  #allFinished(): boolean {
    const c = this.counts();
    return c.done + c.failed + c.canceled === this.#table.size;
  }

  /**
   * When `lane` has something due next: a status read, a retry, a submission, a waiting row's
   * time, the deadline. Work blocked only by full slots or a full download pool waits for a status
   * read or for a wake-up (a finished download, a row put back to pending), never for a timer
   * that is already due.
   */
  #nextAt(lane: Lane<Item>, deadline?: number): number {
    const now = this.#o.clock.now();
    if (lane.downSince !== undefined) return Math.min(lane.retryAt, deadline ?? Infinity);
    let next = deadline ?? Infinity;
    const counts = this.#table.countsOf(lane.name);
    const running = counts.active + counts.submitting > 0;
    const unclear = counts.submitting > 0;
    let waiting = false;
    for (const phase of ["pending", "downloading"] as const) {
      for (const row of this.#table.inPhase(phase)) {
        const mine = row.backend === lane.name;
        const open = phase === "pending" && (mine || row.backend === undefined);
        if (open) waiting = true;
        if ((open || mine) && (row.notBefore ?? 0) > now) next = Math.min(next, row.notBefore!);
      }
    }
    if (running) next = Math.min(next, lane.pollAt);
    // An unclear submission holds a slot until the platform's job list says what happened.
    if (unclear || (waiting && lane.submitAt > now)) next = Math.min(next, lane.submitAt);
    // A round that found nothing to do must not spin: HTTP answers need the event loop.
    return Math.max(next, now + 5);
  }

  async #wait(until: number, signal: AbortSignal): Promise<void> {
    const ms = until - this.#o.clock.now();
    if (ms <= 0) return;
    const woken = Promise.withResolvers<void>();
    this.#waiters.add(woken.resolve);
    const timer = new AbortController();
    const sleeping = Number.isFinite(ms)
      ? this.#o.sleep(ms, AbortSignal.any([signal, timer.signal])).catch(() => {})
      : new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true })
      );
    await Promise.race([sleeping, woken.promise]);
    timer.abort();
    this.#waiters.delete(woken.resolve);
    signal.throwIfAborted();
  }

  /** Wakes every backend's loop: a row may be theirs to take, or a round's work is gone. */
  wakeAll(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** One round of a backend: heal unclear submissions, read statuses, submit what fits. */
  async #serve(lane: Lane<Item>, signal: AbortSignal): Promise<void> {
    const now = this.#o.clock.now();
    if (lane.downSince !== undefined && now < lane.retryAt) return;
    try {
      await this.#reconcile(lane, signal);
      if (now >= lane.pollAt) {
        await this.#poll(lane, signal);
        lane.pollAt = this.#o.clock.now() + lane.pollIntervalMs;
      }
      const down = lane.reachable(this.#o.clock.now());
      if (down !== undefined) {
        this.#platform(lane, `${lane.name}: reachable again after ${Math.round(down / 1000)} s`);
      }
      await this.#submitSome(lane, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      stopOnLocalFault(error);
      firstContact(lane.name, lane.answered, error);
      const kind = classifyError(error);
      if (kind === "transient" || kind === "limit") {
        const asked = error instanceof HttpError ? error.retryAfterMs : undefined;
        if (lane.unreachable(this.#o.clock.now(), retryAfter(error, this.#o.maxRetryAfterMs))) {
          const capped = asked !== undefined && asked > this.#o.maxRetryAfterMs
            ? `, Retry-After ${Math.round(asked / 1000)} s cut to ${
              Math.round(this.#o.maxRetryAfterMs / 1000)
            } s`
            : "";
          this.#platform(
            lane,
            `${lane.name}: platform unreachable since ${clockTime(lane.downSince!)} (${
              message(error)
            }); retrying at ${new Date(lane.retryAt).toTimeString().slice(0, 8)}${capped}`,
          );
        }
        return;
      }
      throw new RunStoppedError(
        kind === "auth" ? "auth" : "refused",
        kind === "auth"
          ? `${lane.name} refuses the credentials even after signing in again (${
            message(error)
          }); sign in again or check the account, then run again to go on`
          : `${lane.name} refused a request that will not succeed when repeated (${
            message(error)
          })`,
        { cause: error },
      );
    }
  }

  #platform(lane: Lane<Item>, text: string): void {
    this.emit({ kind: "platform", backend: lane.name, message: text, ...this.totals() });
  }

  #rowsOf(lane: Lane<Item>, phase: Phase): JobRow<Item>[] {
    return [...this.#table.inPhase(phase)].filter((r) => r.backend === lane.name);
  }

  #runningOn(lane: Lane<Item>): number {
    const counts = this.#table.countsOf(lane.name);
    return counts.active + counts.submitting;
  }

  /** Rows whose submission may or may not have reached the platform: look for their tags. */
  async #reconcile(lane: Lane<Item>, signal: AbortSignal): Promise<void> {
    const unsure = this.#rowsOf(lane, "submitting");
    if (unsure.length === 0) return;
    const since = Math.min(...unsure.map((r) => r.attempts.at(-1)!.submittedAt ?? -Infinity));
    const found = await lane.backend.findByTag(
      unsure.map((r) => r.attempts.at(-1)!.tag),
      signal,
      lane.endedBefore(since),
    );
    for (const row of unsure) {
      if (row.phase !== "submitting") continue;
      const attempt = row.attempts.at(-1)!;
      const id = found.get(attempt.tag);
      if (id) {
        attempt.jobId = id;
        row.phase = "active";
      } else {
        // Never created: submit again under the same tag, and no attempt was spent.
        this.#withdraw(row, undefined);
      }
      await this.save(row);
    }
  }

  async #poll(lane: Lane<Item>, signal: AbortSignal): Promise<void> {
    const running = this.#rowsOf(lane, "active");
    if (running.length === 0) return;
    const statuses = await lane.backend.statuses(
      running.map((r) => r.attempts.at(-1)!.jobId!),
      signal,
    );
    for (const row of running) {
      if (row.phase !== "active") continue;
      const attempt = row.attempts.at(-1)!;
      const s = statuses.get(attempt.jobId!);
      const now = this.#o.clock.now();
      if (!s) continue;
      if (s.raw !== attempt.raw || s.state !== attempt.state) {
        attempt.state = s.state;
        attempt.raw = s.raw;
        if (isTerminal(s.state)) {
          attempt.endedAt = now;
          lane.jobEnded(attempt.jobId!, now);
          row.durationMs = now - (attempt.submittedAt ?? now);
          if (s.cost !== undefined) row.cost = s.cost;
        }
        if (s.state === "succeeded") {
          row.phase = this.#o.download ? "downloading" : "done";
          row.downloadTries = 0;
          if (!this.#o.download) this.#finishedThisRun++;
        } else if (isTerminal(s.state)) {
          const reason = s.message ??
            await lane.backend.failureReason?.(attempt.jobId!, signal).catch(() => undefined);
          this.#jobFailed(row, `job ${attempt.jobId} ended ${s.raw}`, reason);
        }
        await this.save(row);
      }
      const limit = this.#o.cancelAfterMs;
      if (
        row.phase === "active" && limit !== undefined && attempt.submittedAt !== undefined &&
        now - attempt.submittedAt > limit
      ) {
        await this.cancelRow(
          row,
          "timeout",
          `ran longer than cancelAfterMs (${Math.round(limit / 1000)} s)`,
          signal,
        );
      }
    }
  }

  /** A job ended without results: a new job while attempts are left, else the row fails. */
  #jobFailed(row: JobRow<Item>, what: string, reason?: string): void {
    jobEnded(row, what, reason, this.#rules());
  }

  /** What the row rules need: the options and the time. */
  #rules(): RuleContext {
    const { maxAttempts, retryDelayMs, maxDownloadTries } = this.#o;
    return { maxAttempts, retryDelayMs, maxDownloadTries, now: this.#o.clock.now() };
  }

  /** Submits what fits, then lets the backend check the next jobs in line ahead of time. */
  async #submitSome(lane: Lane<Item>, signal: AbortSignal): Promise<void> {
    let running = this.#runningOn(lane);
    let room = lane.capacity(running, this.#o.clock.now());
    let ahead = lane.backend.prepare ? lane.cap : 0;
    if (room <= 0 && ahead === 0) return;
    const now = this.#o.clock.now();
    for (const row of this.#table.inPhase("pending")) {
      if (room <= 0 && ahead <= 0) break;
      if (row.phase !== "pending" || (row.notBefore ?? 0) > now) continue;
      if (row.backend !== undefined && row.backend !== lane.name) continue;
      if (room <= 0) {
        lane.backend.prepare!(row.item, this.#tagOf(row), signal);
        ahead--;
        continue;
      }
      const outcome = await this.#submit(lane, row, signal);
      if (outcome === "stop") break;
      if (RUNNING.has(row.phase)) running++;
      room = lane.capacity(running, this.#o.clock.now());
    }
  }

  /** The tag of `row`'s next attempt. */
  #tagOf(row: JobRow<Item>): string {
    return `${this.#o.tagPrefix}:${row.key}#${row.attempts.length + 1}`;
  }

  /** Takes back a submission that made no job: the row waits again, on any backend unless pinned. */
  #withdraw(row: JobRow<Item>, error: string | undefined): void {
    withdrawn(row, error, this.#pinned.has(row.key));
  }

  async #submit(lane: Lane<Item>, row: JobRow<Item>, signal: AbortSignal): Promise<"ok" | "stop"> {
    const n = row.attempts.length + 1;
    const tag = this.#tagOf(row);
    const now = this.#o.clock.now();
    row.attempts.push({ n, tag, submittedAt: now });
    row.backend = lane.name;
    row.phase = "submitting";
    row.notBefore = undefined;
    await this.save(row);
    const attempt = row.attempts.at(-1)!;
    try {
      attempt.jobId = await lane.backend.submit(row.item, tag, signal);
      // cancel() may have run while the request was out.
      if ((row.phase as Phase) === "canceled") {
        await this.#stopJob(lane, row, attempt.jobId, signal);
        await this.save(row);
        return "ok";
      }
      row.phase = "active";
      row.error = undefined;
      lane.submitted();
      await this.save(row);
      return "ok";
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!lane.answered && connectFailure(error)) {
        // Nothing reached the platform, so no job was made: the attempt never happened.
        this.#withdraw(row, undefined);
        await this.save(row);
        throw error;
      }
      const kind = classifyError(error);
      if (kind === "limit") {
        // Backpressure, not failure: nothing was created and no attempt is spent.
        this.#withdraw(row, `waiting: ${lane.name}'s concurrent-job limit is reached`);
        // Saved first: until then the table still counts this row as one of the lane's running
        // jobs, and a cap one too high makes the next round try again at once, and again.
        await this.save(row);
        lane.limitReached(
          this.#o.clock.now(),
          this.#runningOn(lane),
          retryAfter(error, this.#o.maxRetryAfterMs),
        );
        return "stop";
      }
      if (kind === "refused") {
        row.phase = "failed";
        row.failure = "refused";
        row.reason = message(error);
        row.error = `the platform refused the job: ${message(error)}`;
        await this.save(row);
        return "ok";
      }
      if (kind === "auth") {
        row.attempts.pop();
        row.phase = "pending";
        await this.save(row);
        throw error;
      }
      // The request may have created the job before failing: reconcile finds out next round.
      row.error = `submission unclear (${message(error)}); checking with the platform`;
      lane.submissionUnclear(this.#o.clock.now(), retryAfter(error, this.#o.maxRetryAfterMs));
      await this.save(row);
      return "stop";
    }
  }

  /** Stops following a row: `canceled` by the user, or failed for running out of time. */
  async cancelRow(
    row: JobRow<Item>,
    as: "canceled" | "timeout",
    why: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const lane = row.backend === undefined ? undefined : this.#lanes.get(row.backend);
    const jobId = row.attempts.at(-1)?.jobId;
    const wasActive = row.phase === "active";
    row.phase = as === "canceled" ? "canceled" : "failed";
    if (as === "timeout") {
      row.failure = "timeout";
      row.reason = why;
    }
    row.error = why;
    if (wasActive && lane && jobId) await this.#stopJob(lane, row, jobId, signal);
    await this.save(row);
  }

  async #stopJob(
    lane: Lane<Item>,
    row: JobRow<Item>,
    jobId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!lane.backend.cancel) {
      row.error +=
        `; ${lane.name} cannot stop jobs, so job ${jobId} runs on and is no longer followed`;
      return;
    }
    try {
      const outcome = await lane.backend.cancel(jobId, signal);
      row.error += outcome === "stopped"
        ? `; job ${jobId} was stopped`
        : `; ${lane.name} forgot job ${jobId}, but the job itself may run on (the platform has no cancel)`;
    } catch (error) {
      row.error += `; stopping job ${jobId} failed (${message(error)}), it is no longer followed`;
    }
  }

  /** Writes `row` to the table, then tells it. */
  async save(row: JobRow<Item>): Promise<void> {
    row.updated = this.#o.clock.now();
    await this.#table.put(row);
    // Another backend with room may take a row put back without one.
    if (row.phase === "pending" && row.backend === undefined) this.wakeAll();
    this.emit({ kind: "row", row: structuredClone(row), ...this.totals() });
  }

  /** The totals after a change. */
  totals(): ManagerTotals {
    const unreachable: Record<string, number> = {};
    for (const lane of this.#lanes.values()) {
      if (lane.downSince !== undefined) unreachable[lane.name] = lane.downSince;
    }
    return totalsOf(this.counts(), this.#table.size, {
      elapsedMs: this.#o.clock.now() - this.#startedAt,
      finished: this.#finishedThisRun,
    }, unreachable);
  }

  /** What the run achieved so far, from the table. */
  summary(): RunSummary {
    const limitAnswers = [...this.#lanes.values()].reduce((n, l) => n + l.limitAnswers, 0);
    return summarize(this.#table.rows(), this.counts(), limitAnswers);
  }

  /** Rows by phase. */
  counts(): PhaseCounts {
    return this.#table.counts();
  }

  #poolContext(): PoolContext<Item> {
    return {
      table: this.#table,
      lanes: this.#lanes,
      dir: this.#o.dir,
      concurrency: this.#o.downloadConcurrency,
      maxRetryAfterMs: this.#o.maxRetryAfterMs,
      now: () => this.#o.clock.now(),
      rules: () => this.#rules(),
      save: (row) => this.save(row),
      ended: () => this.wakeAll(),
      finished: () => this.#finishedThisRun++,
    };
  }
}
