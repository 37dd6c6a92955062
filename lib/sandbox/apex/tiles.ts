/**
 * The sandbox's own `/tiles`: spherical Mercator written out by hand, the area cut near each cell
 * as GEOS does before its overlay, polygon-clipping for the overlay itself (martinez loses
 * pieces where a vertex of the area lies on the edge of a cell, as its extreme vertices do),
 * and the pieces written in GEOS's order (geos_order.ts). The client's tiling shares none of this
 * code but the clipping library; both are tested against shapely's own answers.
 *
 * @module
 */
import polygonClipping from "../../deps/polygon_clipping.ts";
import { fromMercator, toMercator } from "../files/mercator.ts";
import { clipRing, geosOrder } from "./geos_order.ts";

type Pt = [number, number];

/** The grids and their cell size in Mercator metres. */
export const GRIDS: Record<string, number> = { "20x20km": 20_000, "250x250km": 250_000 };

/** The most bounding-box cells one `/tiles` request may make the sandbox examine. */
export const MAX_TILE_CELLS = 10_000;

/**
 * Cells the bounding box of `rings` spans in `grid`, the work a split would do: `Infinity` for
 * an area that reaches a pole, where Web Mercator has no finite y.
 */
export function tileWork(rings: Pt[][], grid: string): number {
  const cell = GRIDS[grid];
  const projected = rings[0].map(toMercator);
  const xs = projected.map((p) => p[0]), ys = projected.map((p) => p[1]);
  const cols = Math.ceil((Math.max(...xs) - Math.min(...xs)) / cell);
  const rows = Math.ceil((Math.max(...ys) - Math.min(...ys)) / cell);
  const cells = cols * rows;
  return Number.isFinite(cells) ? cells : Infinity;
}

/**
 * Splits a Polygon's rings (lon/lat) into clipped cells, as the APEx server does, each written
 * in the order the server's shapely writes it (see geos_order.ts).
 */
export function splitPolygon(
  rings: Pt[][],
  grid: string,
): Array<{ type: string; coordinates: unknown }> {
  const cell = GRIDS[grid];
  const projected = rings.map((ring) => ring.map(toMercator));
  const xs = projected[0].map((p) => p[0]), ys = projected[0].map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [
    Math.min(...xs),
    Math.max(...xs),
    Math.min(...ys),
    Math.max(...ys),
  ];
  const out: Array<{ type: string; coordinates: unknown }> = [];
  for (let x = minX; x < maxX; x += cell) {
    for (let y = minY; y < maxY; y += cell) {
      const box: Pt[][] = [[[x, y], [x + cell, y], [x + cell, y + cell], [x, y + cell], [x, y]]];
      // Only the area near the cell matters: cut it to a margin around the cell first (inside
      // the margin it is unchanged), so that each cell's overlay stays small.
      const margin = cell / 10;
      const around = {
        minX: x - margin,
        minY: y - margin,
        maxX: x + cell + margin,
        maxY: y + cell + margin,
      };
      const [shell, ...holes] = projected.map((ring) => clipRing(ring, around));
      if (shell.length < 4) continue;
      const result = polygonClipping.intersection(
        [shell, ...holes.filter((ring) => ring.length >= 4)],
        box,
      ) as Pt[][][];
      if (!result || result.length === 0) continue;
      const ordered = geosOrder(projected, [x, y, x + cell, y + cell], result);
      const back = ordered.map((polygon) => polygon.map((ring) => ring.map(fromMercator)));
      out.push(
        back.length === 1
          ? { type: "Polygon", coordinates: back[0] }
          : { type: "MultiPolygon", coordinates: back },
      );
    }
  }
  return out;
}
