/**
 * A client-side job manager for unattended runs, in the spirit of openEO's
 * MultiBackendJobManager: it takes work items, keeps each backend's jobs within its slots and the
 * platform's concurrent-job limit, downloads results in a pool of their own, and writes its table
 * after every change. It rides out outages of any length (backing off, reporting since when the
 * platform is unreachable), treats limit answers as backpressure, retries each kind of failure
 * the way it needs (a failed job: a new job; a failed download: the download; a dropped
 * connection: no attempt spent), and stops only on the user's deadline or abort, or on an error
 * no retry can fix. Killed at any moment and started again on the same folder, it goes on: the
 * intent is written before each submission and reconciled with the platform's job list, so no
 * job is submitted twice and none is lost, and finished downloads are not repeated.
 *
 * @module
 */
import { downloadAll } from "../download/download.ts";
import { UnsafePathError } from "../download/safe_path.ts";
import { connectFailure, HttpError } from "../http/errors.ts";
import { isTerminal } from "../jobs/state.ts";
import type { BackoffOptions } from "../time/backoff.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { type Sleep, sleep as realSleep } from "../time/sleep.ts";
import type { JobBackend } from "./backend.ts";
import { Channel } from "./channel.ts";
import { classifyError } from "../jobs/failures.ts";
import { Lane } from "./lane.ts";
import { downloadFailed, jobEnded, type RuleContext, withdrawn } from "./row_rules.ts";
import type { JobRow, Phase, TableMeta } from "./row.ts";
import { JobTable } from "./table.ts";
import { isDiskFull } from "../fs/disk_full.ts";
import { TableWriteError } from "./table_store.ts";
import type { WkbGeometry } from "../geo/geopackage.ts";

/** One unit of work. */
export interface WorkItem<Item> {
  /** Unique, stable key (a tile id): it names the row, the tag and the download folder. */
  key: string;
  /** What the backend submits. */
  item: Item;
  /** The backend (by name in `backends`) that must run it; default: whichever has room. */
  backend?: string;
}

/** A backend with slots of its own. */
export interface BackendConfig<Item> {
  /** The platform. */
  backend: JobBackend<Item>;
  /** Jobs at once on it. Default the manager's `concurrency`. */
  concurrency?: number;
}

/**
 * How {@linkcode JobManager.open} treats a table already in the folder: `resume` goes on with it
 * (its platform must be this run's, and an item changed under an existing key is an error);
 * `merge` goes on too but takes changed items and runs them again; `new` puts the old table
 * aside (renamed `jobs.<time>.gpkg`) and starts afresh.
 */
export type OpenMode = "resume" | "merge" | "new";

/** Options of {@linkcode JobManager.open}. */
export interface JobManagerOptions<Item> {
  /** The platform (one backend, named by its `name`). */
  backend?: JobBackend<Item>;
  /** Several platforms by name, each with its own slots; a row keeps its backend on resume. */
  backends?: Record<string, JobBackend<Item> | BackendConfig<Item>>;
  /** Run folder: the table (`jobs.gpkg`) and one folder of results per item. */
  dir: string;
  /** Jobs running at once per backend. Default 4. */
  concurrency?: number;
  /** Downloads at once, all backends together; they never hold a job slot. Default 4 per backend. */
  downloadConcurrency?: number;
  /** Jobs per item, the first included, when the platform says a job failed. Default 3. */
  maxAttempts?: number;
  /** Downloads of a finished job that may fail for good (size or checksum wrong, 404) before the row fails. Default 5. */
  maxDownloadTries?: number;
  /** First delay before a failed job is submitted again, ms (doubles with each attempt). Default 5 000. */
  retryDelayMs?: number;
  /** Time between status reads, ms; never below the backend's `minPollIntervalMs`. Default 2 000. */
  pollIntervalMs?: number;
  /** After a limit answer, the quiet time before one more slot is tried, ms. Default 60 000. */
  limitProbeMs?: number;
  /** Backoff while a platform is unreachable. Default 0.5 s growing to 5 s, full jitter. */
  outageBackoff?: BackoffOptions;
  /**
   * Longest wait a platform's `Retry-After` may ask for, ms: a longer one (an hour, or an HTTP
   * date from a clock that runs ahead) is cut to this. Default 300 000 (5 minutes).
   */
  maxRetryAfterMs?: number;
  /** Stop `run()` after this long, ms ({@linkcode RunStoppedError} `deadline`); rows stay resumable. */
  deadlineMs?: number;
  /** Cancel a job that runs longer than this, ms; its row fails with `timeout`. */
  cancelAfterMs?: number;
  /** What to do with a table already there. Default `resume`. */
  mode?: OpenMode;
  /** Download each finished job's files. Default true. */
  download?: boolean;
  /** Prefix of job tags, to tell this run's jobs from others. Default `"eojobs"`. */
  tagPrefix?: string;
  /** Sync every table write to disk. Default false (a killed process loses nothing either way). */
  durable?: boolean;
  /** The footprint of an item for the table's GIS layer; see {@linkcode JobTableOptions.geometryOf}. */
  geometryOf?: (item: Item) => WkbGeometry | undefined;
  /** Clock. */
  clock?: Clock;
  /** Sleep between rounds. */
  sleep?: Sleep;
}

