/**
 * The sandbox's synthetic "PV farms": rectangles scattered over land on a global 0.02° lattice by
 * a hash of the cell, so every tile of every job agrees with its neighbours and the same place
 * always shows the same farms.
 *
 * @module
 */

import { projection, utmCrs } from "../../geo/projection.ts";
import { sampleGrid, samplePlanes } from "./grid.ts";
import { onLand } from "./land.ts";

const CELL = 0.02;

function hash(i: number, j: number, salt: number): number {
  let h = Math.imul(i, 374761393) ^ Math.imul(j, 668265263) ^ Math.imul(salt, 2246822519);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const landCache = new Map<string, boolean>();

/** The farm of lattice cell (i, j), as `[west, south, east, north]`, if it has one (on land only). */
export function farmOf(i: number, j: number): [number, number, number, number] | undefined {
  if (hash(i, j, 1) > 0.18) return undefined;
  const key = `${i},${j}`;
  let land = landCache.get(key);
  if (land === undefined) landCache.set(key, land = onLand((i + 0.5) * CELL, (j + 0.5) * CELL));
  if (!land) return undefined;
  const w = 0.002 + 0.006 * hash(i, j, 2), h = 0.0015 + 0.004 * hash(i, j, 3);
  const x = i * CELL + (CELL - w) * hash(i, j, 4), y = j * CELL + (CELL - h) * hash(i, j, 5);
  return [x, y, x + w, y + h];
}

/**
 * 1 where a PV farm covers the point, else 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pvAt } from "./pv_farms.ts";
 * assert.ok(pvAt(16.4, 48.2) === 0 || pvAt(16.4, 48.2) === 1);
 * ```
 */
export function pvAt(lon: number, lat: number): 0 | 1 {
  const f = farmOf(Math.floor(lon / CELL), Math.floor(lat / CELL));
  return f && lon >= f[0] && lon < f[2] && lat >= f[1] && lat < f[3] ? 1 : 0;
}

/** Every farm that overlaps `[west, south, east, north]`. */
export function farmsIn(
  bbox: [number, number, number, number],
): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  for (let i = Math.floor(bbox[0] / CELL); i <= Math.floor(bbox[2] / CELL); i++) {
    for (let j = Math.floor(bbox[1] / CELL); j <= Math.floor(bbox[3] / CELL); j++) {
      const f = farmOf(i, j);
      if (f && f[0] < bbox[2] && f[2] > bbox[0] && f[1] < bbox[3] && f[3] > bbox[1]) out.push(f);
    }
  }
  return out;
}

/**
 * A PV mask raster over the lon/lat `bbox`, in `crs` (default the UTM zone of its centre, as
 * openEO delivers Sentinel-2 based results), `pixel` CRS units a side, at most `maxSide` pixels.
 */
export function pvRaster(
  bbox: [number, number, number, number],
  maxSide = 4096,
  crs = utmCrs([(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2]),
) {
  const grid = sampleGrid(bbox, crs, projection(crs).geographic ? 0.0002 : 10, maxSide);
  const [data] = samplePlanes(grid, (n) => new Uint8Array(n), 1, (lon, lat, out) => {
    out[0] = pvAt(lon, lat);
  });
  return { width: grid.width, height: grid.height, data, bbox: grid.bbox, crs: grid.crs };
}
