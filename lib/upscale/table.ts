/**
 * The job table of a client-side upscaling run: one row per work item, in memory for the
 * manager and on disk as a GeoPackage (`jobs.gpkg`, see {@linkcode GpkgTableStore}) written
 * after every change, so a run killed at any moment can be resumed and a GIS can watch it.
 * One process writes a run folder at a time (see {@linkcode acquireRunLock}); others may open
 * it read-only. A table of the JSON Lines kind earlier versions wrote is migrated on open (the
 * old file is kept).
 *
 * @module
 */
import { isDiskFull } from "../fs/disk_full.ts";
import { gpkgGeometry, wkbBounds, type WkbGeometry } from "../geo/geopackage.ts";
import { PHASES } from "./row.ts";
import type { JobRow, Phase, TableMeta } from "./row.ts";
import { acquireRunLock, type LockHolder, type RunLock } from "./run_lock.ts";
import { GpkgTableStore, serializeRow, TableWriteError } from "./table_store.ts";

/** Options of {@linkcode JobTable.open}. */
export interface JobTableOptions<Item = unknown> {
  /** Flush every write to the disk (survives power loss, not just a killed process). Default false. */
  durable?: boolean;
  /**
   * Read what another process writes, without the run folder's lock; {@linkcode JobTable.refresh}
   * reads again. Writes throw. Default false.
   */
  readOnly?: boolean;
  /**
   * The footprint of an item (WGS 84 longitude, latitude), for the GIS layer. Default: the item
   * itself when it is a GeoJSON geometry, else its `geometry` or `aoi` field when that is one.
   */
  geometryOf?: (item: Item) => WkbGeometry | undefined;
  /**
   * Put a table already there aside (renamed `jobs.<time>.gpkg`, a JSON Lines one
   * `jobs.<time>.jsonl`) and start an empty one. Default false.
   */
  setAside?: boolean;
}

/** The table file's name in a run folder. */
export const TABLE_FILE = "jobs.gpkg";
/** The JSON Lines table of earlier versions, migrated on open. */
const LEGACY_TABLE_FILE = "jobs.jsonl";
const LOCK_FILE = "jobs.lock";

const FINISHED: ReadonlySet<Phase> = new Set(["done", "failed", "canceled"]);

/** A row held in memory while it is on its way. */
interface Live<Item> {
  /** The row (the manager changes it in place before it puts it). */
  row: JobRow<Item>;
  /** Its phase and backend as last written: what the counts hold it under. */
  written: Written;
  /** The item the stored geometry was made from. */
  geomItem?: unknown;
}

/** Where a row is counted. */
interface Written {
  phase: Phase;
  backend?: string;
}

/** Phases kept as sets of keys; done and canceled rows are read from the file when asked for. */
const TRACKED: ReadonlySet<Phase> = new Set([
  "pending",
  "submitting",
  "active",
  "downloading",
  "failed",
]);
const KNOWN: ReadonlySet<string> = new Set(PHASES);

function emptyCounts(): Record<Phase, number> {
  return Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
}

/**
 * The table, in memory and on disk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JobTable } from "./table.ts";
 * const dir = await Deno.makeTempDir();
 * const table = await JobTable.open(`${dir}/jobs.gpkg`);
 * await table.put({ key: "t1", item: {}, phase: "pending", attempts: [], updated: 0 });
 * table.close();
 * const again = await JobTable.open(`${dir}/jobs.gpkg`, { readOnly: true });
 * assert.equal(again.get("t1")?.phase, "pending");
 * again.close();
 * ```
 */