/** Counts by phase. */
export type PhaseCounts = Record<Phase, number>;

/** What every event carries. */
export interface ManagerTotals {
  /** Rows by phase. */
  counts: PhaseCounts;
  /** Rows in all. */
  total: number;
  /** Estimated ms until all rows are done, once something finished in this run. */
  etaMs?: number;
  /** Backends that do not answer now, with the time (ms) since when. */
  unreachable: Record<string, number>;
}

/** A row changed. */
export interface RowEvent<Item> extends ManagerTotals {
  /** Always `"row"`. */
  kind: "row";
  /** The row after the change (a copy). */
  row: JobRow<Item>;
}

/** A platform stopped or started answering. */
export interface PlatformEvent extends ManagerTotals {
  /** Always `"platform"`. */
  kind: "platform";
  /** The backend's name. */
  backend: string;
  /** For people: "unreachable since 14:02 (...)" or "reachable again after 61 s". */
  message: string;
}

/** The run ended: every row is done, failed or canceled. Always the last event. */
export interface EndEvent extends ManagerTotals {
  /** Always `"end"`. */
  kind: "end";
  /** What the run achieved. */
  summary: RunSummary;
}

/** One change, with the totals after it. */
export type ManagerEvent<Item> = RowEvent<Item> | PlatformEvent | EndEvent;

/** A failed row in a {@linkcode RunSummary}. */
export interface FailedRow {
  /** Its key. */
  key: string;
  /** Why, for people: the platform's message where it gave one. */
  reason: string;
  /** The failure class. */
  failure?: string;
  /** Jobs it took. */
  attempts: number;
}

/** What a run achieved, from the table. */
export interface RunSummary {
  /** Rows by phase. */
  counts: PhaseCounts;
  /** Rows in all. */
  total: number;
  /** Every failed row with its reason. */
  failed: FailedRow[];
  /** Jobs submitted in all (every attempt of every row). */
  jobs: number;
  /** Sum of the rows' last job durations, ms. */
  jobMs: number;
  /** Sum of reported costs. */
  cost?: number;
  /** Limit answers received in this run (none cost an attempt). */
  limitAnswers: number;
}

/** Why a run stopped early; see {@linkcode RunStoppedError.reason}. */
export type StopReason = "deadline" | "auth" | "refused" | "disk" | "unreachable";

/** `run()` stopped before every row ended; the table is intact and a later run goes on. */
export class RunStoppedError extends Error {
  /** Always `"RunStoppedError"`. */
  override name = "RunStoppedError";
  /**
   * Why: the user's deadline, credentials the platform refuses, a request it will never accept,
   * this machine's disk (full, or the table cannot be written), or a platform that could not be
   * reached at all before it ever answered (no such host, refused, TLS: a wrong address or no
   * network, not an outage to wait out).
   */
  readonly reason: StopReason;
  /** Describes the stop. */
  constructor(reason: StopReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * Faults of this machine, not of the platform: a job table that cannot be written (a full disk
 * among them) or a download that fills the disk stop the run with the file named.
 */
function stopOnLocalFault(error: unknown): void {
  if (error instanceof RunStoppedError) throw error;
  if (error instanceof TableWriteError || isDiskFull(error)) {
    throw new RunStoppedError("disk", (error as Error).message, { cause: error });
  }
}

/**
 * Until a platform has answered once in this run, a failure to connect at all is a wrong address
 * or no network: waiting it out as an outage would retry for hours and say nothing useful.
 */
function firstContact(name: string, answered: boolean, error: unknown): void {
  if (answered || error instanceof RunStoppedError) return;
  const problem = connectFailure(error);
  if (!problem) return;
  throw new RunStoppedError(
    "unreachable",
    `${name} cannot be reached: ${problem.text}; check the network connection (or its proxy, VPN or firewall) and the platform's URL, or run against the sandbox (--sandbox)`,
    { cause: error },
  );
}

/** The table in the folder belongs to another platform or holds other items. */
export class TableMismatchError extends Error {
  /** Always `"TableMismatchError"`. */
  override name = "TableMismatchError";
}

const FINISHED: ReadonlySet<Phase> = new Set(["done", "failed", "canceled"]);
const RUNNING: ReadonlySet<Phase> = new Set(["active", "submitting"]);

function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 5);
}

