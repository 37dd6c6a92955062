/**
 * Reads GeoTIFFs and COGs with geotiff.js: from a file, bytes, or a URL with range reads of the
 * smallest overview that is still detailed enough, never the whole file.
 *
 * @module
 */
import { fromArrayBuffer, fromUrl, type GeoTIFF } from "../deps/geotiff.ts";

/** One band of a raster in EPSG:4326 (or the file's CRS). */
export interface RasterData {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** `[west, south, east, north]`. */
  bbox: [number, number, number, number];
  /** Band values (the first band read), row-major, north row first. */
  values: ArrayLike<number>;
  /** Every band read, when more than one was asked for (red, green, blue for RGB). */
  bands?: ArrayLike<number>[];
  /** The no-data value, if the file declares one. */
  nodata?: number;
  /** Pixel size of the level read, in CRS units. */
  resolution: [number, number];
  /** Which image of the file was read: 0 is full resolution, higher are overviews. */
  level: number;
}

/** Options of {@linkcode readRaster}. */
export interface ReadRasterOptions {
  /** Read the coarsest level whose longer side still has at least this many pixels. Default: full resolution. */
  maxSide?: number;
  /** Band index. Default 0. */
  band?: number;
  /** Several bands, such as `[3, 2, 1]` for red, green, blue; overrides `band`. */
  bands?: number[];
  /** Aborts reading. */
  signal?: AbortSignal;
}

/**
 * Reads one band of a GeoTIFF.
 *
 * @example
 * ```ts ignore
 * import { readRaster } from "./raster.ts";
 * const r = await readRaster("out/openEO.tif", { maxSide: 512 });
 * console.log(r.width, r.height, r.bbox);
 * ```
 */
export async function readRaster(
  source: string | URL | Uint8Array,
  options: ReadRasterOptions = {},
): Promise<RasterData> {
  let tiff: GeoTIFF;
  if (source instanceof Uint8Array) {
    tiff = await fromArrayBuffer(source.slice().buffer);
  } else if (source instanceof URL || /^https?:\/\//.test(source)) {
    tiff = await fromUrl(String(source), { allowFullFile: false }, options.signal);
  } else {
    const bytes = await Deno.readFile(source);
    tiff = await fromArrayBuffer(bytes.buffer);
  }
  const full = await tiff.getImage(0);
  const count = await tiff.getImageCount();
  let level = 0;
  let image = full;
  if (options.maxSide) {
    for (let i = count - 1; i > 0; i--) {
      const candidate = await tiff.getImage(i);
      if (Math.max(candidate.getWidth(), candidate.getHeight()) >= options.maxSide) {
        image = candidate;
        level = i;
        break;
      }
    }
  }
  const bbox = full.getBoundingBox() as [number, number, number, number];
  const samples = options.bands ?? [options.band ?? 0];
  const read = await image.readRasters({ samples, signal: options.signal }) as unknown as ArrayLike<
    number
  >[];
  const nodata = full.getGDALNoData();
  return {
    width: image.getWidth(),
    height: image.getHeight(),
    bbox,
    values: read[0],
    bands: samples.length > 1 ? [...read] : undefined,
    nodata: nodata ?? undefined,
    resolution: [(bbox[2] - bbox[0]) / image.getWidth(), (bbox[3] - bbox[1]) / image.getHeight()],
    level,
  };
}

/** The value at a longitude/latitude, or undefined outside the raster. */
export function valueAt(raster: RasterData, lon: number, lat: number): number | undefined {
  const x = Math.floor((lon - raster.bbox[0]) / raster.resolution[0]);
  const y = Math.floor((raster.bbox[3] - lat) / raster.resolution[1]);
  if (x < 0 || y < 0 || x >= raster.width || y >= raster.height) return undefined;
  return raster.values[y * raster.width + x];
}
