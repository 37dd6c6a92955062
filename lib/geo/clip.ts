/**
 * Cuts projected polygons into grid cells with polygon-clipping. Only cells that the outline
 * crosses are clipped ({@linkcode cellCover} finds them); cells wholly inside come back whole,
 * exactly as the clip would return them. A crossed cell is clipped against its column strip (the
 * area cut to the column first), so every clip handles only a strip's share of the vertices, and
 * the strips are cut many at a time ({@linkcode columnGroups}): one pass over the outline serves
 * every strip of a group.
 *
 * @module
 */
import polygonClipping, {
  type MultiPolygon as PcMulti,
  type Polygon as PcPolygon,
} from "../deps/polygon_clipping.ts";
import { cellCover, columnGroups, Cover } from "./cell_cover.ts";
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
 * The column strips of `area` (each the area cut to `[xs[c], xs[c] + size] x [south, north]`)
 * of the `groups` of columns, cut a group at a time.
 */
function columnStrips(
  polygons: Ring[][],
  xs: number[],
  size: number,
  south: number,
  north: number,
  groups: number[][],
): Map<number, PcMulti> {
  const strips = new Map<number, PcMulti>();
  for (const group of groups) {
    const rects = group.map((c) => rect(xs[c], south, xs[c] + size, north));
    for (const c of group) strips.set(c, []);
    const pieces = polygonClipping.intersection(polygons as unknown as PcMulti, rects);
    for (const piece of pieces) {
      // Every piece lies in one strip of the group; strips of a group never touch.
      const x = piece[0][0][0];
      let lo = 0, hi = group.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (xs[group[mid]] <= x) lo = mid;
        else hi = mid - 1;
      }
      strips.get(group[lo])!.push(piece);
    }
  }
  return strips;
}

/**
 * Yields the pieces of `polygons` in cells `[xs[c], xs[c] + size] x [ys[r], ys[r] + size]`,
 * column by column (west to east), each column south to north. The same pieces, in the same
 * order and to the bit, as {@linkcode clipEveryCell}, which clips every cell.
 */
export function* clipToCells(
  polygons: Ring[][],
  xs: number[],
  ys: number[],
  size: number,
): Generator<CellPiece> {
  if (polygons.length === 0) return;
  const south = ys[0] - size, north = ys[ys.length - 1] + 2 * size;
  const { cover, reach } = cellCover(polygons, xs, ys, size);
  const crossed = cover.map((rows) => rows.includes(Cover.Crossed));
  const strips = columnStrips(polygons, xs, size, south, north, columnGroups(reach, crossed));
  for (let c = 0; c < xs.length; c++) {
    const rows = cover[c];
    const strip = strips.get(c);
    for (let r = 0; r < ys.length; r++) {
      if (rows[r] === Cover.Inside) {
        yield {
          col: c,
          row: r,
          polygons: [rect(xs[c], ys[r], xs[c] + size, ys[r] + size)] as unknown as Ring[][],
        };
      } else if (rows[r] === Cover.Crossed) {
        if (!strip || strip.length === 0) continue;
        const piece = polygonClipping.intersection(
          strip,
          rect(xs[c], ys[r], xs[c] + size, ys[r] + size),
        );
        if (piece.length > 0) yield { col: c, row: r, polygons: piece as unknown as Ring[][] };
      }
    }
  }
}

/**
 * The reference for {@linkcode clipToCells}: every cell clipped against its column strip, with
 * no shortcut. Tests compare the two on random areas.
 */
export function* clipEveryCell(
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