function message(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** Longest work item key: a folder name, with room to spare under the file systems' 255 bytes. */
const MAX_KEY = 200;

function retryAfter(error: unknown, cap: number): number {
  return Math.min(error instanceof HttpError ? error.retryAfterMs ?? 0 : 0, cap);
}

/**
 * The manager.
 *
 * @example
 * ```ts ignore
 * import { JobManager } from "./manager.ts";
 * const manager = await JobManager.open(tiles.map((t, i) => ({ key: `tile-${i}`, item: t })), { backend, dir: "out/run" });
 * for await (const e of manager.run()) if (e.kind === "row") console.log(e.row.key, e.row.phase, e.counts.done, "/", e.total);
 * ```
 */
export class JobManager<Item> {
  /** The table. */
  readonly table: JobTable<Item>;
  /** The old table's new name, when `mode: "new"` put one aside. */
  readonly previousTable?: string;
  /** Keys whose item changed since the table was written (taken and requeued in `merge` mode). */
  readonly changedKeys: string[];
  readonly #lanes: Map<string, Lane<Item>>;
  readonly #pinned: Map<string, string>;
  readonly #o:
    & Required<
      Omit<
        JobManagerOptions<Item>,
        "backend" | "backends" | "deadlineMs" | "cancelAfterMs" | "outageBackoff" | "geometryOf"
      >
    >
    & Pick<JobManagerOptions<Item>, "deadlineMs" | "cancelAfterMs">;
  #startedAt = 0;
  #finishedThisRun = 0;
  #running = false;
  #localFault?: unknown;
  #emit: (event: ManagerEvent<Item>) => void = () => {};
  readonly #waiters = new Set<() => void>();

  private constructor(
    table: JobTable<Item>,
    lanes: Map<string, Lane<Item>>,
    pinned: Map<string, string>,
    options: JobManagerOptions<Item>,
    extra: { previousTable?: string; changedKeys: string[] },
  ) {
    this.table = table;
    this.#lanes = lanes;
    this.#pinned = pinned;
    this.previousTable = extra.previousTable;
    this.changedKeys = extra.changedKeys;
    this.#o = {
      concurrency: 4,
      // Four per platform: one platform's slow storage does not starve another's downloads.
      downloadConcurrency: 4 * lanes.size,
      maxAttempts: 3,
      maxDownloadTries: 5,
      retryDelayMs: 5_000,
      pollIntervalMs: 2_000,
      limitProbeMs: 60_000,
      mode: "resume",
      download: true,
      tagPrefix: "eojobs",
      maxRetryAfterMs: 300_000,
      durable: false,
      clock: systemClock,
      sleep: realSleep,
      ...options,
    };
  }

  /** Opens the run folder, adding rows for items not yet in its table; see {@linkcode OpenMode}. */
  static async open<Item>(
    items: WorkItem<Item>[],
    options: JobManagerOptions<Item>,
  ): Promise<JobManager<Item>> {
    const lanes = makeLanes(options);
    const pinned = new Map<string, string>();
    // Each item as the JSON it is stored as: checked once here, compared with the table below.
    const texts = new Map<string, string>();
    for (const { key, backend, item } of items) {
      if (
        typeof key !== "string" || !/^[A-Za-z0-9._-]+$/.test(key) || key === "." || key === ".."
      ) {
        throw new RangeError(
          `work item key "${key}": use letters, digits, '.', '_' and '-' only (it names a folder)`,
        );
      }
      // A key names the folder of its results: too long a name fails only after the job is paid.
      if (key.length > MAX_KEY) {
        throw new RangeError(
          `work item key "${
            key.slice(0, 24)
          }…": ${key.length} characters, more than ${MAX_KEY}; use a shorter key (it names a folder)`,
        );
      }
      if (texts.has(key)) {
        throw new RangeError(`work item key "${key}" appears twice; keys must be unique`);
      }
      texts.set(key, itemText(key, item));
      if (backend !== undefined) {
        if (!lanes.has(backend)) {
          throw new RangeError(
            `work item "${key}": backend "${backend}" is not one of ${
              [...lanes.keys()].join(", ")
            }`,
          );
        }
        pinned.set(key, backend);
      }
    }
    // Who each platform is, asked before the table is touched: a platform that cannot be reached
    // leaves no table behind.
    const meta: TableMeta = { backends: {} };
    for (const [name, lane] of lanes) {
      try {
        meta.backends[name] = await lane.backend.identity?.() ?? { url: lane.backend.name };
      } catch (error) {
        firstContact(name, lane.answered, error);
        throw error;
      }
    }
    const table = await JobTable.inFolder<Item>(options.dir, {
      durable: options.durable,
      geometryOf: options.geometryOf,
      setAside: options.mode === "new",
    });
    const previousTable = table.previousTable;
    const path = table.path;
    try {
      checkPlatform(table.meta, meta, path);
      const changedKeys = await addItems(table, items, texts, pinned, options);
      const recorded = table.meta?.backends ?? {};
      if (Object.keys(meta.backends).some((name) => !(name in recorded))) {
        await table.setMeta({ backends: { ...recorded, ...meta.backends } });
      }
      const manager = new JobManager(table, lanes, pinned, options, { previousTable, changedKeys });
      await manager.#retryDownloadsOnResume();
      return manager;
    } catch (error) {
      table.close();
      throw error;
    }
  }

  /** Rows by phase. */
  counts(): PhaseCounts {
    return this.table.counts();
  }

  /**
   * Puts rows back to work: failed downloads are downloaded again (the job is not resubmitted);
   * other failed, canceled or done rows get a new job with a fresh attempt budget. Rows still on
   * their way are left alone. Returns the keys requeued.
   *
   * @example
   * ```ts ignore
   * await manager.requeue({ phase: "failed" });
   * await manager.requeue({ keys: ["tile-007"] });
   * await manager.requeue({ where: (row) => row.reason?.includes("memory") ?? false });
   * ```
   */
  async requeue(
    which: { keys?: string[]; phase?: Phase | Phase[]; where?: (row: JobRow<Item>) => boolean },
  ): Promise<string[]> {
    const keys = which.keys ? new Set(which.keys) : undefined;
    const phases = which.phase === undefined
      ? undefined
      : new Set(Array.isArray(which.phase) ? which.phase : [which.phase]);
    for (const key of keys ?? []) {
      if (!this.table.get(key)) {
        throw new RangeError(`requeue: no row "${key}" in ${this.table.path}`);
      }
    }
    const requeued: string[] = [];
    for (const row of this.table.rows()) {
      if (!FINISHED.has(row.phase)) continue;
      if (keys && !keys.has(row.key)) continue;
      if (phases && !phases.has(row.phase)) continue;
      if (which.where && !which.where(row)) continue;
      const succeeded = row.attempts.at(-1)?.state === "succeeded";
      if (row.phase === "failed" && row.failure === "download" && succeeded) {
        row.phase = "downloading";
        row.downloadTries = 0;
      } else {
        row.phase = "pending";
        row.requeuedAt = row.attempts.length;
        row.files = undefined;
        if (!this.#pinned.has(row.key)) row.backend = undefined;
      }
      row.failure = undefined;
      row.reason = undefined;
      row.error = undefined;
      row.notBefore = undefined;
      await this.#save(row);
      requeued.push(row.key);
    }
    this.#afterOutsideWrite();
    return requeued;
  }

  /**
   * Cancels a row: a running job is stopped where its platform can (see
   * {@linkcode JobBackend.cancel}; the APEx Dispatch API only forgets the record while the job
   * runs on, and says so in the row), a waiting row is not submitted. Either way the row is
   * `canceled` and no new job is made for it until it is requeued.
   */
  async cancel(key: string, signal?: AbortSignal): Promise<JobRow<Item>> {
    const row = this.table.get(key);
    if (!row) throw new RangeError(`cancel: no row "${key}" in ${this.table.path}`);
    if (!FINISHED.has(row.phase)) {
      await this.#cancelRow(row, "canceled", "canceled by the user", signal);
    }
    this.#afterOutsideWrite();
    return row;
  }

  /** What the run achieved so far, from the table. */
  summary(): RunSummary {
    const rows = this.table.rows();
    const costs = rows.map((r) => r.cost).filter((c): c is number => typeof c === "number");
    return {
      counts: this.counts(),
      total: rows.length,
      failed: rows.filter((r) => r.phase === "failed").map((r) => ({
        key: r.key,
        reason: r.reason ?? r.error ?? "unknown",
        failure: r.failure,
        attempts: r.attempts.length,
      })),
      jobs: rows.reduce((n, r) => n + r.attempts.length, 0),
      jobMs: rows.reduce((n, r) => n + (r.durationMs ?? 0), 0),
      cost: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : undefined,
      limitAnswers: [...this.#lanes.values()].reduce((n, l) => n + l.limitAnswers, 0),
    };
  }

  /**
   * Runs until every row is done, failed or canceled, yielding every change, every platform
   * outage and its end, and a last `end` event with the summary (also when there was nothing to
   * do). Throws {@linkcode RunStoppedError} on the deadline or an error no retry fixes, and the
   * signal's reason on abort; the table stays consistent for a later run either way.
   */
  async *run(signal?: AbortSignal): AsyncGenerator<ManagerEvent<Item>, void, undefined> {
    const stop = new AbortController();
    const inner = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const channel = new Channel<ManagerEvent<Item>>();
    this.#emit = (e) => channel.push(e);
    this.#running = true;
    this.table.busy = true;
    const loop = this.#loop(inner).then(
      () => channel.close(),
      (error) => channel.fail(error),
    );
    let unreachable = false;
    try {
      yield* channel;
    } catch (error) {
      unreachable = error instanceof RunStoppedError && error.reason === "unreachable";
      throw error;
    } finally {
      stop.abort(new Error("the run's consumer stopped"));
      await loop;
      this.#running = false;
      this.table.busy = false;
      this.#emit = () => {};
      // A run that never reached its platform has nothing to resume: no table is left behind.
      if (
        unreachable && this.table.created && this.table.rows().every((r) => r.attempts.length === 0)
      ) await this.table.discard();
      else this.table.close();
    }
  }

  /**
   * Each backend runs a loop of its own, so one that is down (its requests sleeping through
   * retries) never holds up another; downloads are started from whichever loop is awake.
   */
  async #loop(signal: AbortSignal): Promise<void> {
    const { clock } = this.#o;
    this.#startedAt = clock.now();
    this.#finishedThisRun = 0;
    this.#localFault = undefined;
    const deadline = this.#o.deadlineMs === undefined
      ? undefined
      : this.#startedAt + this.#o.deadlineMs;
    const downloads = new Map<string, Promise<void>>();
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
        this.#startDownloads(downloads, inner);
        if (this.#localFault !== undefined) stopOnLocalFault(this.#localFault);
        if (over()) break;
        await this.#wait(this.#nextAt(lane, deadline), inner);
      }
      // The others may be waiting for work this loop will no longer hand out.
      this.#wakeAll();
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
      this.#emit({ kind: "end", summary: this.summary(), ...this.#totals() });
    } catch (error) {
      // The first loop's error, not the abort it caused in the others.
      throw stop.signal.aborted && !signal.aborted ? stop.signal.reason : error;
    } finally {
      clearTimeout(deadlineTimer);
      await Promise.allSettled(downloads.values());
    }
  }

  #deadlineError(): RunStoppedError {
    const c = this.counts();
    const left = this.table.size - c.done - c.failed - c.canceled;
    return new RunStoppedError(
      "deadline",
      `stopped at the deadline (${
        Math.round(this.#o.deadlineMs! / 1000)
      } s) with ${left} of ${this.table.size} rows unfinished; run again to go on`,
    );
  }

  #allFinished(): boolean {
    const c = this.counts();
    return c.done + c.failed + c.canceled === this.table.size;
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
    const counts = this.table.countsOf(lane.name);
    const running = counts.active + counts.submitting > 0;
    const unclear = counts.submitting > 0;
    let waiting = false;
    for (const phase of ["pending", "downloading"] as const) {
      for (const row of this.table.inPhase(phase)) {
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

  #wakeAll(): void {
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
    this.#emit({ kind: "platform", backend: lane.name, message: text, ...this.#totals() });
  }

  #rowsOf(lane: Lane<Item>, phase: Phase): JobRow<Item>[] {
    return [...this.table.inPhase(phase)].filter((r) => r.backend === lane.name);
  }

  #runningOn(lane: Lane<Item>): number {
    const counts = this.table.countsOf(lane.name);
    return counts.active + counts.submitting;
  }

  /** Rows whose submission may or may not have reached the platform: look for their tags. */
  async #reconcile(lane: Lane<Item>, signal: AbortSignal): Promise<void> {
    const unsure = this.#rowsOf(lane, "submitting");
    if (unsure.length === 0) return;
    const found = await lane.backend.findByTag(unsure.map((r) => r.attempts.at(-1)!.tag), signal);
    for (const row of unsure) {
      if (row.phase !== "submitting") continue;
      const attempt = row.attempts.at(-1)!;
      const id = found.get(attempt.tag);
      if (id) {
        attempt.jobId = id;
        row.phase = "active";
      } else {
        // Never created: submit again under the same tag, and no attempt was spent.
        row.attempts.pop();
        row.phase = "pending";
        if (row.attempts.length === 0 && !this.#pinned.has(row.key)) row.backend = undefined;
      }
      await this.#save(row);
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
        await this.#save(row);
      }
      const limit = this.#o.cancelAfterMs;
      if (
        row.phase === "active" && limit !== undefined && attempt.submittedAt !== undefined &&
        now - attempt.submittedAt > limit
      ) {
        await this.#cancelRow(
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

  async #submitSome(lane: Lane<Item>, signal: AbortSignal): Promise<void> {
    let running = this.#runningOn(lane);
    let room = lane.capacity(running, this.#o.clock.now());
    if (room <= 0) return;
    const now = this.#o.clock.now();
    for (const row of this.table.inPhase("pending")) {
      if (room <= 0) break;
      if (row.phase !== "pending" || (row.notBefore ?? 0) > now) continue;
      if (row.backend !== undefined && row.backend !== lane.name) continue;
      const outcome = await this.#submit(lane, row, signal);
      if (outcome === "stop") break;
      if (RUNNING.has(row.phase)) running++;
      room = lane.capacity(running, this.#o.clock.now());
    }
  }

  /** Takes back a submission that made no job: the row waits again, on any backend unless pinned. */
  #withdraw(row: JobRow<Item>, error: string | undefined): void {
    withdrawn(row, error, this.#pinned.has(row.key));
  }

  async #submit(lane: Lane<Item>, row: JobRow<Item>, signal: AbortSignal): Promise<"ok" | "stop"> {
    const n = row.attempts.length + 1;
    const tag = `${this.#o.tagPrefix}:${row.key}#${n}`;
    const now = this.#o.clock.now();
    row.attempts.push({ n, tag, submittedAt: now });
    row.backend = lane.name;
    row.phase = "submitting";
    row.notBefore = undefined;
    await this.#save(row);
    const attempt = row.attempts.at(-1)!;
    try {
      attempt.jobId = await lane.backend.submit(row.item, tag, signal);
      // cancel() may have run while the request was out.
      if ((row.phase as Phase) === "canceled") {
        await this.#stopJob(lane, row, attempt.jobId, signal);
        await this.#save(row);
        return "ok";
      }
      row.phase = "active";
      row.error = undefined;
      lane.submitted();
      await this.#save(row);
      return "ok";
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!lane.answered && connectFailure(error)) {
        // Nothing reached the platform, so no job was made: the attempt never happened.
        this.#withdraw(row, undefined);
        await this.#save(row);
        throw error;
      }
      const kind = classifyError(error);
      if (kind === "limit") {
        // Backpressure, not failure: nothing was created and no attempt is spent.
        this.#withdraw(row, `waiting: ${lane.name}'s concurrent-job limit is reached`);
        // Saved first: until then the table still counts this row as one of the lane's running
        // jobs, and a cap one too high makes the next round try again at once, and again.
        await this.#save(row);
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
        await this.#save(row);
        return "ok";
      }
      if (kind === "auth") {
        row.attempts.pop();
        row.phase = "pending";
        await this.#save(row);
        throw error;
      }
      // The request may have created the job before failing: reconcile finds out next round.
      row.error = `submission unclear (${message(error)}); checking with the platform`;
      lane.submissionUnclear(this.#o.clock.now(), retryAfter(error, this.#o.maxRetryAfterMs));
      await this.#save(row);
      return "stop";
    }
  }

  /** Stops following a row: `canceled` by the user, or failed for running out of time. */
  async #cancelRow(
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
    await this.#save(row);
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

  #startDownloads(downloads: Map<string, Promise<void>>, signal: AbortSignal): void {
    const now = this.#o.clock.now();
    for (const row of this.table.inPhase("downloading")) {
      if (downloads.size >= this.#o.downloadConcurrency) return;
      if (row.phase !== "downloading" || downloads.has(row.key) || (row.notBefore ?? 0) > now) {
        continue;
      }
      const lane = this.#lanes.get(row.backend ?? "");
      if (!lane || (lane.downSince !== undefined && now < lane.retryAt)) continue;
      downloads.set(
        row.key,
        this.#download(lane, row, signal).catch((error) => {
          this.#localFault ??= error;
        }).finally(() => {
          downloads.delete(row.key);
          this.#wakeAll();
        }),
      );
    }
  }

  async #download(lane: Lane<Item>, row: JobRow<Item>, signal: AbortSignal): Promise<void> {
    const id = row.attempts.at(-1)!.jobId!;
    try {
      const files = await lane.backend.results(id, signal);
      await downloadAll(
        files.map((f) => ({
          url: f.url,
          path: `${row.key}/${f.path}`,
          size: f.size,
          checksum: f.checksum,
        })),
        { dir: this.#o.dir, signal, http: lane.backend.http },
      );
      if (row.phase !== "downloading") return;
      row.files = files.map((f) => `${row.key}/${f.path}`);
      row.phase = "done";
      row.error = undefined;
      row.notBefore = undefined;
      this.#finishedThisRun++;
    } catch (error) {
      if (signal.aborted || row.phase !== "downloading") return;
      // A full disk is not the file's fault: the run stops, the row stays to download later.
      if (isDiskFull(error)) {
        this.#localFault ??= error;
        return;
      }
      if (error instanceof UnsafePathError) {
        // A name no file system here can hold (or one that climbs out of the folder) does not
        // change when asked again: the row fails now, with the name and the reason.
        row.phase = "failed";
        row.failure = "download";
        row.reason = message(error);
        row.error = `the platform named a result file that cannot be written: ${message(error)}`;
        await this.#save(row);
        return;
      }
      downloadFailed(
        row,
        message(error),
        classifyError(error),
        retryAfter(error, this.#o.maxRetryAfterMs),
        this.#rules(),
      );
    }
    await this.#save(row);
  }

  /** Failed downloads of finished jobs are tried again when a run folder is opened. */
  async #retryDownloadsOnResume(): Promise<void> {
    if (!this.#o.download) return;
    for (const row of [...this.table.inPhase("failed")]) {
      if (
        row.phase === "failed" && row.failure === "download" &&
        row.attempts.at(-1)?.state === "succeeded"
      ) {
        row.phase = "downloading";
        row.downloadTries = 0;
        row.failure = undefined;
        row.notBefore = undefined;
        await this.#save(row);
      }
    }
  }

  async #save(row: JobRow<Item>): Promise<void> {
    row.updated = this.#o.clock.now();
    await this.table.put(row);
    // Another backend with room may take a row put back without one.
    if (row.phase === "pending" && row.backend === undefined) this.#wakeAll();
    this.#emit({ kind: "row", row: structuredClone(row), ...this.#totals() });
  }

  /** Writes outside `run()` reopen the table's file; close it again so nothing leaks. */
  #afterOutsideWrite(): void {
    if (this.#running) this.#wakeAll();
    else this.table.close();
  }

  #totals(): ManagerTotals {
    const counts = this.counts();
    const remaining = this.table.size - counts.done - counts.failed - counts.canceled;
    const elapsed = this.#o.clock.now() - this.#startedAt;
    const unreachable: Record<string, number> = {};
    for (const lane of this.#lanes.values()) {
      if (lane.downSince !== undefined) unreachable[lane.name] = lane.downSince;
    }
    return {
      counts,
      total: this.table.size,
      etaMs: this.#finishedThisRun > 0 ? (elapsed / this.#finishedThisRun) * remaining : undefined,
      unreachable,
    };
  }
}

