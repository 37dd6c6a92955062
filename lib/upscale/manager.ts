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
import { Channel } from "./channel.ts";
import { RunStoppedError } from "./errors.ts";
import type { ManagerEvent, PhaseCounts, RunSummary } from "./events.ts";
import type { Lane } from "./lane.ts";
import { RunLoop } from "./loop.ts";
import { addItems, checkItems, checkPlatform, identities, makeLanes } from "./open.ts";
import { type JobManagerOptions, resolveOptions, type WorkItem } from "./options.ts";
import type { JobRow, Phase } from "./row.ts";
import { downloadAgain, downloadMayRetry, FINISHED } from "./row_rules.ts";
import { JobTable } from "./table.ts";

const KEYS_FIX = "give the key of a work item this run was opened with";
import { InputError } from "../input_error.ts";

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
  readonly #pinned: ReadonlyMap<string, string>;
  readonly #loop: RunLoop<Item>;
  readonly #download: boolean;
  #running = false;

  private constructor(
    table: JobTable<Item>,
    lanes: Map<string, Lane<Item>>,
    pinned: Map<string, string>,
    options: JobManagerOptions<Item>,
    extra: { previousTable?: string; changedKeys: string[] },
  ) {
    this.table = table;
    this.#pinned = pinned;
    this.previousTable = extra.previousTable;
    this.changedKeys = extra.changedKeys;
    const resolved = resolveOptions(options, lanes.size);
    this.#download = resolved.download;
    this.#loop = new RunLoop(table, lanes, pinned, resolved);
  }

  /** Opens the run folder, adding rows for items not yet in its table; see {@linkcode OpenMode}. */
  static async open<Item>(
    items: WorkItem<Item>[],
    options: JobManagerOptions<Item>,
  ): Promise<JobManager<Item>> {
    const lanes = makeLanes(options);
    const { texts, pinned } = checkItems(items, lanes);
    const meta = await identities(lanes);
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
    return this.#loop.counts();
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
        throw new InputError("requeue: keys", `no row "${key}" in ${this.table.path}`, KEYS_FIX);
      }
    }
    const requeued: string[] = [];
    for (const row of this.table.rows()) {
      if (!FINISHED.has(row.phase)) continue;
      if (keys && !keys.has(row.key)) continue;
      if (phases && !phases.has(row.phase)) continue;
      if (which.where && !which.where(row)) continue;
      if (downloadMayRetry(row)) downloadAgain(row);
      else {
        row.phase = "pending";
        row.requeuedAt = row.attempts.length;
        row.files = undefined;
        if (!this.#pinned.has(row.key)) row.backend = undefined;
      }
      row.failure = undefined;
      row.reason = undefined;
      row.error = undefined;
      row.notBefore = undefined;
      await this.#loop.save(row);
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
    if (!row) {
      throw new InputError("cancel: key", `no row "${key}" in ${this.table.path}`, KEYS_FIX);
    }
    if (!FINISHED.has(row.phase)) {
      await this.#loop.cancelRow(row, "canceled", "canceled by the user", signal);
    }
    this.#afterOutsideWrite();
    return row;
  }

  /** What the run achieved so far, from the table. */
  summary(): RunSummary {
    return this.#loop.summary();
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
    this.#loop.emit = (e) => channel.push(e);
    this.#running = true;
    this.table.busy = true;
    const loop = this.#loop.run(inner).then(
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
      this.#loop.emit = () => {};
      // A run that never reached its platform has nothing to resume: no table is left behind.
      if (
        unreachable && this.table.created && this.table.rows().every((r) => r.attempts.length === 0)
      ) await this.table.discard();
      else this.table.close();
    }
  }

  /** Failed downloads of finished jobs are tried again when a run folder is opened. */
  async #retryDownloadsOnResume(): Promise<void> {
    if (!this.#download) return;
    for (const row of [...this.table.inPhase("failed")]) {
      if (!downloadMayRetry(row)) continue;
      downloadAgain(row);
      await this.#loop.save(row);
    }
  }

  /** Writes outside `run()` reopen the table's file; close it again so nothing leaks. */
  #afterOutsideWrite(): void {
    if (this.#running) this.#loop.wakeAll();
    else this.table.close();
  }
}
