/**
 * Synthetic optical imagery for the sandbox: the synthetic world's water, forest, towns and
 * field parcels (soil, crops, meadow) with plausible red, green, blue and near-infrared
 * reflectance, so composites and pansharpened scenes look like a landscape.
 *
 * @module
 */
import { type SampleGrid, samplePlanes } from "./grid.ts";
import { coverAt, parcelAt, seasonOf, speckleAt } from "./world.ts";

/** Reflectance x 10 000 in red, green, blue, near infrared. */
const SOIL = [2200, 1900, 1500, 2600],
  CROP = [900, 1400, 800, 3800],
  MEADOW = [1100, 1700, 1000, 3200];
const FOREST = [500, 800, 550, 2900],
  BUILT = [2500, 2400, 2300, 2600],
  WATER = [400, 600, 800, 300];
/** Field parcels: bare soil, crops and meadow in these shares. */
const FIELDS = [SOIL, CROP, CROP, MEADOW, MEADOW, SOIL, CROP];

/** Reflectance at a place on a day: the cover's, fields greener in the growing season. */
function reflectanceAt(lon: number, lat: number, season: number): number[] {
  switch (coverAt(lon, lat)) {
    case "water":
      return WATER;
    case "forest":
      return FOREST;
    case "town":
      return BUILT;
    default: {
      const crop = FIELDS[Math.floor(parcelAt(lon, lat) * FIELDS.length)];
      if (crop === SOIL) return SOIL;
      // Vegetation grows from bare soil to its full reflectance over the season.
      return crop.map((v, k) => Math.round(SOIL[k] + (v - SOIL[k]) * season));
    }
  }
}

/**
 * Writes the red, green, blue and near-infrared reflectance at a place into `out` (as many as
 * `out` holds), with a little sensor noise. Every value is a function of its position, so tiles
 * of neighbouring areas match.
 */
export function landCoverAt(lon: number, lat: number, season: number, out: number[]): void {
  const cover = reflectanceAt(lon, lat, season);
  const noise = 1 + 0.06 * speckleAt(lon, lat);
  for (let k = 0; k < out.length; k++) out[k] = Math.round(cover[k] * noise);
}

/**
 * `bands` planes (1 to 4: red, green, blue, near infrared) over `grid` from the sandbox's
 * synthetic world (see `world.ts`) on `dayOfYear` (default 180, early summer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { landCoverOn } from "./land_cover.ts";
 * import { sampleGrid } from "./grid.ts";
 * const [red] = landCoverOn(sampleGrid([14, 47, 14.1, 47.1], "EPSG:32633", 100), 1);
 * assert.ok(red.length > 0 && red[0] > 0);
 * ```
 */
export function landCoverOn(grid: SampleGrid, bands: number, dayOfYear = 180): Uint16Array[] {
  const season = seasonOf(dayOfYear);
  return samplePlanes(
    grid,
    (n) => new Uint16Array(n),
    bands,
    (lon, lat, out) => landCoverAt(lon, lat, season, out),
  );
}

/**
 * `bands` planes of `width` x `height` pixels over the lon/lat `[west, south, east, north]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { landCoverBands } from "./land_cover.ts";
 * const [red] = landCoverBands([14, 47, 14.1, 47.1], 10, 10, 1);
 * assert.equal(red.length, 100);
 * ```
 */
export function landCoverBands(
  bbox: [number, number, number, number],
  width: number,
  height: number,
  bands: number,
  dayOfYear = 180,
): Uint16Array[] {
  const [w, s, e, n] = bbox;
  const grid: SampleGrid = {
    width,
    height,
    bbox,
    crs: "EPSG:4326",
    lonLat: (x, y) => [w + (x + 0.5) * (e - w) / width, n - (y + 0.5) * (n - s) / height],
  };
  return landCoverOn(grid, bands, dayOfYear);
}
