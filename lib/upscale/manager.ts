/**
 * A client-side job manager, in the spirit of openEO's MultiBackendJobManager: it takes work
 * items, keeps at most N jobs running, retries failed ones with backoff, downloads results, and
 * writes its table after every change. Killed at any moment and started again on the same
 * folder, it goes on: the intent is written before each submission and reconciled with the
 * platform's job list on start, so no job is submitted twice and none is lost, and finished
 * downloads are not repeated.
 *
 * @module
 */
import { downloadAll } from "../download/download.ts";
import { HttpError } from "../http/errors.ts";
import { isTerminal } from "../jobs/state.ts";
import { backoffDelay } from "../time/backoff.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { type Sleep, sleep as realSleep } from "../time/sleep.ts";
import type { JobBackend } from "./backend.ts";
import { type JobRow, JobTable, type Phase } from "./table.ts";

/** One unit of work. */
export interface WorkItem<Item> {
  /** Unique, stable key (a tile id): it names the row, the tag and the download folder. */
  key: string;
  /** What the backend submits. */
  item: Item;
}

/** Options of {@linkcode JobManager.open}. */
export interface JobManagerOptions<Item> {
  /** The platform. */
  backend: JobBackend<Item>;
  /** Run folder: the table (`jobs.jsonl`) and one folder of results per item. */
  dir: string;
  /** Jobs running at once. Default 4. */
  concurrency?: number;
  /** Attempts per item, the first included. Default 3. */
  maxAttempts?: number;
  /** First retry delay in ms (grows with each attempt). Default 5 000. */
  retryDelayMs?: number;
  /** Time between status polls in ms. Default 2 000. */
  pollIntervalMs?: number;
  /** Download each finished job's files. Default true. */
  download?: boolean;
  /** Prefix of job tags, to tell this run's jobs from others. Default `"eojobs"`. */
  tagPrefix?: string;
  /** Sync every table write to disk. Default false (a killed process loses nothing either way). */
  durable?: boolean;
  /** Clock. */
  clock?: Clock;
  /** Sleep between polls. */
  sleep?: Sleep;
}

/** Counts by phase. */
export type PhaseCounts = Record<Phase, number>;

/** One change, with the totals after it. */
export interface ManagerEvent<Item> {
  /** The row that changed. */
  row: JobRow<Item>;
  /** Rows by phase. */
  counts: PhaseCounts;
  /** Rows in all. */
  total: number;
  /** Estimated ms until all rows are done, once something finished in this run. */
  etaMs?: number;
}

/**
 * The manager.
 *
 * @example
 * ```ts ignore
 * import { JobManager } from "./manager.ts";
 * const manager = await JobManager.open(tiles.map((t, i) => ({ key: `tile-${i}`, item: t })), { backend, dir: "out/run" });
 * for await (const e of manager.run()) console.log(e.row.key, e.row.phase, e.counts.done, "/", e.total);
 * ```
 */
