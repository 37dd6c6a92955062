/**
 * The parts of OGC GeoPackage 1.3 that every writer of one needs: the required metadata tables,
 * the registration of a layer, and geometries as GeoPackage binary (header, envelope,
 * little-endian ISO WKB). Used by the job table and by the sandbox's result files.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** A position: `[x, y]`. */
export type XY = [number, number];

/** The geometries GeoPackage binary is written for here (GeoJSON shapes). */
export type WkbGeometry =
  | { type: "Point"; coordinates: XY }
  | { type: "LineString"; coordinates: XY[] }
  | { type: "Polygon"; coordinates: XY[][] }
  | { type: "MultiPolygon"; coordinates: XY[][][] };

const WKB_TYPE = { Point: 1, LineString: 2, Polygon: 3, MultiPolygon: 6 } as const;

/** Definitions of the CRSs written here, as OGC WKT (what GDAL and QGIS read from the table). */
export const GPKG_CRS_WKT: Readonly<Record<number, string>> = {
  4326: 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],' +
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]',
  3857: 'PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984",' +
    'SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],' +
    'UNIT["degree",0.0174532925199433]],PROJECTION["Mercator_1SP"],' +
    'PARAMETER["central_meridian",0],PARAMETER["scale_factor",1],PARAMETER["false_easting",0],' +
    'PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","3857"]]',
};

const SRS_NAMES: Readonly<Record<number, string>> = {
  4326: "WGS 84 geodetic",
  3857: "WGS 84 / Pseudo-Mercator",
};

/** The bounding box of a geometry: `[minX, minY, maxX, maxY]`. */
export function wkbBounds(g: WkbGeometry): [number, number, number, number] {
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  const visit = (p: XY) => {
    if (p[0] < a) a = p[0];
    if (p[1] < b) b = p[1];
    if (p[0] > c) c = p[0];
    if (p[1] > d) d = p[1];
  };
  if (g.type === "Point") visit(g.coordinates);
  else if (g.type === "LineString") g.coordinates.forEach(visit);
  else if (g.type === "Polygon") g.coordinates.forEach((r) => r.forEach(visit));
  else g.coordinates.forEach((p) => p.forEach((r) => r.forEach(visit)));
  return [a, b, c, d];
}

function wkbSize(g: WkbGeometry): number {
  const rings = (rs: XY[][]) => 9 + rs.reduce((n, r) => n + 4 + 16 * r.length, 0);
  if (g.type === "Point") return 21;
  if (g.type === "LineString") return 9 + 16 * g.coordinates.length;
  if (g.type === "Polygon") return rings(g.coordinates);
  return 9 + g.coordinates.reduce((n, p) => n + rings(p), 0);
}

/**
 * A geometry as little-endian ISO WKB, as GeoPackage, GeoParquet and GDAL read it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toWkb } from "./geopackage.ts";
 * const bytes = toWkb({ type: "Point", coordinates: [1, 2] });
 * assert.deepEqual([bytes.length, bytes[0], bytes[1]], [21, 1, 1]);
 * ```
 */
export function toWkb(g: WkbGeometry): Uint8Array {
  const view = new DataView(new ArrayBuffer(wkbSize(g)));
  let at = 0;
  const head = (type: number) => {
    view.setUint8(at, 1);
    view.setUint32(at + 1, type, true);
    at += 5;
  };
  const point = ([x, y]: XY) => {
    view.setFloat64(at, x, true);
    view.setFloat64(at + 8, y, true);
    at += 16;
  };
  const count = (n: number) => {
    view.setUint32(at, n, true);
    at += 4;
  };
  const polygon = (rings: XY[][]) => {
    head(WKB_TYPE.Polygon);
    count(rings.length);
    for (const ring of rings) {
      count(ring.length);
      ring.forEach(point);
    }
  };
  if (g.type === "Point") {
    head(WKB_TYPE.Point);
    point(g.coordinates);
  } else if (g.type === "LineString") {
    head(WKB_TYPE.LineString);
    count(g.coordinates.length);
    g.coordinates.forEach(point);
  } else if (g.type === "Polygon") polygon(g.coordinates);
  else {
    head(WKB_TYPE.MultiPolygon);
    count(g.coordinates.length);
    g.coordinates.forEach(polygon);
  }
  return new Uint8Array(view.buffer);
}

/** A geometry as GeoPackage binary: `GP`, version 0, little-endian, with an xy envelope. */
export function gpkgGeometry(g: WkbGeometry, srs: number): Uint8Array {
  const body = toWkb(g);
  const out = new Uint8Array(40 + body.length);
  const head = new DataView(out.buffer);
  head.setUint8(0, 0x47);
  head.setUint8(1, 0x50);
  head.setUint8(2, 0);
  head.setUint8(3, 0b00000011);
  head.setInt32(4, srs, true);
  const [minX, minY, maxX, maxY] = wkbBounds(g);
  [minX, maxX, minY, maxY].forEach((v, i) => head.setFloat64(8 + 8 * i, v, true));
  out.set(body, 40);
  return out;
}

/**
 * Makes `db` a GeoPackage: application id, version, and the three required metadata tables
 * with the two undefined systems and `srs` (EPSG codes with an entry in `crsWkt`).
 */
export function initGeoPackage(
  db: DatabaseSync,
  srs: number[],
  crsWkt: Readonly<Record<number, string>> = GPKG_CRS_WKT,
): void {
  db.exec("PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;");
  db.exec(`CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,
    srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL, description TEXT);
    CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
    srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
    CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL,
    column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));`);
  const row = db.prepare("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)");
  row.run("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian SRS");
  row.run("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic SRS");
  for (const code of srs) {
    row.run(SRS_NAMES[code] ?? `EPSG:${code}`, code, "EPSG", code, crsWkt[code], null);
  }
}

/** Where a layer is registered in `gpkg_contents` (and, with a geometry, its column). */
export interface GpkgLayer {
  /** Table name. */
  table: string;
  /** `features` (with a geometry column) or `attributes` (a plain table). */
  dataType: "features" | "attributes";
  /** Geometry column and its type name (`POLYGON`, `GEOMETRY`), for features. */
  geometry?: { column: string; type: string };
  /** EPSG code of the geometries. */
  srs?: number;
  /** What the layer holds, for people. */
  description?: string;
  /** Its extent, when known. */
  bbox?: [number, number, number, number];
  /** Time of the last change (ISO 8601). Default now. */
  lastChange?: string;
}

/** Registers a layer (again, replacing its entry). */
export function registerLayer(db: DatabaseSync, layer: GpkgLayer): void {
  const [minX, minY, maxX, maxY] = layer.bbox ?? [null, null, null, null];
  db.prepare(
    "INSERT OR REPLACE INTO gpkg_contents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(
    layer.table,
    layer.dataType,
    layer.table,
    layer.description ?? "",
    layer.lastChange ?? new Date().toISOString(),
    minX,
    minY,
    maxX,
    maxY,
    layer.srs ?? null,
  );
  if (layer.geometry) {
    db.prepare("INSERT OR REPLACE INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)")
      .run(layer.table, layer.geometry.column, layer.geometry.type, layer.srs ?? 0);
  }
}
