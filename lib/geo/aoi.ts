/**
 * Reads an area of interest from whatever a user has at hand: a GeoJSON Polygon, MultiPolygon,
 * Feature or FeatureCollection (as an object or as text) or WKT, and checks it.
 *
 * @module
 */
import { AoiError } from "./errors.ts";
import { type AreaGeometry, fromPolygons, type Ring } from "./types.ts";
import { checkAntimeridian, checkHasArea, checkVertexCount, MAX_AOI_VERTICES } from "./limits.ts";
import { checkRing, checkSimple } from "./validate.ts";
import { parseWkt } from "./wkt.ts";

/** Options of {@linkcode parseAoi}. */
export interface ParseAoiOptions {
  /** Most vertices, all rings together. Default {@linkcode MAX_AOI_VERTICES}. */
  maxVertices?: number;
}

/** What {@linkcode parseAoi} accepts. */
export type AoiInput = string | AreaGeometry | { type: string; [key: string]: unknown };

function polygonsFrom(value: unknown, field: string): unknown[][] {
  if (!value || typeof value !== "object") {
    throw new AoiError(
      field,
      `expected a GeoJSON object, got ${JSON.stringify(value)}`,
      "pass a Polygon, MultiPolygon, Feature, FeatureCollection or WKT text",
    );
  }
  const g = value as Record<string, unknown>;
  const at = (k: string) => (field ? `${field}.${k}` : k);
  switch (g.type) {
    case "Polygon":
      if (!Array.isArray(g.coordinates)) {
        throw new AoiError(at("coordinates"), "missing", "give a list of rings");
      }
      return [g.coordinates];
    case "MultiPolygon":
      if (!Array.isArray(g.coordinates)) {
        throw new AoiError(at("coordinates"), "missing", "give a list of polygons");
      }
      return g.coordinates;
    case "Feature":
      if (!g.geometry) {
        throw new AoiError(
          at("geometry"),
          "the feature has no geometry",
          "give it a Polygon or MultiPolygon geometry",
        );
      }
      return polygonsFrom(g.geometry, at("geometry"));
    case "FeatureCollection": {
      if (!Array.isArray(g.features)) {
        throw new AoiError(at("features"), "missing", "give a list of features");
      }
      return g.features.flatMap((f, i) => polygonsFrom(f, at(`features[${i}]`)));
    }
    case "GeometryCollection": {
      if (!Array.isArray(g.geometries)) {
        throw new AoiError(at("geometries"), "missing", "give a list of geometries");
      }
      return g.geometries.flatMap((x, i) => polygonsFrom(x, at(`geometries[${i}]`)));
    }
    default:
      throw new AoiError(
        at("type"),
        `"${g.type}" has no area`,
        "use a Polygon or MultiPolygon (or a Feature or FeatureCollection of them)",
      );
  }
}

/**
 * Reads and validates an AOI. Returns a Polygon or MultiPolygon in EPSG:4326.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAoi } from "./aoi.ts";
 * const aoi = parseAoi("POLYGON ((16.1 48.0, 16.7 48.0, 16.7 48.3, 16.1 48.3, 16.1 48.0))");
 * assert.ok(aoi.type === "Polygon");
 * ```
 */
export function parseAoi(input: AoiInput, options: ParseAoiOptions = {}): AreaGeometry {
  let value: unknown = input;
  if (typeof input === "string") {
    const text = input.trim();
    if (text === "") {
      throw new AoiError(
        "",
        "the AOI is an empty string",
        "pass WKT, GeoJSON text or a GeoJSON object",
      );
    }
    if (text.startsWith("{")) {
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new AoiError(
          "",
          `the text is not valid JSON (${(error as Error).message})`,
          "check the GeoJSON",
        );
      }
    } else value = parseWkt(text);
  }
  const crs = (value as { crs?: { properties?: { name?: string } } } | null)?.crs;
  const crsName = crs?.properties?.name;
  if (crs !== undefined && crsName !== undefined && !/(CRS84|EPSG:?:?4326)$/i.test(crsName)) {
    throw new AoiError(
      "crs",
      `the GeoJSON names the CRS "${crsName}"; GeoJSON areas are read as longitude/latitude (WGS 84)`,
      "reproject the area to EPSG:4326 and drop the crs member",
    );
  }
  const raw = polygonsFrom(value, "");
  checkVertexCount(raw, options.maxVertices ?? MAX_AOI_VERTICES);
  const base = (value as { type?: string }).type === "Polygon" ? "coordinates" : "";
  const polygons: Ring[][] = raw.map((rings, p) => {
    const field = base || `polygons[${p}]`;
    if (!Array.isArray(rings) || rings.length === 0) {
      throw new AoiError(
        field,
        "the polygon has no rings",
        "give an outer ring of at least 4 positions",
      );
    }
    const checked = rings.map((r, k) => checkRing(r, `${field}[${k}]`));
    checked.forEach((r, k) => checkAntimeridian(r, `${field}[${k}]`));
    checkSimple(checked, field);
    checkHasArea(checked[0], `${field}[0]`);
    return checked;
  });
  if (polygons.length === 0) {
    throw new AoiError(
      "",
      "the geometry is empty",
      "give at least one polygon with 4 or more positions",
    );
  }
  return fromPolygons(polygons);
}
