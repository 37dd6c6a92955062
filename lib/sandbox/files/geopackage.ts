/**
 * OGC GeoPackage 1.3 files of one feature layer, written with `node:sqlite`: the required
 * metadata tables, and geometries as GeoPackage binary (header, envelope, little-endian WKB).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import {
  boundsOf,
  CRS_WKT,
  positionsOf,
  type SimpleFeature,
  type SimpleGeometry,
  type XY,
} from "./vector.ts";

function wkb(g: SimpleGeometry): Uint8Array {
  const rings: XY[][] = g.type === "Point"
    ? [[g.coordinates]]
    : g.type === "LineString"
    ? [g.coordinates]
    : g.coordinates;
  const points = rings.flat().length;
  const size = g.type === "Point"
    ? 21
    : g.type === "LineString"
    ? 9 + 16 * points
    : 9 + 4 * rings.length + 16 * points;
  const view = new DataView(new ArrayBuffer(size));
  view.setUint8(0, 1);
  view.setUint32(1, g.type === "Point" ? 1 : g.type === "LineString" ? 2 : 3, true);
  let at = 5;
  if (g.type === "Point") {
    view.setFloat64(at, g.coordinates[0], true);
    view.setFloat64(at + 8, g.coordinates[1], true);
    return new Uint8Array(view.buffer);
  }
  if (g.type === "Polygon") {
    view.setUint32(at, rings.length, true);
    at += 4;
  }
  for (const ring of rings) {
    view.setUint32(at, ring.length, true);
    at += 4;
    for (const [x, y] of ring) {
      view.setFloat64(at, x, true);
      view.setFloat64(at + 8, y, true);
      at += 16;
    }
  }
  return new Uint8Array(view.buffer);
}

/** A geometry as GeoPackage binary: `GP`, version 0, little-endian with an xy envelope. */
export function gpkgGeometry(g: SimpleGeometry, srs: number): Uint8Array {
  const body = wkb(g);
  const head = new DataView(new ArrayBuffer(40));
  head.setUint8(0, 0x47);
  head.setUint8(1, 0x50);
  head.setUint8(2, 0);
  head.setUint8(3, 0b00000011);
  head.setInt32(4, srs, true);
  const [minX, minY, maxX, maxY] = boundsOf(positionsOf(g));
  [minX, maxX, minY, maxY].forEach((v, i) => head.setFloat64(8 + 8 * i, v, true));
  const out = new Uint8Array(40 + body.length);
  out.set(new Uint8Array(head.buffer));
  out.set(body, 40);
  return out;
}

/**
 * A GeoPackage holding `features` as table `layer`, in EPSG `srs` (4326 or 3857).
 *
 * @example
 * ```ts ignore
 * import { writeGeoPackage } from "./geopackage.ts";
 * const bytes = await writeGeoPackage("building", features, 3857);
 * ```
 */
export async function writeGeoPackage(
  layer: string,
  features: SimpleFeature[],
  srs: number,
): Promise<Uint8Array> {
  const path = await Deno.makeTempFile({ suffix: ".gpkg" });
  try {
    await Deno.remove(path);
    const db = new DatabaseSync(path);
    db.exec("PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;");
    db.exec(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
      organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
      description TEXT DEFAULT '', last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
      srs_id INTEGER);
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
      geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
      PRIMARY KEY (table_name, column_name));`);
    const srsRow = db.prepare("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)");
    srsRow.run(
      "Undefined cartesian SRS",
      -1,
      "NONE",
      -1,
      "undefined",
      "undefined cartesian coordinate reference system",
    );
    srsRow.run(
      "Undefined geographic SRS",
      0,
      "NONE",
      0,
      "undefined",
      "undefined geographic coordinate reference system",
    );
    srsRow.run(
      srs === 4326 ? "WGS 84 geodetic" : "WGS 84 / Pseudo-Mercator",
      srs,
      "EPSG",
      srs,
      CRS_WKT[srs],
      null,
    );
    const names = [...new Set(features.flatMap((f) => Object.keys(f.properties)))];
    const numeric = (n: string) =>
      features.every((f) => typeof (f.properties[n] ?? 0) === "number");
    const columns = names.map((n) => `"${n}" ${numeric(n) ? "REAL" : "TEXT"}`).join(", ");
    db.exec(
      `CREATE TABLE "${layer}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB${
        columns ? ", " + columns : ""
      })`,
    );
    const kind = features[0]?.geometry.type.toUpperCase() ?? "GEOMETRY";
    const [minX, minY, maxX, maxY] = features.length
      ? boundsOf(features.flatMap((f) => positionsOf(f.geometry)))
      : [0, 0, 0, 0];
    db.prepare("INSERT INTO gpkg_contents VALUES (?, 'features', ?, '', ?, ?, ?, ?, ?, ?)")
      .run(layer, layer, new Date(0).toISOString(), minX, minY, maxX, maxY, srs);
    db.prepare("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)").run(
      layer,
      kind,
      srs,
    );
    const insert = db.prepare(
      `INSERT INTO "${layer}" (geom${names.map((n) => `, "${n}"`).join("")}) VALUES (?${
        names.map(() => ", ?").join("")
      })`,
    );
    db.exec("BEGIN");
    for (const f of features) {
      insert.run(
        gpkgGeometry(f.geometry, srs),
        ...names.map((n) => f.properties[n] ?? null),
      );
    }
    db.exec("COMMIT");
    db.close();
    return await Deno.readFile(path);
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}