function makeLanes<Item>(options: JobManagerOptions<Item>): Map<string, Lane<Item>> {
  const configs: Record<string, BackendConfig<Item>> = {};
  if (options.backend) configs[options.backend.name] = { backend: options.backend };
  for (const [name, value] of Object.entries(options.backends ?? {})) {
    configs[name] = typeof (value as JobBackend<Item>).submit === "function"
      ? { backend: value as JobBackend<Item> }
      : value as BackendConfig<Item>;
  }
  if (Object.keys(configs).length === 0) {
    throw new RangeError("JobManager.open: give a backend, or backends by name");
  }
  const lanes = new Map<string, Lane<Item>>();
  for (const [name, config] of Object.entries(configs)) {
    const slots = config.concurrency ?? options.concurrency ?? 4;
    if (!Number.isInteger(slots) || slots < 1) {
      throw new RangeError(
        `backend "${name}": concurrency ${slots}; give a whole number of 1 or more`,
      );
    }
    lanes.set(
      name,
      new Lane(name, config.backend, {
        slots,
        pollIntervalMs: options.pollIntervalMs ?? 2_000,
        limitProbeMs: options.limitProbeMs ?? 60_000,
        outage: options.outageBackoff ?? {},
      }),
    );
  }
  return lanes;
}

function checkPlatform(recorded: TableMeta | undefined, now: TableMeta, path: string): void {
  for (const [name, was] of Object.entries(recorded?.backends ?? {})) {
    const is = now.backends[name];
    if (!is) continue;
    if (
      is.url !== was.url ||
      (was.user !== undefined && is.user !== undefined && is.user !== was.user)
    ) {
      throw new TableMismatchError(
        `${path} belongs to ${was.url}${
          was.user ? ` as ${was.user}` : ""
        }, but backend "${name}" ` +
          `now talks to ${is.url}${
            is.user ? ` as ${is.user}` : ""
          }: its jobs do not exist there. ` +
          `Open it with mode "new" to start a fresh table (the old one is kept), or choose another folder`,
      );
    }
  }
}

