/**
 * The sandbox's synthetic world: one deterministic function of position, so that every file
 * any twin makes of a place agrees with every other and neighbouring tiles meet without a seam.
 * Terrain is fractal value noise; water lies in the lows, forest on the heights and where it is
 * wet, towns in a few lowland patches, and fields, cut into parcels, everywhere else. It is
 * synthetic, and looks like a landscape rather than noise.
 *
 * @module
 */

/** What covers the ground at a place. */
export type Cover = "water" | "forest" | "town" | "field";

/** A hash of a lattice point to [0, 1). */
function hash(i: number, j: number, seed: number): number {
  const s = Math.sin(i * 127.1 + j * 311.7 + seed * 74.7) * 43758.5453;
  return s - Math.floor(s);
}

/** Value noise at `scale` degrees: smooth between lattice points, in [0, 1]. */
function valueNoise(lon: number, lat: number, scale: number, seed: number): number {
  const x = lon / scale, y = lat / scale;
  const i = Math.floor(x), j = Math.floor(y);
  const fx = x - i, fy = y - j;
  const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
  const a = hash(i, j, seed), b = hash(i + 1, j, seed);
  const c = hash(i, j + 1, seed), d = hash(i + 1, j + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/** Fractal noise: five octaves from `scale` degrees down, in [0, 1]. */
function fractal(lon: number, lat: number, scale: number, seed: number): number {
  let sum = 0, weight = 0, w = 1, s = scale;
  for (let octave = 0; octave < 5; octave++) {
    sum += w * valueNoise(lon, lat, s, seed + octave);
    weight += w;
    w /= 2;
    s /= 2;
  }
  return sum / weight;
}

/**
 * Terrain from 0 (lowest) to 1 (highest) at a place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { terrainAt } from "./world.ts";
 * const t = terrainAt(16.37, 48.21);
 * assert.ok(t >= 0 && t <= 1 && t === terrainAt(16.37, 48.21));
 * ```
 */
export function terrainAt(lon: number, lat: number): number {
  return fractal(lon, lat, 0.4, 1);
}

/**
 * The land cover at a place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coverAt } from "./world.ts";
 * assert.ok(["water", "forest", "town", "field"].includes(coverAt(16.37, 48.21)));
 * ```
 */
export function coverAt(lon: number, lat: number): Cover {
  const terrain = terrainAt(lon, lat);
  if (terrain < 0.3) return "water";
  const moisture = fractal(lon, lat, 0.15, 11);
  if (terrain > 0.62 || moisture > 0.68) return "forest";
  if (terrain < 0.5 && fractal(lon, lat, 0.03, 23) > 0.72) return "town";
  return "field";
}

/**
 * The parcel a field point lies in (about 400 x 300 m), as a number in [0, 1): fields of one
 * parcel share their crop.
 */
export function parcelAt(lon: number, lat: number): number {
  return hash(Math.floor(lon / 0.005), Math.floor(lat / 0.003), 5);
}

/**
 * How green vegetation is on a day of the year, 0 (bare) to 1 (full): low in winter, highest in
 * early summer.
 */
export function seasonOf(dayOfYear: number): number {
  return 0.5 + 0.5 * Math.sin((2 * Math.PI * (dayOfYear - 100)) / 365);
}

/** A little sensor noise at a place, in [-0.5, 0.5). */
export function speckleAt(lon: number, lat: number): number {
  return hash(Math.round(lon * 1e5), Math.round(lat * 1e5), 97) - 0.5;
}
