/**
 * Synthetic optical imagery for the sandbox: a patchwork of parcels (soil, crops, meadow,
 * forest, built-up, water) with plausible red, green, blue and near-infrared reflectance, so
 * composites and pansharpened scenes look like farmland.
 *
 * @module
 */

/** Reflectance x 10 000 in red, green, blue, near infrared. */
const SOIL = [2200, 1900, 1500, 2600],
  CROP = [900, 1400, 800, 3800],
  MEADOW = [1100, 1700, 1000, 3200];
const FOREST = [500, 800, 550, 2900],
  BUILT = [2500, 2400, 2300, 2600],
  WATER = [400, 600, 800, 300];
const COVERS = [SOIL, CROP, MEADOW, FOREST, CROP, MEADOW, SOIL, FOREST, MEADOW, BUILT, WATER];

function fraction(v: number): number {
  const s = Math.sin(v) * 43758.5453;
  return s - Math.floor(s);
}

/**
 * `bands` planes (1 to 4: red, green, blue, near infrared) of `width` x `height` pixels over
 * `[west, south, east, north]`, parcels of about 300 m, with a little sensor noise.
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
): Uint16Array[] {
  const [w, s, e, n] = bbox;
  const planes = Array.from({ length: bands }, () => new Uint16Array(width * height));
  for (let y = 0; y < height; y++) {
    const lat = n - (y + 0.5) * (n - s) / height;
    for (let x = 0; x < width; x++) {
      const lon = w + (x + 0.5) * (e - w) / width;
      const cover = COVERS[
        Math.floor(
          fraction(Math.floor(lon / 0.004) * 12.9898 + Math.floor(lat / 0.003) * 78.233) *
            COVERS.length,
        )
      ];
      const noise = 1 + 0.06 * (fraction(x * 12.9898 + y * 78.233) - 0.5);
      planes.forEach((p, k) => (p[y * width + x] = Math.round(cover[k] * noise)));
    }
  }
  return planes;
}