export class JobManager<Item> {
  /** The table. */
  readonly table: JobTable<Item>;
  readonly #o: Required<Omit<JobManagerOptions<Item>, "clock" | "sleep">> & {
    clock: Clock;
    sleep: Sleep;
  };
  #startedAt = 0;
  #finishedThisRun = 0;

  private constructor(table: JobTable<Item>, options: JobManagerOptions<Item>) {
    this.table = table;
    this.#o = {
      concurrency: 4,
      maxAttempts: 3,
      retryDelayMs: 5_000,
      pollIntervalMs: 2_000,
      download: true,
      tagPrefix: "eojobs",
      durable: false,
      clock: systemClock,
      sleep: realSleep,
      ...options,
    };
  }

  /** Opens the run folder, adding rows for items not yet in its table. */
  static async open<Item>(
    items: WorkItem<Item>[],
    options: JobManagerOptions<Item>,
  ): Promise<JobManager<Item>> {
    const keys = new Set<string>();
    for (const { key } of items) {
      if (!/^[A-Za-z0-9._-]+$/.test(key)) {
        throw new RangeError(
          `work item key "${key}": use letters, digits, '.', '_' and '-' only (it names a folder)`,
        );
      }
      if (keys.has(key)) {
        throw new RangeError(`work item key "${key}" appears twice; keys must be unique`);
      }
      keys.add(key);
    }
    const table = await JobTable.open<Item>(`${options.dir}/jobs.jsonl`, {
      durable: options.durable,
    });
    const manager = new JobManager(table, options);
    for (const { key, item } of items) {
      if (!table.get(key)) {
        await table.put({
          key,
          item,
          phase: "pending",
          attempts: [],
          updated: manager.#o.clock.now(),
        });
      }
    }
    return manager;
  }

  /** Rows by phase. */
  counts(): PhaseCounts {
    return this.table.counts();
  }

  /** Runs until every item is done or has failed for good, yielding every change. */
  async *run(signal?: AbortSignal): AsyncGenerator<ManagerEvent<Item>, void, undefined> {
    const { backend, clock } = this.#o;
    this.#startedAt = clock.now();
    this.#finishedThisRun = 0;
    const changes: JobRow<Item>[] = [];
    const save = async (row: JobRow<Item>) => {
      row.updated = clock.now();
      await this.table.put(row);
      changes.push(structuredClone(row));
    };
    const flush = function* (this: JobManager<Item>) {
      while (changes.length) yield this.#event(changes.shift()!);
    }.bind(this);

    try {
      while (true) {
        signal?.throwIfAborted();
        await this.#reconcile(save, signal);
        yield* flush();

        for (
          const row of this.counts().downloading > 0
            ? this.table.rows().filter((r) => r.phase === "downloading")
            : []
        ) {
          await this.#download(row, save, signal);
          yield* flush();
        }

        const now = clock.now();
        const counted = this.counts();
        let active = counted.active + counted.submitting;
        for (const row of counted.pending > 0 ? this.table.rows() : []) {
          if (active >= this.#o.concurrency) break;
          if (row.phase !== "pending" || (row.notBefore ?? 0) > now) continue;
          await this.#submit(row, save, signal);
          active++;
          yield* flush();
        }

        const running = this.table.rows().filter((r) => r.phase === "active");
        if (running.length > 0) {
          const statuses = await backend.statuses(
            running.map((r) => r.attempts.at(-1)!.jobId!),
            signal,
          );
          for (const row of running) {
            const attempt = row.attempts.at(-1)!;
            const s = statuses.get(attempt.jobId!);
            if (!s || (s.raw === attempt.raw && s.state === attempt.state)) continue;
            attempt.state = s.state;
            attempt.raw = s.raw;
            if (s.state === "succeeded") {
              row.phase = this.#o.download ? "downloading" : "done";
              if (!this.#o.download) this.#finishedThisRun++;
            } else if (isTerminal(s.state)) {
              if (row.attempts.length < this.#o.maxAttempts) {
                row.phase = "pending";
                row.notBefore = clock.now() + this.#o.retryDelayMs * 2 ** (row.attempts.length - 1);
                row.error = `attempt ${attempt.n} ended ${s.raw}; retrying`;
              } else {
                row.phase = "failed";
                row.error = `gave up after ${row.attempts.length} attempts (last: ${s.raw})`;
              }
            }
            await save(row);
          }
          yield* flush();
        }

        const counts = this.counts();
        if (counts.done + counts.failed === this.table.size) return;
        if (counts.downloading > 0) continue;
        await this.#o.sleep(this.#o.pollIntervalMs, signal);
      }
    } finally {
      this.table.close();
    }
  }

  #event(row: JobRow<Item>): ManagerEvent<Item> {
    const counts = this.counts();
    const remaining = this.table.size - counts.done - counts.failed;
    const elapsed = this.#o.clock.now() - this.#startedAt;
    return {
      row,
      counts,
      total: this.table.size,
      etaMs: this.#finishedThisRun > 0 ? (elapsed / this.#finishedThisRun) * remaining : undefined,
    };
  }

  /** Rows whose submission may or may not have reached the platform: look for their tags. */
  async #reconcile(save: (row: JobRow<Item>) => Promise<void>, signal?: AbortSignal) {
    if (this.counts().submitting === 0) return;
    const unsure = this.table.rows().filter((r) => r.phase === "submitting");
    const found = await this.#o.backend.findByTag(
      unsure.map((r) => r.attempts.at(-1)!.tag),
      signal,
    );
    for (const row of unsure) {
      const attempt = row.attempts.at(-1)!;
      const id = found.get(attempt.tag);
      if (id) {
        attempt.jobId = id;
        row.phase = "active";
      } else {
        // Never created: submit again under the same tag.
        row.attempts.pop();
        row.phase = "pending";
      }
      await save(row);
    }
  }

  async #submit(
    row: JobRow<Item>,
    save: (row: JobRow<Item>) => Promise<void>,
    signal?: AbortSignal,
  ) {
    const n = row.attempts.length + 1;
    const tag = `${this.#o.tagPrefix}:${row.key}#${n}`;
    row.attempts.push({ n, tag });
    row.phase = "submitting";
    row.notBefore = undefined;
    await save(row);
    try {
      row.attempts.at(-1)!.jobId = await this.#o.backend.submit(row.item, tag, signal);
      row.phase = "active";
      row.error = undefined;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (
        error instanceof HttpError && error.status >= 400 && error.status < 500 &&
        error.status !== 429
      ) {
        // Refused outright: nothing was created, and the same request would be refused again.
        row.phase = "failed";
        row.error = error.message;
      } else {
        // The request may have created the job before failing: reconcile finds out next round.
        row.error = `submission unclear (${(error as Error).message}); checking with the platform`;
        row.notBefore = this.#o.clock.now() + backoffDelay(n, { baseMs: 1_000 });
      }
    }
    await save(row);
  }

  async #download(
    row: JobRow<Item>,
    save: (row: JobRow<Item>) => Promise<void>,
    signal?: AbortSignal,
  ) {
    const id = row.attempts.at(-1)!.jobId!;
    try {
      const files = await this.#o.backend.results(id, signal);
      await downloadAll(
        files.map((f) => ({ url: f.url, path: `${row.key}/${f.path}`, size: f.size })),
        {
          dir: this.#o.dir,
          signal,
        },
      );
      row.files = files.map((f) => `${row.key}/${f.path}`);
      row.phase = "done";
      row.error = undefined;
      this.#finishedThisRun++;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      row.error = `download failed: ${(error as Error).message}`;
      row.phase = "failed";
    }
    await save(row);
  }
}
