/**
 * The job table of a client-side upscaling run: one row per work item, kept as JSON Lines in
 * the run's folder and appended after every change, so a run killed at any moment can be
 * resumed. On open the log is read (a torn last line is ignored) and compacted atomically.
 *
 * @module
 */
import type { JobState } from "../jobs/state.ts";

/** Where a work item is in the manager's life cycle. */
export type Phase = "pending" | "submitting" | "active" | "downloading" | "done" | "failed";

/** One job attempt of a work item. */
export interface Attempt {
  /** 1-based attempt number. */
  n: number;
  /** The tag the job was submitted with (its title), to find it again after a crash. */
  tag: string;
  /** Platform job id, once known. */
  jobId?: string;
  /** Last normalized state seen. */
  state?: JobState;
  /** Last raw status seen. */
  raw?: string;
}

/** A row of the table. */
export interface JobRow<Item = unknown> {
  /** The work item's key (tile id, parameter value). */
  key: string;
  /** The work item itself. */
  item: Item;
  /** Where it is. */
  phase: Phase;
  /** Every attempt, the current one last. */
  attempts: Attempt[];
  /** Do not submit again before this time (ms), after a failure. */
  notBefore?: number;
  /** Downloaded files, relative to the run folder. */
  files?: string[];
  /** Last error, for people. */
  error?: string;
  /** Last change (ms since the epoch). */
  updated: number;
}

/** Options of {@linkcode JobTable.open}. */
export interface JobTableOptions {
  /** Flush every write to the disk (survives power loss, not just a killed process). Default false. */
  durable?: boolean;
}

/**
 * The table, in memory and on disk.
 *
 * @example
 * ```ts
 * import { JobTable } from "./table.ts";
 * const dir = await Deno.makeTempDir();
 * const table = await JobTable.open(`${dir}/jobs.jsonl`);
 * await table.put({ key: "t1", item: {}, phase: "pending", attempts: [], updated: 0 });
 * console.assert((await JobTable.open(`${dir}/jobs.jsonl`)).get("t1")?.phase === "pending");
 * table.close();
 * ```
 */
export class JobTable<Item = unknown> {
  /** The log file. */
  readonly path: string;
  readonly #rows = new Map<string, JobRow<Item>>();
  // Phases as last written: rows are mutated in place before put(), so this is the only record
  // of where a row came from, and keeps counting O(1) per change.
  readonly #phaseOf = new Map<string, Phase>();
  readonly #counts: Record<Phase, number> = {
    pending: 0,
    submitting: 0,
    active: 0,
    downloading: 0,
    done: 0,
    failed: 0,
  };
  #file?: Deno.FsFile;
  readonly #durable: boolean;
  readonly #encoder = new TextEncoder();

  private constructor(path: string, durable: boolean) {
    this.path = path;
    this.#durable = durable;
  }

  /** Opens (or creates) the table at `path`, reading and compacting what is there. */
  static async open<Item = unknown>(
    path: string,
    options: JobTableOptions = {},
  ): Promise<JobTable<Item>> {
    const table = new JobTable<Item>(path, options.durable ?? false);
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const row = JSON.parse(line) as JobRow<Item>;
        table.#track(row);
      } catch {
        // A line torn by a kill mid-write; the row before it is still in the log.
      }
    }
    const compact = [...table.#rows.values()].map((r) => JSON.stringify(r) + "\n").join("");
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir !== path) await Deno.mkdir(dir, { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, compact);
    await Deno.rename(temp, path);
    table.#file = await Deno.open(path, { append: true, create: true });
    return table;
  }

  /** A row by key. */
  get(key: string): JobRow<Item> | undefined {
    return this.#rows.get(key);
  }

  /** Every row, in insertion order. */
  rows(): JobRow<Item>[] {
    return [...this.#rows.values()];
  }

  /** Number of rows. */
  get size(): number {
    return this.#rows.size;
  }

  /** Rows by phase. */
  counts(): Record<Phase, number> {
    return { ...this.#counts };
  }

  #track(row: JobRow<Item>): void {
    const before = this.#phaseOf.get(row.key);
    if (before) this.#counts[before]--;
    this.#counts[row.phase]++;
    this.#phaseOf.set(row.key, row.phase);
    this.#rows.set(row.key, row);
  }

  /** Stores a row and appends it to the log before returning. */
  async put(row: JobRow<Item>): Promise<void> {
    this.#track(row);
    const bytes = this.#encoder.encode(JSON.stringify(row) + "\n");
    for (let off = 0; off < bytes.length;) off += await this.#file!.write(bytes.subarray(off));
    if (this.#durable) await this.#file!.syncData();
  }

  /** Closes the log file. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
