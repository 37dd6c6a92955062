/**
 * Map projections through proj4: Web Mercator (the platforms' grid), UTM zones and the
 * European LAEA grid (EPSG:3035), all from and to longitude/latitude.
 *
 * @module
 */
import proj4 from "../deps/proj4.ts";
import { type AreaGeometry, polygonsOf, type Position, type Ring } from "./types.ts";

const DEFS: Record<string, string> = {
  "EPSG:3035":
    "+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
};

/** A projection between EPSG:4326 and a metric CRS. */
export interface Projection {
  /** `EPSG:3857`, `EPSG:32633`, `EPSG:3035`. */
  crs: string;
  /** Longitude/latitude to metres. */
  forward(p: Position): Position;
  /** Metres to longitude/latitude. */
  inverse(p: Position): Position;
}

/**
 * The projection for an EPSG code: 3857, 3035, or a UTM zone (326xx north, 327xx south).
 *
 * @example
 * ```ts
 * import { projection } from "./projection.ts";
 * const [x] = projection("EPSG:3857").forward([180, 0]);
 * console.assert(Math.round(x) === 20037508);
 * ```
 */
export function projection(crs: string): Projection {
  const code = Number(crs.replace(/^EPSG:/i, ""));
  let def = DEFS[`EPSG:${code}`];
  if (code === 3857) def = "EPSG:3857";
  else if ((code > 32600 && code <= 32660) || (code > 32700 && code <= 32760)) {
    def = `+proj=utm +zone=${code % 100} ${
      code > 32700 ? "+south " : ""
    }+datum=WGS84 +units=m +no_defs`;
  }
  if (!def) {
    throw new RangeError(
      `crs: ${crs} is not supported; use EPSG:3857, EPSG:3035 or a UTM zone EPSG:326xx/327xx`,
    );
  }
  const converter = proj4("EPSG:4326", def);
  return {
    crs: `EPSG:${code}`,
    forward: (p) => converter.forward(p) as Position,
    inverse: (p) => converter.inverse(p) as Position,
  };
}

/**
 * The UTM zone CRS for a longitude/latitude (north zones 326xx, south 327xx).
 *
 * @example
 * ```ts
 * import { utmCrs } from "./projection.ts";
 * console.assert(utmCrs([16.4, 48.2]) === "EPSG:32633");
 * ```
 */
export function utmCrs([lon, lat]: Position): string {
  const zone = Math.min(60, Math.floor((lon + 180) / 6) + 1);
  return `EPSG:${lat >= 0 ? 326 : 327}${String(zone).padStart(2, "0")}`;
}

/** Every position of `rings` mapped by `f`. */
export function mapRings(rings: Ring[], f: (p: Position) => Position): Ring[] {
  return rings.map((ring) => ring.map(f));
}

/** Every polygon of an area as projected rings. */
export function projectArea(geometry: AreaGeometry, f: (p: Position) => Position): Ring[][] {
  return polygonsOf(geometry).map((rings) => mapRings(rings, f));
}
