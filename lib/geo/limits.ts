/**
 * The bounds that keep every AOI operation quick or refused at once: an outline's vertex count,
 * outlines that cross the antimeridian or enclose nothing, and the number of grid cells a split
 * would have to look at. Each refusal names the limit and the fix.
 *
 * @module
 */
import { AoiError } from "./errors.ts";
import type { Ring } from "./types.ts";

/** Most vertices of an AOI, all rings together, unless the caller raises it. */
export const MAX_AOI_VERTICES = 100_000;

/** Most cells of a grid's bounding box that a split examines, unless the caller raises it. */
export const MAX_GRID_CELLS = 1_000_000;

/** Refuses an outline with more than `max` vertices, before anything quadratic can run. */
export function checkVertexCount(rings: unknown[][], max = MAX_AOI_VERTICES): void {
  let n = 0;
  for (const polygon of rings) {
    for (const ring of polygon) n += Array.isArray(ring) ? ring.length : 0;
  }
  if (n > max) {
    throw new AoiError(
      "",
      `the outline has ${n} vertices, more than the limit of ${max}`,
      `simplify it (for example to a 10 m tolerance with QGIS or mapshaper) or raise maxVertices`,
    );
  }
}

/** Refuses a ring with an edge that jumps across the antimeridian (more than 180° of longitude). */
export function checkAntimeridian(ring: Ring, field: string): void {
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i][0], b = ring[i + 1][0];
    // An edge from -180 to 180 is how a bounding box says "all longitudes": read it as written.
    const alongBothEdges = Math.abs(a) === 180 && Math.abs(b) === 180;
    if (Math.abs(a - b) > 180 && !alongBothEdges) {
      throw new AoiError(
        `${field}[${i}]`,
        `the edge from longitude ${a} to ${b} crosses the antimeridian; as written it would wrap ` +
          `the other way round the globe`,
        "split the area at ±180° into a MultiPolygon with one part on each side (RFC 7946 §3.1.9)",
      );
    }
  }
}

/** The signed area of a ring (shoelace, in squared degrees). */
export function ringArea(ring: Ring): number {
  let twice = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    twice += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return twice / 2;
}

/** Refuses an outer ring that encloses no area (every corner on one line). */
export function checkHasArea(outer: Ring, field: string): void {
  if (ringArea(outer) === 0) {
    throw new AoiError(
      field,
      "the outer ring encloses no area (its corners lie on one line)",
      "give at least three corners that are not in line",
    );
  }
}

/**
 * Refuses a split whose bounding box holds more than `max` cells, before any cell is cut.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCellCount } from "./limits.ts";
 * let refused = false;
 * try { checkCellCount(2_000, 2_000, "20x20km"); } catch { refused = true; }
 * assert.ok(refused);
 * ```
 */
export function checkCellCount(
  cols: number,
  rows: number,
  grid: string,
  max = MAX_GRID_CELLS,
): void {
  const cells = cols * rows;
  if (!(cells <= max)) {
    throw new AoiError(
      "",
      `the ${grid} grid over this area spans ${cols} x ${rows} = ${
        Number.isFinite(cells) ? cells : "too many"
      } cells, more than the limit of ${max}`,
      "split a smaller area, use a coarser grid (such as 250x250km or a larger km size), or raise maxCells",
    );
  }
}
