/**
 * Reprojects rasters between CRSs by nearest neighbour (class masks and codes stay exact): each
 * output pixel looks up the source pixel under its centre. Inverse projections are computed on a
 * coarse lattice and interpolated between, which stays well under a pixel for the tiles platforms
 * deliver and is many times faster than projecting every pixel.
 *
 * @module
 */
import { projection } from "../geo/projection.ts";
import type { RasterData } from "./read.ts";

import type { BBox } from "../geo/types.ts";
import { InputError } from "../input_error.ts";

/** Output pixels between exactly projected lattice nodes. */
const NODE = 16;

/** Options of {@linkcode reproject}. */
export interface ReprojectOptions {
  /** The output's longer side, in pixels. Default: about as many pixels as the source. */
  maxSide?: number;
}

/**
 * The extent of `bbox` (in `from`) in `to`, from points along its edges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transformBBox } from "./warp.ts";
 * const [w, , e] = transformBBox([16, 48, 17, 49], "EPSG:4326", "EPSG:32633");
 * assert.ok(w > 500_000 && e > w);
 * ```
 */
export function transformBBox(bbox: BBox, from: string, to: string): BBox {
  const src = projection(from), dst = projection(to);
  const xs: number[] = [], ys: number[] = [];
  const [w, s, e, n] = bbox;
  for (let i = 0; i <= 16; i++) {
    const fx = w + (e - w) * i / 16, fy = s + (n - s) * i / 16;
    for (const p of [[fx, s], [fx, n], [w, fy], [e, fy]]) {
      const [x, y] = dst.forward(src.inverse(p as [number, number]));
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length === 0) {
    throw new InputError(
      "bbox",
      `[${bbox}] in ${from} has no place in ${to}`,
      "choose a CRS whose area of use covers it",
    );
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * Maps output pixel centres to source CRS coordinates: a lattice of exact points every
 * {@linkcode NODE} pixels, bilinear between them.
 */
export function pixelMapper(
  from: string,
  to: string,
  origin: [number, number],
  pixel: [number, number],
  width: number,
  height: number,
): (x: number, y: number) => [number, number] {
  const src = projection(from), dst = projection(to);
  const across = Math.ceil(width / NODE) + 1, down = Math.ceil(height / NODE) + 1;
  const nodes = new Float64Array(across * down * 2);
  for (let j = 0; j < down; j++) {
    for (let i = 0; i < across; i++) {
      const p = src.forward(
        dst.inverse([origin[0] + i * NODE * pixel[0], origin[1] - j * NODE * pixel[1]]),
      );
      nodes[(j * across + i) * 2] = p[0];
      nodes[(j * across + i) * 2 + 1] = p[1];
    }
  }
  return (x, y) => {
    const fx = (x + 0.5) / NODE, fy = (y + 0.5) / NODE;
    const i = Math.min(across - 2, Math.floor(fx)), j = Math.min(down - 2, Math.floor(fy));
    const u = fx - i, v = fy - j;
    const at = (a: number, b: number, k: number) => nodes[(b * across + a) * 2 + k];
    const mix = (k: number) =>
      (1 - v) * ((1 - u) * at(i, j, k) + u * at(i + 1, j, k)) +
      v * ((1 - u) * at(i, j + 1, k) + u * at(i + 1, j + 1, k));
    return [mix(0), mix(1)];
  };
}

/**
 * `raster` in `crs`: values as `Float32Array`, no-data `NaN` (where the source has none, or its
 * no-data value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reproject } from "./warp.ts";
 * const utm = { width: 100, height: 100, bbox: [600_000, 5_300_000, 601_000, 5_301_000] as [number, number, number, number],
 *   crs: "EPSG:32633", values: new Uint8Array(100 * 100).fill(7), resolution: [10, 10] as [number, number], level: 0 };
 * const ll = reproject(utm, "EPSG:4326");
 * assert.equal(ll.crs, "EPSG:4326");
 * assert.ok(ll.bbox[0] > 16 && ll.bbox[0] < 17 && ll.bbox[1] > 47.8 && ll.bbox[1] < 47.9);
 * assert.equal(ll.values[Math.floor(ll.height / 2) * ll.width + Math.floor(ll.width / 2)], 7);
 * ```
 */
export function reproject(
  raster: RasterData,
  crs: string,
  options: ReprojectOptions = {},
): RasterData {
  const from = projection(raster.crs ?? "EPSG:4326").crs;
  const target = projection(crs);
  if (from === target.crs && options.maxSide === undefined) return raster;
  const bbox = transformBBox(raster.bbox, from, target.crs);
  const [w, s, e, n] = bbox;
  const mid = (s + n) / 2;
  const groundAspect = ((e - w) * (target.geographic ? Math.cos(mid * Math.PI / 180) : 1)) /
    (n - s);
  const side = options.maxSide ??
    Math.round(Math.sqrt(raster.width * raster.height * Math.max(groundAspect, 1 / groundAspect)));
  const width = Math.max(1, Math.round(groundAspect >= 1 ? side : side * groundAspect));
  const height = Math.max(1, Math.round(groundAspect >= 1 ? side / groundAspect : side));
  const pixel: [number, number] = [(e - w) / width, (n - s) / height];
  const toSource = pixelMapper(from, target.crs, [w, n], pixel, width, height);
  const sources = raster.bands && raster.bands.length > 1 ? raster.bands : [raster.values];
  const outs = sources.map(() => new Float32Array(width * height).fill(NaN));
  const [sw, , , sn] = raster.bbox;
  const [rx, ry] = raster.resolution;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [px, py] = toSource(x, y);
      const c = Math.floor((px - sw) / rx), r = Math.floor((sn - py) / ry);
      if (c < 0 || r < 0 || c >= raster.width || r >= raster.height) continue;
      const at = r * raster.width + c;
      const v = sources[0][at];
      if (v === raster.nodata || Number.isNaN(v)) continue;
      for (let b = 0; b < sources.length; b++) outs[b][y * width + x] = sources[b][at];
    }
  }
  return {
    width,
    height,
    bbox,
    crs: target.crs,
    values: outs[0],
    ...(outs.length > 1 ? { bands: outs } : {}),
    nodata: NaN,
    resolution: pixel,
    level: raster.level,
    source: raster.source,
    metadata: raster.metadata,
  };
}

/**
 * `raster` in longitude/latitude (EPSG:4326), as maps draw it; itself when it already is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toLonLat } from "./warp.ts";
 * const r = { width: 1, height: 1, bbox: [0, 0, 1, 1] as [number, number, number, number], values: [1], resolution: [1, 1] as [number, number], level: 0 };
 * assert.equal(toLonLat(r), r);
 * ```
 */
export function toLonLat(raster: RasterData): RasterData {
  return !raster.crs || projection(raster.crs).crs === "EPSG:4326"
    ? raster
    : reproject(raster, "EPSG:4326");
}

/**
 * A raster's extent in longitude/latitude, `[west, south, east, north]`, whatever its CRS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lonLatBBox } from "./warp.ts";
 * const [w, s] = lonLatBBox({ bbox: [500_000, 0, 510_000, 10_000], crs: "EPSG:32631" });
 * assert.ok(Math.abs(w - 3) < 1e-9 && Math.abs(s) < 1e-9);
 * ```
 */
export function lonLatBBox(raster: { bbox: BBox; crs?: string }): BBox {
  return !raster.crs || projection(raster.crs).crs === "EPSG:4326"
    ? raster.bbox
    : transformBBox(raster.bbox, raster.crs, "EPSG:4326");
}
