/**
 * Areas of interest and tiling: read and check an AOI (GeoJSON or WKT), split it exactly as
 * the platforms do, or into true-km grids with stable tile ids.
 *
 * @module
 */
export * from "./aoi.ts";
export * from "./errors.ts";
export * from "./geojson.ts";
export * from "./km_grid.ts";
export * from "./platform_grid.ts";
export { defineCrs, type Projection, projection, utmCrs } from "./projection.ts";
export * from "./types.ts";
export * from "./wkt.ts";
export * from "./features.ts";
export { MAX_AOI_VERTICES, MAX_GRID_CELLS } from "./limits.ts";
