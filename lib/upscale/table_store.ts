/**
 * Where a job table lives: an SQLite database in WAL mode laid out as a GeoPackage, so QGIS,
 * GDAL and geopandas open it as a layer (`jobs`: one feature per work item with its footprint,
 * phase, platform status, reason, job id, duration and cost) while a run writes it. Each row's
 * whole record is kept as JSON beside those columns; the columns are for people and GIS, the
 * JSON is what a resume reads. Every write is one transaction: a killed process loses none
 * that returned, and a full disk fails the write, never half of it.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { initGeoPackage, registerLayer } from "../geo/geopackage.ts";
import type { JobRow } from "./row.ts";
import { isDiskFull } from "../fs/disk_full.ts";

/** The job table could not be written or read; names the file. */
export class TableWriteError extends Error {
  /** Always `"TableWriteError"`. */
  override name = "TableWriteError";
  /** The table's file. */
  readonly path: string;
  /** True when the disk (or the user's quota) is full. */
  readonly diskFull: boolean;
  /** Describes a failed write of `path`. */
  constructor(path: string, cause: unknown) {
    const text = (cause as Error)?.message ?? String(cause);
    const full = isDiskFull(cause);
    super(
      full
        ? `${path}: the disk is full (${text}); free some space and run again to go on (no acknowledged row is lost)`
        : `${path}: could not write the job table (${text})`,
      { cause },
    );
    this.path = path;
    this.diskFull = full;
  }
}

/** What {@linkcode GpkgTableStore.load} read. */
export interface LoadedRows<Item> {
  /** Rows in the order they were first written. */
  rows: JobRow<Item>[];
  /** Rows whose record could not be read (written by something else), skipped. */
  ignored: number;
}

const LAYER = "jobs";
const META = "eojobs_meta";
const COLUMNS = [
  "geom",
  "key",
  "phase",
  "state",
  "status",
  "backend",
  "job_id",
  "attempts",
  "reason",
  "failure",
  "error",
  "duration_s",
  "cost",
  "files",
  "updated",
  "item",
  "record",
] as const;

/** Phases whose rows are read at open; the others are read when asked for. */
const OPEN_PHASES = "('pending', 'submitting', 'active', 'downloading')";

/** Options of {@linkcode GpkgTableStore}. */
export interface StoreOptions {
  /** Open for reading only (another process writes). */
  readOnly?: boolean;
  /** Sync every write to the disk (power loss too). */
  durable?: boolean;
}

/**
 * The GeoPackage behind a job table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GpkgTableStore } from "./table_store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = new GpkgTableStore(`${dir}/jobs.gpkg`);
 * store.write([{ key: "t1", item: 1, phase: "done", attempts: [], updated: 0 }], [undefined]);
 * assert.deepEqual(store.load().rows.map((r) => r.key), ["t1"]);
 * store.close();
 * ```
 */
export class GpkgTableStore {
  /** The file. */
  readonly path: string;
  readonly #db: DatabaseSync;
  #withGeom?: StatementSync;
  #keepGeom?: StatementSync;

