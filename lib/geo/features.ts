/**
 * Reads GeoJSON feature collections of any geometry for maps, honouring the old `crs` member
 * that platforms still write (EPSG:3857 output is taken back to longitude/latitude).
 *
 * @module
 */
import { projection } from "./projection.ts";
import type { Position } from "./types.ts";
import { InputError } from "../input_error.ts";

/** Any GeoJSON geometry eojobs draws. */
export type Geometry =
  | { type: "Point"; coordinates: Position }
  | { type: "MultiPoint" | "LineString"; coordinates: Position[] }
  | { type: "MultiLineString" | "Polygon"; coordinates: Position[][] }
  | { type: "MultiPolygon"; coordinates: Position[][][] };

/** A feature in EPSG:4326. */
export interface Feature {
  /** Always `"Feature"`. */
  type: "Feature";
  /** Its geometry. */
  geometry: Geometry;
  /** Its properties. */
  properties: Record<string, unknown>;
}

function mapCoords(coords: unknown, f: (p: Position) => Position): unknown {
  return typeof (coords as unknown[])[0] === "number"
    ? f(coords as Position)
    : (coords as unknown[]).map((c) => mapCoords(c, f));
}

/**
 * The features of a FeatureCollection (object or text), in EPSG:4326.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFeatures } from "./features.ts";
 * const fc = { type: "FeatureCollection", crs: { type: "name", properties: { name: "urn:ogc:def:crs:EPSG::3857" } },
 *   features: [{ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: [0, 0] } }] };
 * assert.ok(readFeatures(fc)[0].geometry.coordinates.join() === "0,0");
 * ```
 */
export function readFeatures(input: string | Record<string, unknown>): Feature[] {
  const fc = (typeof input === "string" ? JSON.parse(input) : input) as {
    type?: string;
    crs?: { properties?: { name?: string } };
    features?: Feature[];
  };
  if (fc.type !== "FeatureCollection" || !Array.isArray(fc.features)) {
    throw new InputError(
      "type",
      `readFeatures expected a GeoJSON FeatureCollection, got type ${JSON.stringify(fc.type)}`,
      "pass a FeatureCollection with a features array",
    );
  }
  const code = fc.crs?.properties?.name?.match(/(\d{4,5})$/)?.[1];
  if (!code || code === "4326" || code === "84") return fc.features;
  const back = projection(`EPSG:${code}`).inverse;
  return fc.features.map((f) => ({
    ...f,
    geometry: { ...f.geometry, coordinates: mapCoords(f.geometry.coordinates, back) } as Geometry,
  }));
}
