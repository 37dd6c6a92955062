/**
 * The job table of a client-side upscaling run: one row per work item, kept as JSON Lines in
 * the run's folder and appended after every change, so a run killed at any moment can be
 * resumed. On open the log is read (a torn last line is ignored) and compacted atomically.
 *
 * @module
 */
import type { JobState } from "../jobs/state.ts";

/** Where a work item is in the manager's life cycle. */
export type Phase =
  | "pending"
  | "submitting"
  | "active"
  | "downloading"
  | "done"
  | "failed"
  | "canceled";

/** Every {@linkcode Phase}, in life-cycle order. */
export const PHASES: readonly Phase[] = [
  "pending",
  "submitting",
  "active",
  "downloading",
  "done",
  "failed",
  "canceled",
];

/**
 * Why a row failed, which decides what a retry does: `job` (the platform says the job failed:
 * a new job), `download` (the job succeeded, its files did not arrive: download again, never
 * resubmit), `refused` (the platform refused the request itself: fix the item first),
 * `timeout` (ran longer than `cancelAfterMs`).
 */
export type FailureClass = "job" | "download" | "refused" | "timeout";

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
  /** When it was submitted (ms since the epoch). */
  submittedAt?: number;
  /** When it was seen to end (ms since the epoch). */
  endedAt?: number;
}

/** A row of the table. */
export interface JobRow<Item = unknown> {
  /** The work item's key (tile id, parameter value). */
  key: string;
  /** The work item itself. */
  item: Item;
  /** Where it is. */
  phase: Phase;
  /** The backend that runs it (kept on resume). */
  backend?: string;
  /** Every attempt, the current one last. */
  attempts: Attempt[];
  /** Do not submit again before this time (ms), after a failure. */
  notBefore?: number;
  /** Downloaded files, relative to the run folder. */
  files?: string[];
  /** Last error, for people. */
  error?: string;
  /** Why it failed, when it did. */
  failure?: FailureClass;
  /** The platform's own failure message, when it gives one. */
  reason?: string;
  /** Run time of the last job, submission to end, in ms. */
  durationMs?: number;
  /** What the last job cost, where the platform reports it (credits). */
  cost?: number;
  /** Download tries of the current job's files. */
  downloadTries?: number;
  /** Attempts made before the last requeue: the attempt limit counts from here. */
  requeuedAt?: number;
  /** Last change (ms since the epoch). */
  updated: number;
}

/** Which platform (URL, user) a table's jobs belong to, per backend name. */
export interface TableMeta {
  /** Backend name to its platform. */
  backends: Record<string, { url: string; user?: string }>;
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
    canceled: 0,
  };
  #meta?: TableMeta;
  #writes: Promise<void> = Promise.resolve();
  #ignored = 0;
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
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        // A line torn by a kill mid-write; the row before it is still in the log.
        table.#ignored++;
        continue;
      }
      if (isMeta(value)) table.#meta = value.meta;
      else if (isRow(value)) table.#track(value as JobRow<Item>);
      else table.#ignored++;
    }
    const lines = [...table.#rows.values()].map((r) => JSON.stringify(r) + "\n");
    if (table.#meta) lines.unshift(JSON.stringify({ meta: table.#meta }) + "\n");
    const compact = lines.join("");
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir !== path) await Deno.mkdir(dir, { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, compact);
    await Deno.rename(temp, path);
    table.#file = await Deno.open(path, { append: true, create: true });
    return table;
  }

  /** The platforms the rows belong to, once recorded. */
  get meta(): TableMeta | undefined {
    return this.#meta;
  }

  /** Lines of the log that were neither a row nor the meta line (torn or foreign), skipped. */
  get ignoredLines(): number {
    return this.#ignored;
  }

  /** Records which platforms the rows belong to. */
  async setMeta(meta: TableMeta): Promise<void> {
    this.#meta = meta;
    await this.#append({ meta });
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
    await this.#append(row);
  }

  /** Appends one line; lines written by concurrent callers never interleave. */
  #append(value: unknown): Promise<void> {
    const bytes = this.#encoder.encode(JSON.stringify(value) + "\n");
    const write = this.#writes.then(async () => {
      // Reopened after close(): a manager may requeue or cancel between runs.
      this.#file ??= await Deno.open(this.path, { append: true, create: true });
      for (let off = 0; off < bytes.length;) off += await this.#file.write(bytes.subarray(off));
      if (this.#durable) await this.#file.syncData();
    });
    // A failed write fails its caller; the next write still gets its turn.
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Closes the log file. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

function isMeta(value: unknown): value is { meta: TableMeta } {
  const meta = (value as { meta?: TableMeta } | null)?.meta;
  return typeof meta === "object" && meta !== null && typeof meta.backends === "object";
}

function isRow(value: unknown): boolean {
  const row = value as Partial<JobRow> | null;
  return typeof row === "object" && row !== null && typeof row.key === "string" &&
    PHASES.includes(row.phase as Phase) && Array.isArray(row.attempts) &&
    row.attempts.every((a) => typeof a?.n === "number" && typeof a?.tag === "string");
}