async function addItems<Item>(
  table: JobTable<Item>,
  items: WorkItem<Item>[],
  texts: ReadonlyMap<string, string>,
  pinned: Map<string, string>,
  options: JobManagerOptions<Item>,
): Promise<string[]> {
  const { stored, changed } = table.compareItems(texts);
  if (changed.length > 0 && (options.mode ?? "resume") === "resume") {
    throw new TableMismatchError(
      `${table.path}: ${changed.length} item(s) changed under an existing key (${
        changed.slice(0, 5).join(", ")
      }${
        changed.length > 5 ? ", ..." : ""
      }); open with mode "merge" to run them again, or "new" to start afresh`,
    );
  }
  const now = (options.clock ?? systemClock).now();
  const added: JobRow<Item>[] = [];
  const again = new Set(changed);
  for (const { key, item } of items) {
    if (stored.has(key) && !again.has(key)) continue;
    const row = table.get(key);
    if (row && RUNNING.has(row.phase)) {
      throw new TableMismatchError(
        `${table.path}: item "${key}" changed while its job is running; wait for it or cancel it first`,
      );
    }
    added.push({
      key,
      item,
      phase: "pending",
      attempts: row?.attempts ?? [],
      requeuedAt: row?.attempts.length,
      backend: pinned.get(key),
      updated: now,
    });
  }
  await table.putMany(added);
  return changed;
}

/** An item is stored as JSON and sent as JSON: one that JSON cannot hold is refused by key. */
function itemText(key: string, item: unknown): string {
  try {
    return JSON.stringify(item ?? null);
  } catch (error) {
    throw new RangeError(
      `work item "${key}": its item cannot be stored (${
        (error as Error).message
      }); give plain JSON values (no BigInt, no cycles)`,
    );
  }
}
