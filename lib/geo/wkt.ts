/**
 * Well-Known Text for areas: `POLYGON` and `MULTIPOLYGON` (2D; a Z or M value is dropped),
 * with an optional `SRID=4326;` prefix, in and out.
 *
 * @module
 */
import { AoiError } from "./errors.ts";
import { type AreaGeometry, polygonsOf, type Position, type Ring } from "./types.ts";

/**
 * Reads a WKT `POLYGON` or `MULTIPOLYGON`. Errors name the character offset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWkt } from "./wkt.ts";
 * const g = parseWkt("POLYGON ((0 0, 1 0, 1 1, 0 0))");
 * assert.ok(g.type === "Polygon");
 * ```
 */
export function parseWkt(text: string): AreaGeometry {
  let i = 0;
  const src = text;
  const fail = (problem: string, fix: string): never => {
    throw new AoiError(
      `wkt@${i}`,
      `${problem} near "${src.slice(Math.max(0, i - 10), i + 15)}"`,
      fix,
    );
  };
  const skip = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const word = () => {
    skip();
    const m = /^[A-Za-z]+/.exec(src.slice(i));
    if (!m) return "";
    i += m[0].length;
    return m[0].toUpperCase();
  };
  const expect = (c: string) => {
    skip();
    if (src[i] !== c) fail(`expected "${c}"`, "write WKT like POLYGON ((lon lat, lon lat, ...))");
    i++;
  };
  const peek = () => {
    skip();
    return src[i];
  };
  const number = () => {
    skip();
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (!m) fail("expected a number", "coordinates are numbers separated by spaces: lon lat");
    i += m![0].length;
    return Number(m![0]);
  };
  const ring = (): Ring => {
    expect("(");
    const points: Position[] = [];
    do {
      if (points.length > 0) i++;
      const x = number(), y = number();
      let extra = 0;
      while (peek() !== "," && peek() !== ")" && peek() !== undefined) {
        number();
        if (++extra > 2) {
          fail(
            "a position has more than 4 numbers",
            "write each position as lon lat, optionally followed by z and m",
          );
        }
      }
      points.push([x, y]);
    } while (peek() === ",");
    expect(")");
    return points;
  };
  const polygon = (): Ring[] => {
    expect("(");
    const rings = [ring()];
    while (peek() === ",") {
      i++;
      rings.push(ring());
    }
    expect(")");
    return rings;
  };

  skip();
  const srid = /^SRID=(\d+);/i.exec(src.slice(i));
  if (srid) {
    if (srid[1] !== "4326") {
      fail(`SRID ${srid[1]} is not supported`, "give longitude/latitude coordinates in EPSG:4326");
    }
    i += srid[0].length;
  }
  const kind = word();
  const dims = word();
  if (dims && !["Z", "M", "ZM", "EMPTY"].includes(dims)) {
    fail(`unexpected "${dims}"`, "check the WKT");
  }
  if (dims === "EMPTY") {
    throw new AoiError("wkt", `${kind} EMPTY has no area`, "give at least one polygon");
  }
  let result: AreaGeometry;
  if (kind === "POLYGON") result = { type: "Polygon", coordinates: polygon() };
  else if (kind === "MULTIPOLYGON") {
    expect("(");
    const polygons = [polygon()];
    while (peek() === ",") {
      i++;
      polygons.push(polygon());
    }
    expect(")");
    result = { type: "MultiPolygon", coordinates: polygons };
  } else {
    return fail(
      `"${kind || src.slice(i, i + 12)}" is not an area type`,
      "use POLYGON or MULTIPOLYGON (points and lines have no area to process)",
    );
  }
  skip();
  if (i < src.length) fail("unexpected text after the geometry", "remove it");
  return result;
}

function fmt(n: number): string {
  return String(n);
}

/**
 * Writes an area as WKT with full precision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toWkt } from "./wkt.ts";
 * assert.ok(toWkt({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }) ===
 *   "POLYGON ((0 0, 1 0, 1 1, 0 0))");
 * ```
 */
export function toWkt(geometry: AreaGeometry): string {
  const ring = (r: Ring) => `(${r.map(([x, y]) => `${fmt(x)} ${fmt(y)}`).join(", ")})`;
  const polygon = (p: Ring[]) => `(${p.map(ring).join(", ")})`;
  return geometry.type === "Polygon"
    ? `POLYGON ${polygon(geometry.coordinates)}`
    : `MULTIPOLYGON (${polygonsOf(geometry).map(polygon).join(", ")})`;
}
