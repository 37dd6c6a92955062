/**
 * The BEOD twin's own reading of AOI WKT (a POLYGON in lon/lat), written apart from the
 * client's parser so that each checks the other.
 *
 * @module
 */

/** A parsed polygon, or why it could not be read. */
export type WktResult = { rings: [number, number][][] } | { error: string };

/**
 * Reads `POLYGON ((x y, ...), ...)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPolygonWkt } from "./wkt.ts";
 * assert.ok("rings" in readPolygonWkt("POLYGON ((0 0, 1 0, 1 1, 0 0))"));
 * ```
 */
export function readPolygonWkt(text: unknown): WktResult {
  if (typeof text !== "string") return { error: "geometry must be a WKT string" };
  const m = text.trim().match(/^POLYGON\s*\(\s*(\(.*\))\s*\)$/is);
  if (!m) {
    return { error: "geometry must be a WKT POLYGON, such as POLYGON ((lon lat, lon lat, ...))" };
  }
  const rings: [number, number][][] = [];
  for (const ringText of m[1].split(/\)\s*,\s*\(/)) {
    const points = ringText.replace(/[()]/g, "").split(",").map((p) =>
      p.trim().split(/\s+/).map(Number)
    );
    if (points.some((p) => p.length < 2 || p.some((v) => !Number.isFinite(v)))) {
      return { error: `invalid coordinates in ring ${rings.length}: each point is "lon lat"` };
    }
    if (points.length < 4) {
      return { error: `ring ${rings.length} has ${points.length} points; a ring needs at least 4` };
    }
    const [a, b] = [points[0], points[points.length - 1]];
    if (a[0] !== b[0] || a[1] !== b[1]) {
      return { error: `ring ${rings.length} is not closed: repeat the first point at the end` };
    }
    if (points.some(([x, y]) => x < -180 || x > 180 || y < -90 || y > 90)) {
      return {
        error:
          `ring ${rings.length} has coordinates outside lon -180..180, lat -90..90 (lon/lat order expected)`,
      };
    }
    rings.push(points.map(([x, y]) => [x, y]));
  }
  return { rings };
}

/** Area of the outer ring in km² (equirectangular approximation, fine for AOIs of a few km). */
export function areaKm2(rings: [number, number][][]): number {
  const ring = rings[0];
  const lat0 = ring.reduce((a, p) => a + p[1], 0) / ring.length;
  const kx = 111.32 * Math.cos(lat0 * Math.PI / 180), ky = 110.57;
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    a += ring[i][0] * kx * ring[i + 1][1] * ky - ring[i + 1][0] * kx * ring[i][1] * ky;
  }
  return Math.abs(a / 2);
}
