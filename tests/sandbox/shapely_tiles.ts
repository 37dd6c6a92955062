/**
 * shapely's tiles of the areas in shapely_tiles.json (written by shapely_tiles.py), the expected
 * answers for the twin's /tiles and for `platformTiles`.
 */

import type { Ring } from "../../lib/geo/types.ts";
export type { Ring };
/** A tile or an area as GeoJSON. */
export type Geometry = { type: string; coordinates: unknown };

/** Each area, as sent, and the tiles shapely makes of it, in its order. */
export const SHAPELY_CASES = (JSON.parse(
  await Deno.readTextFile(new URL("./shapely_tiles.json", import.meta.url)),
) as { cases: Array<{ name: string; aoi: Geometry; tiles: Geometry[] }> }).cases;

/** The polygons of a Polygon or MultiPolygon. */
export const polygons = (g: Geometry): Ring[][] =>
  (g.type === "Polygon" ? [g.coordinates] : g.coordinates) as Ring[][];
