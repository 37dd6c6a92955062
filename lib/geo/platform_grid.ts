/**
 * The platforms' tiling, computed locally: what the APEx Dispatch API's `POST /tiles` returns.
 * The AOI is projected to Web Mercator (EPSG:3857), cells of 20 000 (or 250 000) projected
 * metres are laid from the AOI's own south-west corner, each cell is clipped to the AOI, and the
 * non-empty pieces come back in EPSG:4326, columns west to east, each column south to north.
 * Cells are Mercator metres, not ground metres: 20 km cells are about 13.4 km wide at 48° N.
 *
 * @module
 */
import { type AoiInput, parseAoi } from "./aoi.ts";
import { clipToCells } from "./clip.ts";
import { AoiError } from "./errors.ts";
import { checkCellCount, MAX_GRID_CELLS } from "./limits.ts";
import { projectArea, projection } from "./projection.ts";
import { type AreaGeometry, bboxOf, fromPolygons } from "./types.ts";
import { InputError } from "../input_error.ts";

/** Grid names the platform knows. */
export type PlatformGrid = "20x20km" | "250x250km";

/** Cell size in projected metres of each {@linkcode PlatformGrid}. */
export const PLATFORM_GRID_METRES: Readonly<Record<PlatformGrid, number>> = {
  "20x20km": 20_000,
  "250x250km": 250_000,
};

/** Options of {@linkcode platformTiles}. */
export interface PlatformTilesOptions {
  /** The grid. Default `"20x20km"`. */
  grid?: PlatformGrid;
  /** Most cells of the area's bounding box to examine. Default {@linkcode MAX_GRID_CELLS}. */
  maxCells?: number;
}

/** Web Mercator's latitude limit: the platform's grid is not defined beyond it. */
const MERCATOR_LIMIT = 85.0511287798066;

/**
 * Splits an AOI exactly as the platform's `/tiles` does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { platformTiles } from "./platform_grid.ts";
 * const vienna = "POLYGON ((16.14820803974601 48.3081456959695, 16.14820803974601 48.0326396134746, " +
 *   "16.70922281740272 48.0326396134746, 16.70922281740272 48.3081456959695, 16.14820803974601 48.3081456959695))";
 * assert.ok(platformTiles(vienna, { grid: "20x20km" }).length === 12);
 * ```
 */
export function platformTiles(aoi: AoiInput, options: PlatformTilesOptions = {}): AreaGeometry[] {
  const grid = options.grid ?? "20x20km";
  const size = PLATFORM_GRID_METRES[grid];
  if (!size) {
    throw new InputError(
      "grid",
      `"${grid}" is not a platform grid`,
      `use ${Object.keys(PLATFORM_GRID_METRES).join(" or ")}`,
    );
  }
  const merc = projection("EPSG:3857");
  const area = parseAoi(aoi);
  const [, south, , north] = bboxOf(area);
  if (south < -MERCATOR_LIMIT || north > MERCATOR_LIMIT) {
    throw new AoiError(
      "",
      `the area reaches latitude ${south < -MERCATOR_LIMIT ? south : north}, beyond Web ` +
        `Mercator's ±85.05° where the platform grid is not defined`,
      "clip the area to ±85°",
    );
  }
  const polygons = projectArea(area, merc.forward);
  const [minX, minY, maxX, maxY] = bboxOf(fromPolygons(polygons));
  checkCellCount(
    Math.ceil((maxX - minX) / size),
    Math.ceil((maxY - minY) / size),
    grid,
    options.maxCells ?? MAX_GRID_CELLS,
  );
  // Step exactly as the platform does (start + repeated addition), so cell edges match to the bit.
  const xs: number[] = [];
  for (let x = minX; x < maxX; x += size) xs.push(x);
  const ys: number[] = [];
  for (let y = minY; y < maxY; y += size) ys.push(y);
  const tiles: AreaGeometry[] = [];
  for (const piece of clipToCells(polygons, xs, ys, size)) {
    tiles.push(
      fromPolygons(piece.polygons.map((rings) => rings.map((ring) => ring.map(merc.inverse)))),
    );
  }
  return tiles;
}
