/**
 * The sandbox's GeoTIFFs: Cloud-Optimized GeoTIFFs from the project's own COG writer (tiles,
 * DEFLATE with a predictor, overviews that keep small features by taking each block's maximum),
 * in the CRS a real service would deliver, marked as synthetic in their GDAL metadata.
 *
 * @module
 */
import { SYNTHETIC } from "../../display/synthetic.ts";
import { encodeCog, type Pixels } from "../../raster/cog_writer.ts";

/** A raster to write. */
export interface RasterInput {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** `width * height` values, row-major, north row first. */
  data: Pixels;
  /** More bands of the same type and size. */
  extraBands?: Pixels[];
  /** `[west, south, east, north]` in the CRS's units. */
  bbox: [number, number, number, number];
  /** Value that means "no data". */
  nodata?: number;
  /** The CRS. @default "EPSG:4326" */
  crs?: string;
}

/**
 * Encodes `raster` as a COG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeGeoTiff } from "./geotiff_writer.ts";
 * const tif = await writeGeoTiff({ width: 2, height: 2, data: new Uint8Array([0, 1, 1, 0]), bbox: [0, 0, 1, 1] });
 * assert.deepEqual([tif[0], tif[2]], [0x49, 42]);
 * ```
 */
export function writeGeoTiff(raster: RasterInput): Promise<Uint8Array> {
  return encodeCog({
    width: raster.width,
    height: raster.height,
    bands: [raster.data, ...(raster.extraBands ?? [])],
    bbox: raster.bbox,
    crs: raster.crs,
    nodata: raster.nodata,
    resampling: "max",
    metadata: { SOURCE: SYNTHETIC },
  });
}
