/**
 * Synthetic optical imagery for the sandbox: the synthetic world's water, forest, towns and
 * field parcels (soil, crops, meadow) with plausible red, green, blue and near-infrared
 * reflectance, so composites and pansharpened scenes look like a landscape.
 *
 * @module
 */
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
 * `bands` planes (1 to 4: red, green, blue, near infrared) of `width` x `height` pixels over
 * `[west, south, east, north]`, from the sandbox's synthetic world (see `world.ts`) on
 * `dayOfYear` (default 180, early summer), with a little sensor noise. Every pixel is a function
 * of its position, so tiles of neighbouring areas match.
 *
 * @example
 * ```ts
 * import { landCoverBands } from "./land_cover.ts";
 * const [red] = landCoverBands([14, 47, 14.1, 47.1], 10, 10, 1);
 * console.assert(red.length === 100);
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
  const season = seasonOf(dayOfYear);
  const planes = Array.from({ length: bands }, () => new Uint16Array(width * height));
  for (let y = 0; y < height; y++) {
    const lat = n - (y + 0.5) * (n - s) / height;
    for (let x = 0; x < width; x++) {
      const lon = w + (x + 0.5) * (e - w) / width;
      const cover = reflectanceAt(lon, lat, season);
      const noise = 1 + 0.06 * speckleAt(lon, lat);
      planes.forEach((p, k) => (p[y * width + x] = Math.round(cover[k] * noise)));
    }
  }
  return planes;
}
