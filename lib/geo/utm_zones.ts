/**
 * An area cut into its parts per UTM zone and hemisphere: the standard 6° zones (without the
 * Norway and Svalbard exceptions), north of the equator in EPSG:326xx, south in 327xx. A part's
 * edges along a zone's meridian are densified so that, projected, they follow the meridian's
 * curve and the parts of neighbouring zones meet without a gap.
 *
 * @module
 */
import polygonClipping, { type MultiPolygon as PcMulti } from "../deps/polygon_clipping.ts";
import { type AreaGeometry, bboxOf, fromPolygons, polygonsOf, type Ring } from "./types.ts";

/** One part of an area inside one UTM zone and hemisphere. */
export interface UtmPart {
  /** `EPSG:326xx` or `EPSG:327xx`. */
  crs: string;
  /** The part, in EPSG:4326. */
  area: AreaGeometry;
}

/** Degrees between the points added along a zone's meridian. */
const MERIDIAN_STEP = 0.05;

/** Adds points along edges that lie on the meridian `lon`, every {@linkcode MERIDIAN_STEP}. */
function densifyMeridians(ring: Ring, west: number, east: number): Ring {
  const out: Ring = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i], [x1, y1] = ring[i + 1];
    out.push(ring[i]);
    if (x0 !== x1 || (x0 !== west && x0 !== east)) continue;
    const steps = Math.floor(Math.abs(y1 - y0) / MERIDIAN_STEP);
    for (let k = 1; k < steps; k++) out.push([x0, y0 + ((y1 - y0) * k) / steps]);
  }
  out.push(ring[ring.length - 1]);
  return out;
}

/**
 * The parts of `area` per UTM zone and hemisphere, west to east, north before south.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utmParts } from "./utm_zones.ts";
 * const parts = utmParts({ type: "Polygon", coordinates: [[[11, 47], [13, 47], [13, 48], [11, 48], [11, 47]]] });
 * assert.ok(parts.map((p) => p.crs).join() === "EPSG:32632,EPSG:32633");
 * ```
 */
export function utmParts(area: AreaGeometry): UtmPart[] {
  const [w, s, e, n] = bboxOf(area);
  const z0 = Math.min(60, Math.floor((w + 180) / 6) + 1);
  const z1 = Math.min(60, Math.floor((e + 180) / 6) + 1);
  const hemispheres = [...(n > 0 ? [326] : []), ...(s < 0 ? [327] : [])];
  const single = z0 === z1 && hemispheres.length === 1;
  const parts: UtmPart[] = [];
  for (let zone = z0; zone <= z1; zone++) {
    const west = -180 + 6 * (zone - 1), east = west + 6;
    for (const code of hemispheres) {
      const crs = `EPSG:${code}${String(zone).padStart(2, "0")}`;
      if (single) {
        parts.push({ crs, area });
        continue;
      }
      const [south, north] = code === 326 ? [0, 90] : [-90, 0];
      const band = [[[west, south], [east, south], [east, north], [west, north], [west, south]]];
      const cut = polygonClipping.intersection(
        polygonsOf(area) as unknown as PcMulti,
        band as unknown as PcMulti,
      ) as unknown as Ring[][];
      if (cut.length === 0) continue;
      const rings = cut.map((polygon) => polygon.map((r) => densifyMeridians(r, west, east)));
      parts.push({ crs, area: fromPolygons(rings) });
    }
  }
  return parts;
}
