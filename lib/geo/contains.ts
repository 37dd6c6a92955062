/**
 * Planar point-in-polygon, even-odd over every ring: a point inside the outer ring and inside a
 * hole is outside.
 *
 * @module
 */
import type { Position } from "./types.ts";

/**
 * True when (`x`, `y`) lies inside `rings` by the even-odd rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { insideRings } from "./contains.ts";
 * const square = [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]] as [number, number][][];
 * assert.ok(insideRings(square, 1, 1) && !insideRings(square, 5, 1));
 * ```
 */
export function insideRings(
  rings: readonly (readonly Position[])[],
  x: number,
  y: number,
): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
