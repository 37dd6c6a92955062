/**
 * ESRI shapefiles (`.shp`, `.shx`, `.dbf`, `.prj`) for points, lines or polygons, as the
 * format's 1998 white paper lays them out.
 *
 * @module
 */
import { ringArea } from "../../geo/limits.ts";
import { boundsOf, CRS_WKT, positionsOf, type SimpleFeature } from "./vector.ts";

const TYPE = { Point: 1, LineString: 3, Polygon: 5 } as const;

function content(f: SimpleFeature): Uint8Array {
  const g = f.geometry;
  if (g.type === "Point") {
    const out = new DataView(new ArrayBuffer(20));
    out.setInt32(0, 1, true);
    out.setFloat64(4, g.coordinates[0], true);
    out.setFloat64(12, g.coordinates[1], true);
    return new Uint8Array(out.buffer);
  }
  // Shapefile polygons run clockwise outside and counter-clockwise in holes.
  const parts = g.type === "LineString"
    ? [g.coordinates]
    : g.coordinates.map((r, i) => ((ringArea(r) > 0) === (i === 0) ? [...r].reverse() : r));
  const points = parts.flat();
  const view = new DataView(new ArrayBuffer(44 + 4 * parts.length + 16 * points.length));
  view.setInt32(0, TYPE[g.type], true);
  boundsOf(points).forEach((v, i) => view.setFloat64(4 + 8 * i, v, true));
  view.setInt32(36, parts.length, true);
  view.setInt32(40, points.length, true);
  let start = 0;
  parts.forEach((p, i) => {
    view.setInt32(44 + 4 * i, start, true);
    start += p.length;
  });
  points.forEach(([x, y], i) => {
    view.setFloat64(44 + 4 * parts.length + 16 * i, x, true);
    view.setFloat64(52 + 4 * parts.length + 16 * i, y, true);
  });
  return new Uint8Array(view.buffer);
}

function header(view: DataView, lengthBytes: number, type: number, bbox: number[]) {
  view.setInt32(0, 9994, false);
  view.setInt32(24, lengthBytes / 2, false);
  view.setInt32(28, 1000, true);
  view.setInt32(32, type, true);
  bbox.forEach((v, i) => view.setFloat64(36 + 8 * i, v, true));
}

function dbf(features: SimpleFeature[]): Uint8Array {
  const names = [...new Set(features.flatMap((f) => Object.keys(f.properties)))].slice(0, 255);
  const fields = names.map((name) => {
    const numeric = features.every((f) => typeof (f.properties[name] ?? 0) === "number");
    const values = features.map((f) => String(f.properties[name] ?? ""));
    return {
      name: name.slice(0, 10),
      numeric,
      length: Math.min(254, Math.max(1, ...values.map((v) => v.length))),
      decimals: 0,
    };
  });
  for (const field of fields) {
    if (field.numeric) {
      field.decimals = Math.min(
        6,
        Math.max(
          0,
          ...features.map((f) =>
            (String(f.properties[field.name] ?? "").split(".")[1] ?? "").length
          ),
        ),
      );
    }
  }
  const recordLength = 1 + fields.reduce((n, f) => n + f.length, 0);
  const headerLength = 32 + 32 * fields.length + 1;
  const out = new Uint8Array(headerLength + recordLength * features.length + 1);
  const view = new DataView(out.buffer);
  out[0] = 0x03;
  out.set([126, 1, 1], 1);
  view.setUint32(4, features.length, true);
  view.setUint16(8, headerLength, true);
  view.setUint16(10, recordLength, true);
  const enc = new TextEncoder();
  fields.forEach((f, i) => {
    const at = 32 + 32 * i;
    out.set(enc.encode(f.name), at);
    out[at + 11] = (f.numeric ? "N" : "C").charCodeAt(0);
    out[at + 16] = f.length;
    out[at + 17] = f.decimals;
  });
  out[headerLength - 1] = 0x0d;
  features.forEach((feature, r) => {
    let at = headerLength + r * recordLength;
    out[at++] = 0x20;
    for (const f of fields) {
      const raw = feature.properties[f.name] ?? "";
      const text = f.numeric ? String(raw).padStart(f.length) : String(raw).padEnd(f.length);
      out.set(enc.encode(text.slice(0, f.length)), at);
      at += f.length;
    }
  });
  out[out.length - 1] = 0x1a;
  return out;
}

/**
 * The four files of a shapefile of same-typed features in EPSG `srs` (4326 or 3857).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeShapefile } from "./shapefile.ts";
 * const files = writeShapefile([{ geometry: { type: "Point", coordinates: [1, 2] }, properties: { id: 1 } }], 4326);
 * assert.ok(files.shp.length === 100 + 8 + 20);
 * ```
 */
export function writeShapefile(
  features: SimpleFeature[],
  srs: number,
): { shp: Uint8Array; shx: Uint8Array; dbf: Uint8Array; prj: Uint8Array } {
  const type = features.length ? TYPE[features[0].geometry.type] : 5;
  const bodies = features.map(content);
  const bbox = features.length
    ? boundsOf(features.flatMap((f) => positionsOf(f.geometry)))
    : [0, 0, 0, 0];
  const full = [...bbox, 0, 0, 0, 0];
  const shpLength = 100 + bodies.reduce((n, b) => n + 8 + b.length, 0);
  const shp = new Uint8Array(shpLength);
  const shx = new Uint8Array(100 + 8 * bodies.length);
  const sv = new DataView(shp.buffer), xv = new DataView(shx.buffer);
  header(sv, shpLength, type, full);
  header(xv, shx.length, type, full);
  let at = 100;
  bodies.forEach((b, i) => {
    xv.setInt32(100 + 8 * i, at / 2, false);
    xv.setInt32(104 + 8 * i, b.length / 2, false);
    sv.setInt32(at, i + 1, false);
    sv.setInt32(at + 4, b.length / 2, false);
    shp.set(b, at + 8);
    at += 8 + b.length;
  });
  return { shp, shx, dbf: dbf(features), prj: new TextEncoder().encode(CRS_WKT[srs]) };
}
