/**
 * A job table as a file other tools read: CSV with a WKT geometry column (QGIS, geopandas,
 * spreadsheets), GeoJSON, or GeoParquet 1.1 (WKB geometries, `geo` metadata). The file is
 * written beside its final name and renamed, so a reader never sees half of it.
 *
 * @module
 */
import { parquetWriteBuffer } from "../deps/hyparquet_writer.ts";
import { toWkb, wkbBounds, type WkbGeometry } from "../geo/geopackage.ts";
import { toWkt } from "../geo/wkt.ts";
import type { JobRow } from "./row.ts";
import type { JobTable } from "./table.ts";
import { InputError } from "../input_error.ts";

/** Formats of {@linkcode exportTable}. */
export type TableFormat = "csv" | "geojson" | "parquet";

/** One exported record: the columns a GIS shows. */
interface Record {
  key: string;
  phase: string;
  state: string | null;
  status: string | null;
  backend: string | null;
  job_id: string | null;
  attempts: number;
  reason: string | null;
  duration_s: number | null;
  cost: number | null;
  files: string | null;
  updated: string;
}

function recordOf(row: JobRow): Record {
  const attempt = row.attempts.at(-1);
  return {
    key: row.key,
    phase: row.phase,
    state: attempt?.state ?? null,
    status: attempt?.raw ?? null,
    backend: row.backend ?? null,
    job_id: attempt?.jobId ?? null,
    attempts: row.attempts.length,
    reason: row.reason ?? (row.phase === "failed" ? row.error ?? null : null),
    duration_s: row.durationMs === undefined ? null : row.durationMs / 1000,
    cost: row.cost ?? null,
    files: row.files?.join(" ") ?? null,
    updated: new Date(row.updated).toISOString(),
  };
}

function wktOf(g: WkbGeometry): string {
  const xy = ([x, y]: [number, number]) => `${x} ${y}`;
  if (g.type === "Point") return `POINT (${xy(g.coordinates)})`;
  if (g.type === "LineString") return `LINESTRING (${g.coordinates.map(xy).join(", ")})`;
  return toWkt(g);
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The format a file name asks for. */
function formatOf(path: string): TableFormat {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === "csv") return "csv";
  if (ext === "geojson" || ext === "json") return "geojson";
  if (ext === "parquet" || ext === "geoparquet") return "parquet";
  throw new InputError(
    "exportTable: path",
    `"${path}" names no known format`,
    "end it in .csv, .geojson or .parquet",
  );
}

/**
 * Writes `table` to `path` in the format its extension names (or `format`). Returns the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JobTable } from "./table.ts";
 * import { exportTable } from "./table_export.ts";
 * const dir = await Deno.makeTempDir();
 * const table = await JobTable.inFolder(dir);
 * const geometry = { type: "Polygon" as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] as [number, number][][] };
 * await table.put({ key: "t1", item: geometry, phase: "done", attempts: [], updated: 0 });
 * await exportTable(table, `${dir}/jobs.csv`);
 * assert.match(await Deno.readTextFile(`${dir}/jobs.csv`), /^key,.*,wkt\nt1,done,.*"POLYGON \(\(0 0/);
 * table.close();
 * ```
 */
export async function exportTable<Item>(
  table: JobTable<Item>,
  path: string,
  format: TableFormat = formatOf(path),
): Promise<string> {
  const rows = table.rows();
  const records = rows.map(recordOf);
  const shapes = rows.map((r) => table.footprint(r));
  let bytes: Uint8Array;
  if (format === "csv") {
    const names = Object.keys(
      recordOf({ key: "", item: null, phase: "pending", attempts: [], updated: 0 }),
    );
    const lines = [[...names, "wkt"].join(",")];
    records.forEach((r, i) => {
      const g = shapes[i];
      lines.push(
        [...names.map((n) => csvField(r[n as keyof Record])), csvField(g ? wktOf(g) : "")]
          .join(","),
      );
    });
    bytes = new TextEncoder().encode(lines.join("\n") + "\n");
  } else if (format === "geojson") {
    bytes = new TextEncoder().encode(JSON.stringify({
      type: "FeatureCollection",
      features: records.map((r, i) => ({
        type: "Feature",
        id: r.key,
        geometry: shapes[i] ?? null,
        properties: r,
      })),
    }));
  } else bytes = geoParquet(records, shapes);
  const part = `${path}.part`;
  await Deno.writeFile(part, bytes);
  await Deno.rename(part, path);
  return path;
}

function geoParquet(records: Record[], shapes: Array<WkbGeometry | undefined>): Uint8Array {
  const column = <K extends keyof Record>(name: K, type: string) => ({
    name,
    data: records.map((r) => r[name]),
    type,
  });
  const types = [...new Set(shapes.filter((g) => g).map((g) => g!.type))];
  let bbox: number[] | undefined;
  for (const g of shapes) {
    if (!g) continue;
    const [a, b, c, d] = wkbBounds(g);
    bbox = bbox
      ? [Math.min(a, bbox[0]), Math.min(b, bbox[1]), Math.max(c, bbox[2]), Math.max(d, bbox[3])]
      : [a, b, c, d];
  }
  const geo = {
    version: "1.1.0",
    primary_column: "geometry",
    columns: {
      geometry: { encoding: "WKB", geometry_types: types, ...(bbox ? { bbox } : {}) },
    },
  };
  const buffer = parquetWriteBuffer({
    columnData: [
      column("key", "STRING"),
      column("phase", "STRING"),
      column("state", "STRING"),
      column("status", "STRING"),
      column("backend", "STRING"),
      column("job_id", "STRING"),
      column("attempts", "INT32"),
      column("reason", "STRING"),
      column("duration_s", "DOUBLE"),
      column("cost", "DOUBLE"),
      column("files", "STRING"),
      column("updated", "STRING"),
      { name: "geometry", data: shapes.map((g) => g ? toWkb(g) : null), type: "BYTE_ARRAY" },
    ] as Parameters<typeof parquetWriteBuffer>[0]["columnData"],
    kvMetadata: [{ key: "geo", value: JSON.stringify(geo) }],
  });
  return new Uint8Array(buffer);
}
