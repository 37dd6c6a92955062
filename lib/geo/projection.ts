/**
 * Map projections through proj4, from and to longitude/latitude: WGS 84, Web Mercator (the
 * platforms' grid), UTM zones (WGS 84 and ETRS89), the European LAEA grid (EPSG:3035), a few
 * national grids platforms deliver, and any CRS a caller defines with {@linkcode defineCrs}.
 *
 * @module
 */
import proj4 from "../deps/proj4.ts";
import { type AreaGeometry, polygonsOf, type Position, type Ring } from "./types.ts";
import { InputError } from "../input_error.ts";

const DEFS: Record<number, string> = {
  3035:
    "+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
  4258: "+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs",
  31287:
    "+proj=lcc +lat_0=47.5 +lon_0=13.3333333333333 +lat_1=49 +lat_2=46 +x_0=400000 +y_0=400000 +datum=hermannskogel +units=m +no_defs",
  2154:
    "+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs",
  27700:
    "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs",
};

/** A projection between EPSG:4326 and another CRS. */
export interface Projection {
  /** `EPSG:3857`, `EPSG:32633`, `EPSG:3035`. */
  crs: string;
  /** True for a CRS in degrees (EPSG:4326, EPSG:4258). */
  geographic: boolean;
  /** Longitude/latitude to the CRS's units. */
  forward(p: Position): Position;
  /** The CRS's units to longitude/latitude. */
  inverse(p: Position): Position;
}

function definition(code: number): string | undefined {
  if (DEFS[code]) return DEFS[code];
  const utm = code % 100;
  if (utm >= 1 && utm <= 60 && (Math.floor(code / 100) === 326 || Math.floor(code / 100) === 327)) {
    return `+proj=utm +zone=${utm} ${code > 32700 ? "+south " : ""}+datum=WGS84 +units=m +no_defs`;
  }
  if (code >= 25828 && code <= 25838) {
    return `+proj=utm +zone=${code - 25800} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`;
  }
  return proj4.defs(`EPSG:${code}`) ? `EPSG:${code}` : undefined;
}

/** The EPSG code of `crs` (`EPSG:32633`, `epsg:3857`, `32633`, or an OGC URN or URL), or NaN. */
export function epsgCode(crs: string | number): number {
  if (typeof crs === "number") return Number.isInteger(crs) ? crs : NaN;
  const m = crs.trim().match(
    /^(?:EPSG:(?::?[\d.]*:)?|.*\/EPSG\/\d+\/|urn:ogc:def:crs:EPSG::)?(\d{4,6})$/i,
  );
  return m ? Number(m[1]) : NaN;
}

/**
 * Makes a CRS known to {@linkcode projection} (and so to raster reading, maps and mosaics) by its
 * proj4 definition, for EPSG codes eojobs does not carry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineCrs, projection } from "./projection.ts";
 * defineCrs("EPSG:5514", "+proj=krovak +lat_0=49.5 +lon_0=24.8333333333333 +alpha=30.2881397527778 +k=0.9999 +x_0=0 +y_0=0 +ellps=bessel +towgs84=589,76,480,0,0,0,0 +units=m +no_defs");
 * const [x] = projection("EPSG:5514").forward([14.42, 50.09]);
 * assert.ok(Math.abs(x + 743_000) < 2_000);
 * ```
 */
export function defineCrs(crs: string, proj4Definition: string): void {
  const code = epsgCode(crs);
  if (Number.isNaN(code)) {
    throw new InputError(
      "crs",
      `${JSON.stringify(crs)} is not an EPSG code`,
      "write it as EPSG:NNNN",
    );
  }
  proj4(proj4Definition); // throws on a definition proj4 cannot read
  DEFS[code] = proj4Definition;
}

/**
 * The projection for an EPSG code: 4326, 4258, 3857, 3035, a UTM zone (WGS 84 326xx north,
 * 327xx south; ETRS89 258xx), 31287 (Austria Lambert), 2154 (Lambert-93), 27700 (British
 * National Grid), any other code proj4 knows, or one given to {@linkcode defineCrs}.
 *
 * @throws {RangeError} for a CRS it has no definition of, naming the fix.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projection } from "./projection.ts";
 * const [x] = projection("EPSG:3857").forward([180, 0]);
 * assert.equal(Math.round(x), 20037508);
 * ```
 */
export function projection(crs: string | number): Projection {
  const code = epsgCode(crs);
  const def = Number.isNaN(code) ? undefined : definition(code);
  if (!def) {
    throw new InputError(
      "crs",
      `${crs} is not known`,
      `use EPSG:4326, EPSG:3857, EPSG:3035, a UTM zone (EPSG:326xx, 327xx, 258xx), or give its proj4 definition to defineCrs("EPSG:${
        Number.isNaN(code) ? "NNNN" : code
      }", "+proj=…")`,
    );
  }
  const converter = proj4("EPSG:4326", def);
  const geographic = code === 4326 || /\+proj=longlat|^EPSG:4(326|269)$/.test(def);
  return {
    crs: `EPSG:${code}`,
    geographic,
    forward: (p) => converter.forward([p[0], p[1]]) as Position,
    inverse: (p) => converter.inverse([p[0], p[1]]) as Position,
  };
}

/**
 * The UTM zone CRS for a longitude/latitude (north zones 326xx, south 327xx).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utmCrs } from "./projection.ts";
 * assert.equal(utmCrs([16.4, 48.2]), "EPSG:32633");
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
