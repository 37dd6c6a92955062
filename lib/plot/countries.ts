/**
 * Country outlines (Natural Earth 1:50m, npm `world-atlas`) as GeoJSON features with their
 * bounding boxes, made once and shared by the maps' background and {@linkcode describePlace}.
 * The 1:50m set keeps a script's memory small (the 1:10m one costs about 40 MB more).
 *
 * @module
 */
import countries from "../deps/world_countries_50m.ts";
import { feature } from "../deps/topojson.ts";
import type { BBox, Position } from "../geo/types.ts";

/** A country's outline. */
export interface Country {
  /** GeoJSON feature, as `world-atlas` gives it. */
  type: "Feature";
  /** Polygon or MultiPolygon in longitude/latitude. */
  geometry: { type: "Polygon" | "MultiPolygon"; coordinates: Position[][] | Position[][][] };
  /** Natural Earth's short name. */
  properties: { name: string };
  /** `[west, south, east, north]` of the outline. */
  bbox: BBox;
}

let all: Country[] | undefined;

/**
 * Every country with an outline, made on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countryOutlines } from "./countries.ts";
 * assert.ok(countryOutlines().some((c) => c.properties.name === "Austria"));
 * ```
 */
export function countryOutlines(): Country[] {
  if (all) return all;
  const collection = feature(
    countries as never,
    (countries as unknown as { objects: { countries: never } }).objects.countries,
  ) as unknown as {
    features: Array<Omit<Country, "bbox"> & { geometry: Country["geometry"] | null }>;
  };
  all = collection.features.filter((f) => f.geometry).map((f) => {
    let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
    const polygons = f.geometry!.type === "Polygon"
      ? [f.geometry!.coordinates as Position[][]]
      : f.geometry!.coordinates as Position[][][];
    for (const rings of polygons) {
      for (const [x, y] of rings[0]) {
        w = Math.min(w, x), s = Math.min(s, y), e = Math.max(e, x), n = Math.max(n, y);
      }
    }
    return { ...f, geometry: f.geometry!, bbox: [w, s, e, n] as BBox };
  });
  return all;
}

/** The countries with a corner of their outline within `margin` degrees of `bbox`. */
export function countriesNear([w, s, e, n]: BBox, margin = 5): Country[] {
  const near = ([x, y]: Position) =>
    x > w - margin && x < e + margin && y > s - margin && y < n + margin;
  return countryOutlines().filter(({ bbox, geometry }) => {
    if (bbox[0] > e + margin || bbox[2] < w - margin || bbox[1] > n + margin) return false;
    if (bbox[3] < s - margin) return false;
    const polygons = geometry.type === "Polygon"
      ? [geometry.coordinates as Position[][]]
      : geometry.coordinates as Position[][][];
    return polygons.some((rings) => rings[0].some(near));
  });
}
