/**
 * Vector features for the sandbox's result files, and the CRS texts they are written with.
 *
 * @module
 */

/** A 2D position. */
export type XY = [number, number];

/** A feature geometry: a point, a line or a polygon (outer ring first). */
export type SimpleGeometry =
  | { type: "Point"; coordinates: XY }
  | { type: "LineString"; coordinates: XY[] }
  | { type: "Polygon"; coordinates: XY[][] };

/** A feature with flat properties. */
export interface SimpleFeature {
  /** Geometry. */
  geometry: SimpleGeometry;
  /** Attribute values. */
  properties: Record<string, string | number>;
}

/** ESRI WKT of the two CRSs the sandbox writes (`.prj` files and GeoPackage definitions). */
export const CRS_WKT: Record<number, string> = {
  4326: 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  3857:
    'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",' +
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],' +
    'PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],' +
    'PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],' +
    'PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]',
};

/** The bounding box of some positions. */
export function boundsOf(points: XY[]): [number, number, number, number] {
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (const [x, y] of points) {
    a = Math.min(a, x);
    b = Math.min(b, y);
    c = Math.max(c, x);
    d = Math.max(d, y);
  }
  return [a, b, c, d];
}

/** Every position of a geometry. */
export function positionsOf(g: SimpleGeometry): XY[] {
  return g.type === "Point"
    ? [g.coordinates]
    : g.type === "LineString"
    ? g.coordinates
    : g.coordinates.flat();
}
