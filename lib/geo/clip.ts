/**
 * Cuts projected polygons into grid cells with polygon-clipping. The area is cut into column
 * strips first and each strip into cells, so every clip handles only a strip's share of the
 * vertices: large outlines stay fast.
 *
 * @module
 */
import polygonClipping, {
  type MultiPolygon as PcMulti,
  type Polygon as PcPolygon,
} from "../deps/polygon_clipping.ts";
import type { Ring } from "./types.ts";

/** One non-empty piece of the area inside one cell. */
export interface CellPiece {
  /** Column index into the given column starts. */
  col: number;
  /** Row index into the given row starts. */
  row: number;
  /** The area inside the cell, as polygons of projected rings. */
  polygons: Ring[][];
}

function rect(x0: number, y0: number, x1: number, y1: number): PcPolygon {
  return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
}

/**
 * Yields the pieces of `polygons` in cells `[xs[c], xs[c] + size] x [ys[r], ys[r] + size]`,
 * column by column (west to east), each column south to north.
 */
export function* clipToCells(
  polygons: Ring[][],
  xs: number[],
  ys: number[],
  size: number,
): Generator<CellPiece> {
  if (polygons.length === 0) return;
  const area = polygons as unknown as PcMulti;
  const south = ys[0] - size, north = ys[ys.length - 1] + 2 * size;
  for (let c = 0; c < xs.length; c++) {
    const strip = polygonClipping.intersection(area, rect(xs[c], south, xs[c] + size, north));
    if (strip.length === 0) continue;
    for (let r = 0; r < ys.length; r++) {
      const piece = polygonClipping.intersection(
        strip,
        rect(xs[c], ys[r], xs[c] + size, ys[r] + size),
      );
      if (piece.length > 0) yield { col: c, row: r, polygons: piece as unknown as Ring[][] };
    }
  }
}

/** True when `polygons` and the cell share area. */
export function touchesCell(polygons: Ring[][], x: number, y: number, size: number): boolean {
  return polygonClipping.intersection(
    polygons as unknown as PcMulti,
    rect(x, y, x + size, y + size),
  ).length > 0;
}