export class JobTable<Item = unknown> {
  /** The GeoPackage file. */
  readonly path: string;
  /** The run folder. */
  readonly dir: string;
  /** Opened for reading only. */
  readonly readOnly: boolean;
  /** The JSON Lines file this table was migrated from on this open, if it was. */
  migratedFrom?: string;
  /** Where `setAside` put the table that was there. */
  previousTable?: string;
  /** This open made the table (no table, nor one to migrate, was there). */
  created = false;
  // Rows still on their way are held parsed (the manager works on them); finished ones stay in
  // the file, counted by phase and backend, and are read when asked for: a table of a million
  // rows opens in the time its open rows take to parse. The phase and backend a live row was
  // last written with are kept beside it (rows are changed in place before put()), so counts
  // stay right in O(1) per change; a finished row put again is looked up in the file first.
  readonly #live = new Map<string, Live<Item>>();
  #size = 0;
  readonly #byPhase = new Map<Phase, Set<string>>([...TRACKED].map((p) => [p, new Set()]));
  readonly #counts = emptyCounts();
  readonly #perBackend = new Map<string, Record<Phase, number>>();
  #reader?: GpkgTableStore;
  #bbox?: [number, number, number, number];
  #meta?: TableMeta;
  #ignored = 0;
  #store?: GpkgTableStore;
  #lock?: RunLock;
  #busy = false;
  #supersededBy?: string;
  readonly #options: JobTableOptions<Item>;

  private constructor(path: string, options: JobTableOptions<Item>) {
    this.path = path;
    this.dir = path.replace(/[\\/][^\\/]*$/, "") || ".";
    this.readOnly = options.readOnly ?? false;
    this.#options = options;
  }

  /**
   * Opens (or creates) the table at `path` (a `.gpkg` file in the run folder), taking the
   * folder's lock unless `readOnly`. Throws {@linkcode RunFolderLockedError} when another
   * process writes the folder, {@linkcode TableWriteError} naming the file when it cannot be
   * written (a full disk among them).
   */
  static async open<Item = unknown>(
    path: string,
    options: JobTableOptions<Item> = {},
  ): Promise<JobTable<Item>> {
    const table = new JobTable<Item>(path, options);
    if (table.readOnly) {
      if (!await exists(path)) {
        throw new Deno.errors.NotFound(
          `${path}: no job table there yet; open it read-only once a run has started in ${table.dir}`,
        );
      }
      table.#load(new GpkgTableStore(path, { readOnly: true }));
      return table;
    }
    await Deno.mkdir(table.dir, { recursive: true });
    let isNew = false;
    try {
      table.#takeLock();
      if (options.setAside) table.previousTable = await table.#setAside();
      isNew = !await exists(path);
      const store = new GpkgTableStore(path, { durable: options.durable });
      table.#store = store;
      if (isNew) await table.#migrate();
      else table.#load(store);
      table.created = isNew && table.migratedFrom === undefined;
      store.setMeta("writer", { pid: Deno.pid, since: Date.now(), host: Deno.hostname() });
    } catch (error) {
      table.close();
      // A table begun here and not finished is no table: the next open starts it again.
      if (isNew) await removeTableFiles(path);
      throw isDiskFull(error) && !(error instanceof TableWriteError)
        ? new TableWriteError(path, error)
        : error;
    }
    return table;
  }

  /** The table of run folder `dir`. */
  static inFolder<Item = unknown>(
    dir: string,
    options: JobTableOptions<Item> = {},
  ): Promise<JobTable<Item>> {
    return JobTable.open<Item>(`${dir}/${TABLE_FILE}`, options);
  }

