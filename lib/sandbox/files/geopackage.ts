/**
 * OGC GeoPackage 1.3 files of one feature layer for the sandbox's results, written with
 * `node:sqlite` on the shared GeoPackage parts.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { gpkgGeometry, initGeoPackage, registerLayer } from "../../geo/geopackage.ts";
import { boundsOf, CRS_WKT, positionsOf, type SimpleFeature } from "./vector.ts";

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
    initGeoPackage(db, [srs], CRS_WKT);
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
    registerLayer(db, {
      table: layer,
      dataType: "features",
      geometry: { column: "geom", type: kind },
      srs,
      bbox: [minX, minY, maxX, maxY],
      lastChange: new Date(0).toISOString(),
    });
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
