/**
 * Is a point on land? Natural Earth's 1:50m land polygons (npm `world-atlas`), with a bounding
 * box per polygon, a planar ray test and a cache per 50 m cell: fast enough to colour rasters.
 *
 * @module
 */
import land from "../../deps/world_land.ts";
import { feature } from "../../deps/topojson.ts";
import { insideRings } from "../../geo/contains.ts";

type Ring = [number, number][];
interface Part {
  box: [number, number, number, number];
  rings: Ring[];
}

let parts: Part[] | undefined;

function load(): Part[] {
  const collection = feature(
    land as never,
    (land as unknown as { objects: { land: never } }).objects.land,
  ) as unknown as {
    features: Array<{ geometry: { type: string; coordinates: Ring[] | Ring[][] } }>;
  };
  const out: Part[] = [];
  for (const f of collection.features) {
    const polygons = f.geometry.type === "Polygon"
      ? [f.geometry.coordinates as Ring[]]
      : f.geometry.coordinates as Ring[][];
    for (const rings of polygons) {
      const xs = rings[0].map((p) => p[0]), ys = rings[0].map((p) => p[1]);
      out.push({
        box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
        rings,
      });
    }
  }
  return out;
}

const GRID = 0.0005;
const known = new Map<string, boolean>();

/**
 * True when the longitude/latitude is on land, to a grid of 0.0005° (about 50 m): answers are
 * kept per grid cell, since the coastlines are far coarser than that anyway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { onLand } from "./land.ts";
 * assert.ok(onLand(16.37, 48.21) && !onLand(-30, 40));
 * ```
 */
export function onLand(lon: number, lat: number): boolean {
  const i = Math.floor(lon / GRID), j = Math.floor(lat / GRID);
  const key = `${i},${j}`;
  let answer = known.get(key);
  if (answer === undefined) {
    if (known.size > 2_000_000) known.clear();
    known.set(key, answer = test((i + 0.5) * GRID, (j + 0.5) * GRID));
  }
  return answer;
}

function test(lon: number, lat: number): boolean {
  parts ??= load();
  for (const { box, rings } of parts) {
    if (lon < box[0] || lon > box[2] || lat < box[1] || lat > box[3]) continue;
    if (
      insideRings([rings[0]], lon, lat) && !rings.slice(1).some((h) => insideRings([h], lon, lat))
    ) {
      return true;
    }
  }
  return false;
}