  #takeLock(): void {
    this.#lock = acquireRunLock(
      this.dir,
      LOCK_FILE,
      { busy: () => this.#busy, takeOver: () => this.#supersede() },
      () => this.#holder(),
    );
  }

  async #setAside(): Promise<string | undefined> {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    let moved: string | undefined;
    for (
      const [from, to] of [
        [this.path, `${this.dir}/jobs.${stamp}.gpkg`],
        [`${this.dir}/${LEGACY_TABLE_FILE}`, `${this.dir}/jobs.${stamp}.jsonl`],
      ]
    ) {
      if (!await exists(from)) continue;
      // A table left by a killed process keeps recent rows in its WAL: they move with it.
      for (const suffix of ["-wal", "-shm"]) {
        if (await exists(from + suffix)) await Deno.rename(from + suffix, to + suffix);
      }
      await Deno.rename(from, to);
      moved ??= to;
    }
    return moved;
  }

  #holder(): LockHolder | undefined {
    try {
      const store = new GpkgTableStore(this.path, { readOnly: true });
      try {
        return store.meta<LockHolder>("writer");
      } finally {
        store.close();
      }
    } catch {
      return undefined;
    }
  }

  #supersede(): void {
    this.close();
    this.#supersededBy = "the run folder was opened again in this process";
  }

  #load(store: GpkgTableStore): void {
    this.#clear();
    const open = store.openRows<Item>();
    this.#ignored = open.ignored;
    for (const row of open.rows) {
      if (isRow(row)) this.#track(row, undefined);
      else this.#ignored++;
    }
    for (const { phase, backend, n } of store.finishedCounts()) {
      if (KNOWN.has(phase)) {
        this.#count({ phase: phase as Phase, backend: backend ?? undefined }, n);
      } else this.#ignored += n;
    }
    for (const key of store.keysIn("failed")) this.#byPhase.get("failed")!.add(key);
    this.#meta = store.meta<TableMeta>("backends");
    if (this.readOnly) {
      this.#reader?.close();
      this.#reader = store;
    }
  }

  #clear(): void {
    this.#size = 0;
    this.#live.clear();
    this.#perBackend.clear();
    for (const set of this.#byPhase.values()) set.clear();
    for (const p of PHASES) this.#counts[p] = 0;
  }

  /** Reads the JSON Lines table of earlier versions, if there is one, line by line. */
  async #migrate(): Promise<void> {
    const legacy = `${this.dir}/${LEGACY_TABLE_FILE}`;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(legacy);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    const rows = new Map<string, JobRow<Item>>();
    let rest = "";
    const take = (line: string) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        // A line torn by a kill mid-write; the row before it is still in the log.
        this.#ignored++;
        return;
      }
      if (isMeta(value)) this.#meta = value.meta;
      else if (isRow(value)) rows.set((value as JobRow<Item>).key, value as JobRow<Item>);
      else this.#ignored++;
    };
    for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      lines.forEach(take);
    }
    take(rest);
    await this.putMany([...rows.values()]);
    if (this.#meta) this.#store!.setMeta("backends", this.#meta);
    this.#store!.setMeta("migrated_from", legacy);
    this.migratedFrom = legacy;
  }

  /** The platforms the rows belong to, once recorded. */
  get meta(): TableMeta | undefined {
    return this.#meta;
  }

  /** Rows that could not be read (torn or foreign lines of a migrated table), skipped. */
  get ignoredLines(): number {
    return this.#ignored;
  }

  /** Records which platforms the rows belong to. */
  setMeta(meta: TableMeta): Promise<void> {
    return this.#write(() => {
      this.#writer().setMeta("backends", meta);
      this.#meta = meta;
    });
  }

  /** A row by key. */
  get(key: string): JobRow<Item> | undefined {
    const live = this.#live.get(key);
    if (live) return live.row;
    const row = this.#read().row<Item>(key);
    return row && isRow(row) ? row : undefined;
  }

  /** Every row, in insertion order (finished rows are read from the file). */
  rows(): JobRow<Item>[] {
    return this.#read().load<Item>().rows.filter(isRow).map((r) => this.#live.get(r.key)?.row ?? r);
  }

  /**
   * Which of `items` (each as its JSON text, by key) the table holds, and which of those hold
   * another item now. The stored items are read one at a time, never all at once.
   */
  compareItems(items: ReadonlyMap<string, string>): { stored: Set<string>; changed: string[] } {
    const stored = new Set<string>();
    const changed: string[] = [];
    this.#read().eachItem((key, text) => {
      const given = items.get(key);
      if (given === undefined) return;
      stored.add(key);
      const live = this.#live.get(key);
      if ((live ? JSON.stringify(live.row.item ?? null) : text) !== given) changed.push(key);
    });
    return { stored, changed };
  }

  /**
   * The rows in `phase`, in the order they entered it: cheap however large the table. The
   * iteration is live: a row that leaves the phase meanwhile is skipped, one that enters it is
   * visited.
   */
  *inPhase(phase: Phase): IterableIterator<JobRow<Item>> {
    const keys = this.#byPhase.get(phase);
    if (!keys) {
      // Done and canceled rows are never held in memory: the file has them as they are.
      for (const row of this.#read().rowsIn<Item>(phase)) if (isRow(row)) yield row;
      return;
    }
    for (const key of keys) {
      const row = this.#live.get(key)?.row ?? this.get(key);
      if (row && row.phase === phase) yield row;
    }
  }

  /** The store rows are read from: the writer's, else a read-only connection. */
  #read(): GpkgTableStore {
    if (this.#store) return this.#store;
    this.#reader ??= new GpkgTableStore(this.path, { readOnly: true });
    return this.#reader;
  }

  /** Rows of `backend` in each phase. */
  countsOf(backend: string): Record<Phase, number> {
    return { ...(this.#perBackend.get(backend) ?? emptyCounts()) };
  }

  /** Number of rows. */
  get size(): number {
    return this.#size;
  }

  /** Rows by phase. */
  counts(): Record<Phase, number> {
    return { ...this.#counts };
  }

  /** Marks the table as being run (a second open in this process is then refused). */
  set busy(on: boolean) {
    this.#busy = on;
  }

  /** Takes a row just written (or read), counted before under `was` (undefined: a new row). */
  #track(row: JobRow<Item>, was: Written | undefined): void {
    const now: Written = { phase: row.phase, backend: row.backend };
    if (was) {
      this.#count(was, -1);
      this.#byPhase.get(was.phase)?.delete(row.key);
    }
    this.#count(now, 1);
    this.#byPhase.get(now.phase)?.add(row.key);
    // Finished rows are read again when asked for; the rest stay at hand for the manager.
    if (FINISHED.has(row.phase)) this.#live.delete(row.key);
    else {
      const live = this.#live.get(row.key);
      if (live) {
        live.row = row;
        live.written = now;
      } else this.#live.set(row.key, { row, written: now });
    }
  }

  #count({ phase, backend }: Written, n: number): void {
    this.#size += n;
    this.#counts[phase] += n;
    if (backend === undefined) return;
    let counts = this.#perBackend.get(backend);
    if (!counts) this.#perBackend.set(backend, counts = emptyCounts());
    counts[phase] += n;
  }

  /** Stores a row and writes it to the file before the promise resolves. */
  put(row: JobRow<Item>): Promise<void> {
    return this.putMany([row]);
  }

  /** Stores rows and writes them in one transaction. */
  putMany(rows: JobRow<Item>[]): Promise<void> {
    return this.#write(() => {
      const texts = rows.map((row) => {
        try {
          return serializeRow(row);
        } catch (error) {
          throw new TypeError(
            `work item "${row.key}" cannot be stored: ${
              (error as Error).message
            }; give items that JSON can hold (no BigInt, no cycles)`,
          );
        }
      });
      const geometries = rows.map((row) => this.#geometry(row));
      // Where each row is counted now: live rows say; others are in the file, or new.
      const notLive = rows.filter((r) => !this.#live.has(r.key)).map((r) => r.key);
      const stored = notLive.length > 0 && this.#size > this.#live.size
        ? this.#writer().lastWritten(notLive)
        : new Map();
      const was = new Map<string, Written | undefined>();
      for (const { key } of rows) {
        const found = stored.get(key);
        if (!was.has(key)) {
          was.set(
            key,
            this.#live.get(key)?.written ??
              (found && KNOWN.has(found.phase)
                ? { phase: found.phase as Phase, backend: found.backend ?? undefined }
                : undefined),
          );
        }
      }
      this.#writer().write(rows, geometries, texts);
      for (const row of rows) {
        this.#track(row, was.get(row.key));
        was.set(row.key, { phase: row.phase, backend: row.backend });
      }
      this.#wroteGeometry(rows);
    });
  }

  /** A row's footprint (WGS 84), as the GIS layer has it. */
  footprint(row: JobRow<Item>): WkbGeometry | undefined {
    return (this.#options.geometryOf ?? defaultGeometry)(row.item);
  }

  #geometry(row: JobRow<Item>): Uint8Array | null | undefined {
    const live = this.#live.get(row.key);
    if (live && "geomItem" in live && live.geomItem === row.item) return undefined;
    const shape = this.footprint(row);
    if (!shape) return null;
    const [a, b, c, d] = wkbBounds(shape);
    const was = this.#bbox;
    if (!was || a < was[0] || b < was[1] || c > was[2] || d > was[3]) {
      this.#bbox = was
        ? [Math.min(a, was[0]), Math.min(b, was[1]), Math.max(c, was[2]), Math.max(d, was[3])]
        : [a, b, c, d];
      this.#writer().setExtent(this.#bbox);
    }
    return gpkgGeometry(shape, 4326);
  }

  /** Remembers which item a row's geometry was written for, once the row is written. */
  #wroteGeometry(rows: JobRow<Item>[]): void {
    for (const row of rows) {
      // Only for rows held in memory: a finished row's item is read anew when it is put again.
      const live = this.#live.get(row.key);
      if (live) live.geomItem = row.item;
    }
  }

  #write(change: () => void): Promise<void> {
    try {
      change();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The open store; reopened (lock included) after {@linkcode JobTable.close}. */
  #writer(): GpkgTableStore {
    if (this.readOnly) {
      throw new TypeError(`${this.path} was opened read-only; open it without readOnly to write`);
    }
    if (this.#supersededBy) {
      throw new TableWriteError(this.path, new Error(`${this.#supersededBy}; use the new one`));
    }
    if (!this.#store) {
      this.#takeLock();
      this.#store = new GpkgTableStore(this.path, { durable: this.#options.durable });
    }
    return this.#store;
  }

  /** Reads the file again (for a read-only table that another process writes). */
  refresh(): void {
    if (!this.readOnly) return;
    this.#load(new GpkgTableStore(this.path, { readOnly: true }));
  }

  /**
   * Closes the table and removes its files and lock: for a table this open {@linkcode created}
   * that holds nothing worth keeping (no job was ever submitted from it).
   */
  async discard(): Promise<void> {
    this.close();
    await removeTableFiles(this.path);
    await Deno.remove(`${this.dir}/${LOCK_FILE}`).catch(() => {});
  }

  /** Closes the table and gives up the run folder's lock. */
  close(): void {
    this.#store?.close();
    this.#store = undefined;
    this.#reader?.close();
    this.#reader = undefined;
    this.#lock?.release();
    this.#lock = undefined;
  }
}

async function removeTableFiles(path: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    await Deno.remove(`${path}${suffix}`).catch(() => {});
  }
}

/**
 * The item as a footprint: a GeoJSON geometry, one held as `geometry` or `aoi`, or a box of
 * `west`, `south`, `east` and `north`.
 */
function defaultGeometry(item: unknown): WkbGeometry | undefined {
  const box = item as { west?: unknown; south?: unknown; east?: unknown; north?: unknown } | null;
  if (
    typeof box?.west === "number" && typeof box.south === "number" &&
    typeof box.east === "number" && typeof box.north === "number"
  ) {
    const { west: w, south: s, east: e, north: n } = box as Record<string, number>;
    return { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
  }
  for (
    const g of [item, (item as { geometry?: unknown })?.geometry, (item as { aoi?: unknown })?.aoi]
  ) {
    const t = (g as { type?: string } | null)?.type;
    if (
      (t === "Polygon" || t === "MultiPolygon" || t === "Point" || t === "LineString") &&
      Array.isArray((g as { coordinates?: unknown }).coordinates)
    ) return g as WkbGeometry;
  }
  return undefined;
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
