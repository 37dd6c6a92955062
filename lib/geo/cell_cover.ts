/**
 * Which cells of a grid an area's outline crosses, and which of the others lie inside it, from
 * the outline's edges alone. Most cells of a large area are wholly inside or wholly outside: only
 * the crossed ones need a polygon clip. Decisions lean to "crossed": an edge that comes within
 * a hair of a cell (rounding included) sends that cell to the exact clip.
 *
 * @module
 */
import type { Ring } from "./types.ts";

/**
 * How a cell relates to the area: `Outside` (no part of it), `Inside` (wholly inside, no edge on
 * or in it) or `Crossed` (an edge touches or crosses it: clip it).
 */
export const Cover = { Outside: 0, Inside: 1, Crossed: 2 } as const;

/** The first index `i` with `starts[i] + size >= value` (cells are `[starts[i], starts[i] + size]`). */
function firstEnding(starts: number[], size: number, value: number): number {
  let lo = 0, hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] + size < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last index `i` with `starts[i] <= value`, or -1. */
function lastStarting(starts: number[], value: number): number {
  let lo = 0, hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** What {@linkcode cellCover} finds. */
export interface CellCover {
  /** The cover of each cell, one array of rows per column ({@linkcode Cover} values). */
  cover: Uint8Array[];
  /**
   * Per column, how far back (in columns) an edge that touches it reaches; at least 1, so that
   * neighbouring strips, which share a side, never share a clip ({@linkcode columnGroups}).
   */
  reach: Int32Array;
}

/**
 * The cover of every cell `[xs[c], xs[c] + size] x [ys[r], ys[r] + size]`, one array of rows per
 * column, from the edges of `polygons` (all rings: holes and parts count alike), and how far the
 * edges that touch each column reach back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Cover, cellCover } from "./cell_cover.ts";
 * const square = [[[0, 0], [30, 0], [30, 30], [0, 30], [0, 0]]] as [number, number][][];
 * const { cover } = cellCover([square], [-5, 5, 15, 25], [-5, 5, 15, 25], 10);
 * assert.ok(cover[1][1] === Cover.Inside && cover[0][0] === Cover.Crossed);
 * ```
 */
export function cellCover(
  polygons: Ring[][],
  xs: number[],
  ys: number[],
  size: number,
): CellCover {
  const columns = xs.map(() => new Uint8Array(ys.length));
  const reach = new Int32Array(xs.length).fill(1);
  if (xs.length === 0 || ys.length === 0) return { cover: columns, reach };
  const span = Math.max(xs[xs.length - 1] - xs[0], ys[ys.length - 1] - ys[0]) + size;
  const pad = Math.max(span, Math.abs(xs[0]), Math.abs(ys[0])) * 1e-9;
  const buckets: number[][] = xs.map(() => []);
  const edges: number[] = [];
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i < ring.length - 1; i++) {
        const [ax, ay] = ring[i], [bx, by] = ring[i + 1];
        const e = edges.length / 4;
        edges.push(ax, ay, bx, by);
        const c0 = firstEnding(xs, size, Math.min(ax, bx) - pad);
        const c1 = lastStarting(xs, Math.max(ax, bx) + pad);
        for (let c = c0; c <= c1; c++) {
          buckets[c].push(e);
          if (c > c0) reach[c] = Math.max(reach[c], c - c0);
        }
      }
    }
  }
  for (let c = 0; c < xs.length; c++) {
    const rows = columns[c];
    const left = xs[c] - pad, right = xs[c] + size + pad, middle = xs[c] + size / 2;
    const crossings: number[] = [];
    for (const e of buckets[c]) {
      const ax = edges[4 * e], ay = edges[4 * e + 1], bx = edges[4 * e + 2], by = edges[4 * e + 3];
      let low: number, high: number;
      if (ax === bx) {
        low = Math.min(ay, by), high = Math.max(ay, by);
      } else {
        const ta = Math.min(1, Math.max(0, (left - ax) / (bx - ax)));
        const tb = Math.min(1, Math.max(0, (right - ax) / (bx - ax)));
        const ya = ay + (by - ay) * ta, yb = ay + (by - ay) * tb;
        low = Math.min(ya, yb), high = Math.max(ya, yb);
      }
      const r0 = firstEnding(ys, size, low - pad), r1 = lastStarting(ys, high + pad);
      for (let r = r0; r <= r1; r++) rows[r] = Cover.Crossed;
      if ((ax > middle) !== (bx > middle)) {
        crossings.push(ay + (middle - ax) * (by - ay) / (bx - ax));
      }
    }
    crossings.sort((a, b) => a - b);
    let k = 0;
    for (let r = 0; r < ys.length; r++) {
      const centre = ys[r] + size / 2;
      while (k < crossings.length && crossings[k] < centre) k++;
      if (rows[r] !== Cover.Crossed && k % 2 === 1) rows[r] = Cover.Inside;
    }
  }
  return { cover: columns, reach };
}

/**
 * Sorts the `wanted` columns into groups whose strips can be cut from the area in one clip: no
 * two columns of a group are neighbours or touched by the same edge (`reach`, from
 * {@linkcode cellCover}), so every edge meets at most one strip of its group and is cut exactly as
 * it would be in a clip of that strip alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellCover, columnGroups } from "./cell_cover.ts";
 * const square = [[[0, 0], [30, 0], [30, 30], [0, 30], [0, 0]]] as [number, number][][];
 * const { reach } = cellCover([square], [-5, 5, 15, 25], [-5, 5, 15, 25], 10);
 * const groups = columnGroups(reach, [true, true, true, true]);
 * assert.ok(groups.flat().length === 4 && groups.every((g) => g.length === 1));
 * ```
 */
export function columnGroups(reach: Int32Array, wanted: boolean[]): number[][] {
  const groupOf = new Int32Array(reach.length).fill(-1);
  const groups: number[][] = [];
  for (let c = 0; c < reach.length; c++) {
    if (!wanted[c]) continue;
    const taken = new Set<number>();
    for (let p = Math.max(0, c - reach[c]); p < c; p++) if (groupOf[p] >= 0) taken.add(groupOf[p]);
    let g = 0;
    while (taken.has(g)) g++;
    groupOf[c] = g;
    (groups[g] ??= []).push(c);
  }
  return groups;
}
