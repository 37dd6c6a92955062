/**
 * A mosaic of many rasters on one fixed pixel grid, built one raster at a time: memory stays
 * the size of the grid however many tiles go in, and a map draws one image instead of thousands.
 *
 * @module
 */
import type { RasterData } from "./raster.ts";
import { toLonLat } from "../raster/warp.ts";
import { InputError } from "../input_error.ts";

/** Options of {@linkcode RasterMosaic}. */
export interface RasterMosaicOptions {
  /** Pixels along the longer side of the mosaic. Default 1600. */
  maxSide?: number;
}

/**
 * Rasters resampled (nearest neighbour) onto one grid over `bbox`; pixels no raster covers stay
 * no-data (`NaN`). Later rasters win where they overlap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RasterMosaic } from "./mosaic.ts";
 * const mosaic = new RasterMosaic([16, 48, 17, 49], { maxSide: 100 });
 * mosaic.add({ width: 1, height: 1, bbox: [16, 48, 16.5, 48.5], values: [7], resolution: [0.5, 0.5], level: 0 });
 * const r = mosaic.raster();
 * assert.equal(r.values[r.width * (r.height - 1)], 7);
 * assert.ok(Number.isNaN(r.values[0]));
 * ```
 */
export class RasterMosaic {
  readonly #bbox: [number, number, number, number];
  readonly #width: number;
  readonly #height: number;
  #bands: Float32Array[] = [];
  #count = 0;

  /** An empty mosaic over `bbox` (`[west, south, east, north]`, degrees). */
  constructor(bbox: [number, number, number, number], options: RasterMosaicOptions = {}) {
    const [w, s, e, n] = bbox;
    if (!(e > w && n > s)) {
      throw new InputError("bbox", `[${bbox}] has no area`, "give west < east, south < north");
    }
    const maxSide = options.maxSide ?? 1600;
    // Keep ground pixels square at the mosaic's middle latitude.
    const aspect = ((e - w) * Math.cos(((s + n) / 2) * Math.PI / 180)) / (n - s);
    this.#bbox = bbox;
    this.#width = Math.max(1, Math.round(aspect >= 1 ? maxSide : maxSide * aspect));
    this.#height = Math.max(1, Math.round(aspect >= 1 ? maxSide / aspect : maxSide));
  }

  /** Rasters added so far. */
  get count(): number {
    return this.#count;
  }

  /** Draws `raster` onto the mosaic; its no-data pixels leave what is there. */
  add(input: RasterData): void {
    const raster = toLonLat(input);
    const sources = raster.bands && raster.bands.length > 1 ? raster.bands : [raster.values];
    if (this.#bands.length === 0) {
      this.#bands = sources.map(() => new Float32Array(this.#width * this.#height).fill(NaN));
    }
    if (sources.length !== this.#bands.length) {
      throw new InputError(
        "raster",
        `${sources.length} band(s) where the mosaic has ${this.#bands.length}`,
        "read the same bands for every tile",
      );
    }
    const [W, S, E, N] = this.#bbox;
    const [w, s, e, n] = raster.bbox;
    const px = (E - W) / this.#width, py = (N - S) / this.#height;
    const c0 = Math.max(0, Math.floor((w - W) / px)),
      c1 = Math.min(this.#width, Math.ceil((e - W) / px));
    const r0 = Math.max(0, Math.floor((N - n) / py)),
      r1 = Math.min(this.#height, Math.ceil((N - s) / py));
    for (let r = r0; r < r1; r++) {
      const lat = N - (r + 0.5) * py;
      const sr = Math.floor(((n - lat) / (n - s)) * raster.height);
      if (sr < 0 || sr >= raster.height) continue;
      for (let c = c0; c < c1; c++) {
        const lon = W + (c + 0.5) * px;
        const sc = Math.floor(((lon - w) / (e - w)) * raster.width);
        if (sc < 0 || sc >= raster.width) continue;
        const at = sr * raster.width + sc;
        const v = raster.values[at];
        if (v === raster.nodata || Number.isNaN(v)) continue;
        for (let b = 0; b < sources.length; b++) {
          this.#bands[b][r * this.#width + c] = sources[b][at];
        }
      }
    }
    this.#count++;
  }

  /** The mosaic as one raster (no-data `NaN`), ready for `mapFigure`. */
  raster(): RasterData {
    const [W, S, E, N] = this.#bbox;
    const bands = this.#bands.length > 0
      ? this.#bands
      : [new Float32Array(this.#width * this.#height).fill(NaN)];
    return {
      width: this.#width,
      height: this.#height,
      bbox: this.#bbox,
      values: bands[0],
      ...(bands.length > 1 ? { bands } : {}),
      nodata: NaN,
      resolution: [(E - W) / this.#width, (N - S) / this.#height],
      level: 0,
    };
  }
}
