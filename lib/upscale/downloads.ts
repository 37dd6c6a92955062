/**
 * The job manager's download pool: the files of finished jobs are fetched here, a few at once for
 * all backends together, so a slow store never holds a job slot. A broken transfer waits and
 * goes on, a file refused spends a try (see the row rules), a name no disk here can hold fails
 * the row at once, and a full disk is handed to the run, which stops.
 *
 * @module
 */
import { downloadJobFiles } from "../download/job_files.ts";
import { UnsafePathError } from "../download/safe_path.ts";
import { isDiskFull } from "../fs/disk_full.ts";
import type { JobFile } from "../jobs/contract.ts";
import { classifyError, retryAfter } from "../jobs/failures.ts";
import { message } from "./errors.ts";
import type { Lane } from "./lane.ts";
import type { JobRow } from "./row.ts";
import { downloadFailed, type RuleContext } from "./row_rules.ts";
import type { JobTable } from "./table.ts";

/** What a pool needs of its run. */
export interface PoolContext<Item> {
  /** The rows; those `downloading` are the pool's work. */
  table: JobTable<Item>;
  /** The backends by name: a row's files come through its backend's HTTP core. */
  lanes: ReadonlyMap<string, Lane<Item>>;
  /** The run folder: each row's files go to `KEY/`. */
  dir: string;
  /** Downloads at once. */
  concurrency: number;
  /** Longest `Retry-After` honoured, ms. */
  maxRetryAfterMs: number;
  /** Now, ms. */
  now(): number;
  /** The row rules' context. */
  rules(): RuleContext;
  /** Writes a changed row. */
  save(row: JobRow<Item>): Promise<void>;
  /** A download ended: work waiting for room in the pool may go on. */
  ended(): void;
  /** Every file of a row arrived. */
  finished(): void;
}

/**
 * The downloads of one run.
 *
 * @example
 * ```ts ignore
 * const pool = new DownloadPool(context);
 * pool.start(signal);
 * if (pool.fault !== undefined) throw pool.fault;
 * await pool.settled();
 * ```
 */
export class DownloadPool<Item> {
  readonly #ctx: PoolContext<Item>;
  readonly #running = new Map<string, Promise<void>>();
  #fault?: unknown;

  /** A pool for the run described by `ctx`. */
  constructor(ctx: PoolContext<Item>) {
    this.#ctx = ctx;
  }

  /** Downloads in flight. */
  get size(): number {
    return this.#running.size;
  }

  /** The first fault of this machine a download met (a full disk, a table that cannot be written). */
  get fault(): unknown {
    return this.#fault;
  }

  /** Starts what fits: rows due for download whose platform is not down. */
  start(signal: AbortSignal): void {
    const now = this.#ctx.now();
    for (const row of this.#ctx.table.inPhase("downloading")) {
      if (this.#running.size >= this.#ctx.concurrency) return;
      if (
        row.phase !== "downloading" || this.#running.has(row.key) || (row.notBefore ?? 0) > now
      ) continue;
      const lane = this.#ctx.lanes.get(row.backend ?? "");
      if (!lane || (lane.downSince !== undefined && now < lane.retryAt)) continue;
      this.#running.set(
        row.key,
        this.#download(lane, row, signal).catch((error) => {
          this.#fault ??= error;
        }).finally(() => {
          this.#running.delete(row.key);
          this.#ctx.ended();
        }),
      );
    }
  }

  /** Waits for every download in flight to end, however it ends. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#running.values());
  }

  async #download(lane: Lane<Item>, row: JobRow<Item>, signal: AbortSignal): Promise<void> {
    const id = row.attempts.at(-1)!.jobId!;
    try {
      // The path every job handle downloads by: links that expire on the way are listed again.
      let files: JobFile[] = [];
      await downloadJobFiles(
        async (s) => files = await lane.backend.results(id, s),
        `${this.#ctx.dir}/${row.key}`,
        { signal, http: lane.backend.http, what: "result path" },
      );
      if (row.phase !== "downloading") return;
      row.files = files.map((f) => `${row.key}/${f.path}`);
      row.phase = "done";
      row.error = undefined;
      row.notBefore = undefined;
      this.#ctx.finished();
    } catch (error) {
      if (signal.aborted || row.phase !== "downloading") return;
      // A full disk is not the file's fault: the run stops, the row stays to download later.
      if (isDiskFull(error)) {
        this.#fault ??= error;
        return;
      }
      if (error instanceof UnsafePathError) {
        // A name no file system here can hold (or one that climbs out of the folder) does not
        // change when asked again: the row fails now, with the name and the reason.
        row.phase = "failed";
        row.failure = "download";
        row.reason = message(error);
        row.error = `the platform named a result file that cannot be written: ${message(error)}`;
        await this.#ctx.save(row);
        return;
      }
      downloadFailed(
        row,
        message(error),
        classifyError(error),
        retryAfter(error, this.#ctx.maxRetryAfterMs),
        this.#ctx.rules(),
      );
    }
    await this.#ctx.save(row);
  }
}
