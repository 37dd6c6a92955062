/**
 * Where on Earth an area is, in words: the country under its centre (Natural Earth 1:50m), so a
 * script can say "around Austria" before it submits anything, and a warning when the numbers
 * look swapped (the area lies wholly at sea while latitude-first reading lands in a country).
 *
 * @module
 */
import { countryOutlines } from "./countries.ts";
import { type AoiInput, parseAoi } from "../geo/aoi.ts";
import { insideRings } from "../geo/contains.ts";
import { bboxOf, type Position } from "../geo/types.ts";

/**
 * The country at a longitude/latitude, or `undefined` at sea.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countryAt } from "./place.ts";
 * assert.ok(countryAt([16.37, 48.21]) === "Austria");
 * ```
 */
export function countryAt(p: Position): string | undefined {
  for (const c of countryOutlines()) {
    const [w, s, e, n] = c.bbox;
    if (p[0] < w || p[0] > e || p[1] < s || p[1] > n) continue;
    const polygons = c.geometry.type === "Polygon"
      ? [c.geometry.coordinates as Position[][]]
      : c.geometry.coordinates as Position[][][];
    if (polygons.some((rings) => insideRings(rings, p[0], p[1]))) return c.properties.name;
  }
  return undefined;
}

/** Where an area is, from {@linkcode describePlace}. */
export interface Place {
  /** The centre of the area's bounding box, `[longitude, latitude]`. */
  centre: Position;
  /** The country under the centre, if any. */
  country?: string;
  /** One line for a person: `16.43°E 48.17°N (Austria)`. */
  text: string;
  /** Set when the numbers look swapped (latitude written first). */
  warning?: string;
}

const degrees = (v: number, pos: string, neg: string) =>
  `${Math.abs(v).toFixed(2)}°${v >= 0 ? pos : neg}`;

/**
 * Says where an area is and warns when its coordinates look swapped: the whole area lies at sea
 * (its centre and corners) while reading each position as latitude first puts it in a country.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describePlace } from "./place.ts";
 * const vienna = "POLYGON ((16.3 48.1, 16.5 48.1, 16.5 48.3, 16.3 48.3, 16.3 48.1))";
 * assert.ok(describePlace(vienna).text.endsWith("(Austria)"));
 * const swapped = "POLYGON ((-3.1 55.8, -3.1 56.0, -3.3 56.0, -3.3 55.8, -3.1 55.8))".replace(
 *   /(-?[\d.]+) (-?[\d.]+)/g, "$2 $1");
 * assert.ok(describePlace(swapped).warning !== undefined);
 * ```
 */
export function describePlace(aoi: AoiInput): Place {
  const [w, s, e, n] = bboxOf(parseAoi(aoi));
  const centre: Position = [(w + e) / 2, (s + n) / 2];
  const country = countryAt(centre);
  const where = `${degrees(centre[1], "N", "S")} ${degrees(centre[0], "E", "W")}`;
  const text = `${where} (${country ?? "at sea"})`;
  // Only an area wholly at sea is suspicious: coastal areas often have their centre offshore.
  const corners: Position[] = [[w, s], [e, s], [e, n], [w, n]];
  if (country !== undefined || corners.some((p) => countryAt(p)) || Math.abs(centre[0]) > 90) {
    return { centre, country, text };
  }
  const flipped = countryAt([centre[1], centre[0]]);
  if (flipped === undefined) return { centre, text };
  return {
    centre,
    text,
    warning: `the area's centre ${where} is at sea; read latitude first it would be in ` +
      `${flipped}. WKT and GeoJSON put longitude first: if you meant ${flipped}, swap the numbers`,
  };
}
