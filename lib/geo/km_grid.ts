/**
 * Grids whose cells really are N km on the ground: in UTM, each part of the area in its own
 * zone (the way MGRS and the Sentinel-2 tiling assign cells), in the European LAEA grid
 * (EPSG:3035), or in a CRS the user names. Cells are anchored to the CRS origin and their ids
 * name the CRS, so a cell has the same id in every run and for every area that covers it, and can
 * be clipped to the area or kept whole.
 *
 * @module
 */
import { type AoiInput, parseAoi } from "./aoi.ts";
import { checkCellCount, MAX_GRID_CELLS } from "./limits.ts";
import { cellCover, Cover } from "./cell_cover.ts";
import { clipToCells, touchesCell } from "./clip.ts";
import { AoiError } from "./errors.ts";
import { projectArea, projection } from "./projection.ts";
import { utmParts } from "./utm_zones.ts";
import { type AreaGeometry, bboxOf, fromPolygons, type Position, type Ring } from "./types.ts";
import { InputError } from "../input_error.ts";

/** Options of {@linkcode kmGrid}. */
export interface KmGridOptions {
  /** Cell size in km on the ground. Default 20. */
  sizeKm?: number;
  /** Most cells of the area's bounding box to examine. Default {@linkcode MAX_GRID_CELLS}. */
  maxCells?: number;
  /**
   * `"utm"`: each part of the area in its own UTM zone and hemisphere (EPSG:326xx north,
   * 327xx south), so ids never depend on the area; `"EPSG:3035"` (Europe); or an EPSG code for one
   * CRS over the whole area. Default `"utm"`.
   */
  crs?: string;
  /** Clip cells to the AOI (true) or return whole cells that touch it. Default true. */
  clip?: boolean;
}

/** One cell of a km grid. */
export interface GridTile {
  /** Stable id: `{epsg}-{size}kmE{col}N{row}`, as in the EEA reference grid naming. */
  id: string;
  /** Column: easting divided by the cell size. */
  col: number;
  /** Row: northing divided by the cell size. */
  row: number;
  /** The grid's CRS. */
  crs: string;
  /** Cell size in km. */
  sizeKm: number;
  /** The tile in EPSG:4326: the clipped piece, or the whole cell. */
  geometry: AreaGeometry;
}

function densify(ring: Ring, steps: number): Ring {
  const out: Ring = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i], [x1, y1] = ring[i + 1];
    for (let k = 0; k < steps; k++) {
      out.push([x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps]);
    }
  }
  out.push(ring[ring.length - 1]);
  return out;
}

/**
 * Splits an AOI into cells of `sizeKm` ground kilometres.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kmGrid } from "./km_grid.ts";
 * const tiles = kmGrid("POLYGON ((16.2 48.1, 16.5 48.1, 16.5 48.3, 16.2 48.3, 16.2 48.1))", { sizeKm: 10 });
 * assert.ok(tiles[0].id.startsWith("32633-10kmE"));
 * ```
 */
export function kmGrid(aoi: AoiInput, options: KmGridOptions = {}): GridTile[] {
  const sizeKm = options.sizeKm ?? 20;
  if (!(sizeKm > 0 && Number.isFinite(sizeKm))) {
    throw new InputError(
      "sizeKm",
      `${sizeKm} is not a positive number of kilometres`,
      "give a cell size such as 20",
    );
  }
  const area = parseAoi(aoi);
  if (options.crs && options.crs !== "utm") return gridIn(area, options.crs, sizeKm, options);
  const [, south, , north] = bboxOf(area);
  if (south < -80 || north > 84) {
    throw new AoiError(
      "",
      `the area reaches latitude ${south < -80 ? south : north}, outside UTM (80°S to 84°N)`,
      "clip the area to UTM's latitudes, or name a CRS with the crs option",
    );
  }
  return utmParts(area).flatMap((part) => gridIn(part.area, part.crs, sizeKm, options));
}

/** The grid of `sizeKm` cells of one CRS over `area`. */
function gridIn(
  area: AreaGeometry,
  crs: string,
  sizeKm: number,
  options: KmGridOptions,
): GridTile[] {
  const proj = projection(crs);
  const size = sizeKm * 1000;
  const polygons = projectArea(area, proj.forward);
  const [minX, minY, maxX, maxY] = bboxOf(fromPolygons(polygons));
  const c0 = Math.floor(minX / size), c1 = Math.ceil(maxX / size);
  const r0 = Math.floor(minY / size), r1 = Math.ceil(maxY / size);
  checkCellCount(c1 - c0, r1 - r0, `${sizeKm} km`, options.maxCells ?? MAX_GRID_CELLS);
  const xs = Array.from({ length: c1 - c0 }, (_, i) => (c0 + i) * size);
  const ys = Array.from({ length: r1 - r0 }, (_, i) => (r0 + i) * size);
  const epsg = proj.crs.replace("EPSG:", "");
  const tile = (col: number, row: number, geometry: AreaGeometry): GridTile => ({
    id: `${epsg}-${sizeKm}kmE${col}N${row}`,
    col,
    row,
    crs: proj.crs,
    sizeKm,
    geometry,
  });
  const back = (p: Position) => proj.inverse(p);
  const tiles: GridTile[] = [];
  if (options.clip ?? true) {
    for (const piece of clipToCells(polygons, xs, ys, size)) {
      const geometry = fromPolygons(piece.polygons.map((rings) => rings.map((r) => r.map(back))));
      tiles.push(tile(c0 + piece.col, r0 + piece.row, geometry));
    }
    return tiles;
  }
  // Only cells an edge crosses need a clip to tell; the others are wholly in or out.
  const { cover } = cellCover(polygons, xs, ys, size);
  for (let c = 0; c < xs.length; c++) {
    for (let r = 0; r < ys.length; r++) {
      if (cover[c][r] === Cover.Outside) continue;
      if (cover[c][r] === Cover.Crossed && !touchesCell(polygons, xs[c], ys[r], size)) continue;
      const x = xs[c], y = ys[r];
      const ring = densify([[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]], 8);
      tiles.push(tile(c0 + c, r0 + r, { type: "Polygon", coordinates: [ring.map(back)] }));
    }
  }
  return tiles;
}