  /** Opens (or, unless read-only, creates) the GeoPackage at `path`. */
  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    try {
      this.#db = new DatabaseSync(path, { readOnly: options.readOnly ?? false, timeout: 5_000 });
      if (!options.readOnly) {
        this.#db.exec(
          `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.durable ? "FULL" : "NORMAL"};`,
        );
        this.#create();
        // Counts by phase and the rows of one phase come from this index, not a scan of the rows.
        this.#db.exec(`CREATE INDEX IF NOT EXISTS ${LAYER}_phase ON ${LAYER} (phase, backend)`);
      }
    } catch (error) {
      throw new TableWriteError(path, error);
    }
  }

  #create(): void {
    const db = this.#db;
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(LAYER);
    if (exists) return;
    db.exec("BEGIN");
    try {
      initGeoPackage(db, [4326]);
      db.exec(`CREATE TABLE ${LAYER} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        geom GEOMETRY, key TEXT NOT NULL UNIQUE, phase TEXT NOT NULL, state TEXT, status TEXT,
        backend TEXT, job_id TEXT, attempts INTEGER, reason TEXT, failure TEXT, error TEXT,
        duration_s REAL, cost REAL, files TEXT, updated DATETIME, item TEXT, record TEXT NOT NULL);
        CREATE TABLE ${META} (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
          name TEXT NOT NULL UNIQUE, value TEXT);`);
      registerLayer(db, {
        table: LAYER,
        dataType: "features",
        geometry: { column: "geom", type: "GEOMETRY" },
        srs: 4326,
        description: "eojobs job table: one row per work item",
      });
      registerLayer(db, {
        table: META,
        dataType: "attributes",
        description: "eojobs: the platforms the jobs belong to, and the writer",
      });
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Rows per phase and backend among finished rows (done, failed, canceled) and unknown ones. */
  finishedCounts(): Array<{ phase: string; backend: string | null; n: number }> {
    return this.#db.prepare(
      `SELECT phase, backend, count(*) AS n FROM ${LAYER} WHERE phase NOT IN ${OPEN_PHASES}
        GROUP BY phase, backend`,
    ).all() as Array<{ phase: string; backend: string | null; n: number }>;
  }

  /** Keys of the rows in `phase`, in the order first written. */
  keysIn(phase: string): string[] {
    return this.#db.prepare(`SELECT key FROM ${LAYER} WHERE phase = ? ORDER BY fid`).all(phase)
      .map((r) => r.key as string);
  }

  /** The rows in `phase`, in the order first written, read as they are iterated. */
  *rowsIn<Item>(phase: string): IterableIterator<JobRow<Item>> {
    const query = this.#db.prepare(
      `SELECT record, item FROM ${LAYER} WHERE phase = ? ORDER BY fid`,
    );
    for (const found of query.iterate(phase)) yield* parseRows<Item>([found]).rows;
  }

  /** Phase and backend as last written, of those of `keys` that are stored. */
  lastWritten(keys: string[]): Map<string, { phase: string; backend: string | null }> {
    const out = new Map<string, { phase: string; backend: string | null }>();
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const found = this.#db.prepare(
        `SELECT key, phase, backend FROM ${LAYER} WHERE key IN (${chunk.map(() => "?").join(",")})`,
      ).all(...chunk) as Array<{ key: string; phase: string; backend: string | null }>;
      for (const { key, phase, backend } of found) out.set(key, { phase, backend });
    }
    return out;
  }

  /** The rows still on their way (not done, failed or canceled), in the order first written. */
  openRows<Item>(): LoadedRows<Item> {
    return parseRows(
      this.#db.prepare(
        `SELECT record, item FROM ${LAYER} WHERE phase IN ${OPEN_PHASES} ORDER BY fid`,
      ).all(),
    );
  }

  /** Every row, in the order first written. */
  load<Item>(): LoadedRows<Item> {
    return parseRows(this.#db.prepare(`SELECT record, item FROM ${LAYER} ORDER BY fid`).all());
  }

  /** One row by key. */
  row<Item>(key: string): JobRow<Item> | undefined {
    const got = this.#db.prepare(`SELECT record, item FROM ${LAYER} WHERE key = ?`).get(key);
    return got ? parseRows<Item>([got]).rows[0] : undefined;
  }

  /** Calls `visit` with every row's key and item as the JSON it was stored as, one at a time. */
  eachItem(visit: (key: string, item: string) => void): void {
    for (const { key, item } of this.#db.prepare(`SELECT key, item FROM ${LAYER}`).iterate()) {
      visit(key as string, item as string);
    }
  }

  /** A value of the meta table. */
  meta<T>(name: string): T | undefined {
    const got = this.#db.prepare(`SELECT value FROM ${META} WHERE name = ?`).get(name);
    return got ? JSON.parse(got.value as string) : undefined;
  }

  /** Sets a value of the meta table. */
  setMeta(name: string, value: unknown): void {
    this.#guard(() =>
      this.#db.prepare(
        `INSERT INTO ${META} (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`,
      ).run(
        name,
        JSON.stringify(value),
      )
    );
  }

  /**
   * Writes rows in one transaction, serialized as `texts[i]` when given (see
   * {@linkcode serializeRow}); a geometry blob replaces the stored one, `undefined` keeps it.
   */
  write<Item>(
    rows: JobRow<Item>[],
    geometries: Array<Uint8Array | null | undefined>,
    texts?: RowText[],
  ): void {
    this.#withGeom ??= this.#db.prepare(this.#upsert(true));
    this.#keepGeom ??= this.#db.prepare(this.#upsert(false));
    this.#guard(() => {
      const many = rows.length > 1;
      if (many) this.#db.exec("BEGIN");
      try {
        rows.forEach((row, i) => {
          const values = columnsOf(row, texts?.[i] ?? serializeRow(row));
          if (geometries[i] === undefined) this.#keepGeom!.run(...values);
          else this.#withGeom!.run(geometries[i], ...values);
        });
        if (many) this.#db.exec("COMMIT");
      } catch (error) {
        if (many && this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  /** Stretches the layer's extent in `gpkg_contents` to `bbox`. */
  setExtent(bbox: [number, number, number, number]): void {
    this.#guard(() =>
      this.#db.prepare(
        "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = ?",
      ).run(...bbox, new Date().toISOString(), LAYER)
    );
  }

  /** Closes the database (its WAL is folded in when it is the last connection). */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #upsert(geom: boolean): string {
    const names = geom ? COLUMNS : COLUMNS.slice(1);
    const update = names.filter((n) => n !== "key").map((n) => `${n} = excluded.${n}`);
    return `INSERT INTO ${LAYER} (${names.join(", ")}) VALUES (${
      names.map(() => "?").join(", ")
    }) ON CONFLICT(key) DO UPDATE SET ${update.join(", ")}`;
  }

  #guard(write: () => void): void {
    try {
      write();
    } catch (error) {
      throw new TableWriteError(this.path, error);
    }
  }
}

/** A row as stored: its item in a column of its own, the rest as the record. */
export interface RowText {
  /** The row without its item, as JSON. */
  record: string;
  /** The item, as JSON. */
  item: string;
}

/** Serializes a row for {@linkcode GpkgTableStore.write}; throws what `JSON.stringify` throws. */
export function serializeRow(row: JobRow): RowText {
  return {
    record: JSON.stringify({ ...row, item: undefined }),
    item: JSON.stringify(row.item ?? null),
  };
}

function parseRows<Item>(found: Array<Record<string, unknown>>): LoadedRows<Item> {
  const rows: JobRow<Item>[] = [];
  let ignored = 0;
  for (const { record, item } of found) {
    try {
      const row = JSON.parse(record as string);
      row.item = item === null ? null : JSON.parse(item as string);
      rows.push(row);
    } catch {
      ignored++;
    }
  }
  return { rows, ignored };
}

function columnsOf(row: JobRow, text: RowText): Array<string | number | null> {
  const attempt = row.attempts.at(-1);
  return [
    row.key,
    row.phase,
    attempt?.state ?? null,
    attempt?.raw ?? null,
    row.backend ?? null,
    attempt?.jobId ?? null,
    row.attempts.length,
    row.reason ?? null,
    row.failure ?? null,
    row.error ?? null,
    row.durationMs === undefined ? null : row.durationMs / 1000,
    row.cost ?? null,
    row.files?.join(" ") ?? null,
    new Date(row.updated).toISOString(),
    text.item,
    text.record,
  ];
}
