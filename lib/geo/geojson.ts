/**
 * Tiles out as GeoJSON and WKT.
 *
 * @module
 */
import type { AreaFeatureCollection, AreaGeometry } from "./types.ts";

/**
 * A FeatureCollection of areas, each with the given properties (index `i` added).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toFeatureCollection } from "./geojson.ts";
 * const fc = toFeatureCollection([{ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }]);
 * assert.ok(fc.features[0].properties.i === 0);
 * ```
 */
export function toFeatureCollection<P extends Record<string, unknown>>(
  geometries: AreaGeometry[],
  properties: (geometry: AreaGeometry, i: number) => P = () => ({} as P),
): AreaFeatureCollection<P & { i: number }> {
  return {
    type: "FeatureCollection",
    features: geometries.map((geometry, i) => ({
      type: "Feature",
      geometry,
      properties: { ...properties(geometry, i), i },
    })),
  };
}
