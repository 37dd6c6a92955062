/**
 * Raster reading for figures: the reader of `lib/raster`, which places rasters in any CRS.
 *
 * @module
 */
export { type RasterData, readRaster, type ReadRasterOptions, valueAt } from "../raster/read.ts";
