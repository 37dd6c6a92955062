/**
 * GeoJSON geometry types for areas (EPSG:4326, longitude first), as the platforms send them.
 *
 * @module
 */

/** `[longitude, latitude]` (or `[x, y]` in a projected CRS). */
export type Position = [number, number];
/** A closed ring: the first position repeated at the end. */
export type Ring = Position[];

/** A GeoJSON Polygon: an outer ring and holes. */
export interface Polygon {
  /** Always `"Polygon"`. */
  type: "Polygon";
  /** Outer ring first, then holes. */
  coordinates: Ring[];
}

/** A GeoJSON MultiPolygon. */
export interface MultiPolygon {
  /** Always `"MultiPolygon"`. */
  type: "MultiPolygon";
  /** One ring list per polygon. */
  coordinates: Ring[][];
}

/** An area: a Polygon or a MultiPolygon. */
export type AreaGeometry = Polygon | MultiPolygon;

/** A GeoJSON Feature around an area. */
export interface AreaFeature<P = Record<string, unknown>> {
  /** Always `"Feature"`. */
  type: "Feature";
  /** Feature id. */
  id?: string | number;
  /** The area. */
  geometry: AreaGeometry;
  /** Properties. */
  properties: P;
}

/** A GeoJSON FeatureCollection of areas. */
export interface AreaFeatureCollection<P = Record<string, unknown>> {
  /** Always `"FeatureCollection"`. */
  type: "FeatureCollection";
  /** The features. */
  features: AreaFeature<P>[];
}

/** `[west, south, east, north]`. */
export type BBox = [number, number, number, number];

/**
 * The polygons of an area as a list of ring lists.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { polygonsOf } from "./types.ts";
 * const square = { type: "Polygon" as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] as [number, number][][] };
 * assert.ok(polygonsOf(square).length === 1);
 * ```
 */
export function polygonsOf(geometry: AreaGeometry): Ring[][] {
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
}

/**
 * A Polygon when there is one part, else a MultiPolygon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromPolygons } from "./types.ts";
 * assert.ok(fromPolygons([[[[0, 0], [1, 0], [1, 1], [0, 0]]]]).type === "Polygon");
 * ```
 */
export function fromPolygons(polygons: Ring[][]): AreaGeometry {
  return polygons.length === 1
    ? { type: "Polygon", coordinates: polygons[0] }
    : { type: "MultiPolygon", coordinates: polygons };
}

/**
 * The bounding box of an area.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bboxOf } from "./types.ts";
 * const b = bboxOf({ type: "Polygon", coordinates: [[[0, 0], [2, 0], [2, 1], [0, 0]]] });
 * assert.ok(b.join() === "0,0,2,1");
 * ```
 */
export function bboxOf(geometry: AreaGeometry): BBox {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const polygon of polygonsOf(geometry)) {
    for (const [x, y] of polygon[0]) {
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
    }
  }
  return [w, s, e, n];
}
