/**
 * Plots with Observable Plot: tile status maps, rasters from GeoTIFFs, figures that show in
 * Jupyter and save as files.
 *
 * @module
 */
export * from "./colors.ts";
export * from "./figure.ts";
export {
  mapFigure,
  type MapLayer,
  type MapOptions,
  type MapTile,
  type RasterStyle,
} from "./map.ts";
export * from "./raster.ts";
export { lonLatBBox, reproject, toLonLat } from "../raster/warp.ts";
export * from "./timeseries.ts";
export * from "./place.ts";
export * from "./mosaic.ts";
export * from "./interactive_map.ts";
