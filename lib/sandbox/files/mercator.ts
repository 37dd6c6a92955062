/**
 * Spherical Web Mercator (EPSG:3857) by its textbook formulas, for the sandbox's own use: the
 * client side uses proj4, so that each checks the other.
 *
 * @module
 */

const R = 6378137;

/** EPSG:4326 to EPSG:3857. */
export function toMercator([lon, lat]: [number, number]): [number, number] {
  return [R * lon * Math.PI / 180, R * Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360))];
}

/** EPSG:3857 to EPSG:4326. */
export function fromMercator([x, y]: [number, number]): [number, number] {
  return [x / R * 180 / Math.PI, (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) * 180 / Math.PI];
}
