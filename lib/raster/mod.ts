/**
 * Rasters as data: read GeoTIFFs in any CRS, reproject them, write Cloud-Optimized GeoTIFFs and
 * mosaics of many tiles (with a VRT) that GDAL and QGIS open as one layer.
 *
 * @module
 */
export {
  type CogOptions,
  type CogRaster,
  CogWriter,
  type DataType,
  encodeCog,
  type OverviewResampling,
  type Pixels,
} from "./cog_writer.ts";
export { RasterError } from "./errors.ts";
export { type MosaicOptions, type MosaicResult, writeMosaic } from "./mosaic_cog.ts";
export {
  type RasterData,
  type RasterInfo,
  rasterInfo,
  readRaster,
  type ReadRasterOptions,
  valueAt,
} from "./read.ts";
export { lonLatBBox, reproject, type ReprojectOptions, toLonLat, transformBBox } from "./warp.ts";
