/**
 * eojobs plotting: tile status maps, rasters read from GeoTIFF and time series with Observable
 * Plot, shown inline in Jupyter and saved as SVG or HTML from scripts.
 *
 * @example
 * ```ts ignore
 * import { mapFigure } from "./plot.ts";
 * await mapFigure({ title: "Tiles", aoi, tiles });
 * ```
 *
 * @module
 */
export * from "./lib/plot/mod.ts";
