/**
 * A finished run as data, in its run folder: the tiles mosaicked into one COG with a VRT, and a
 * STAC Collection with one Item per tile and the mosaic as an asset. One call for scripts and
 * notebooks.
 *
 * @module
 */
import { SYNTHETIC } from "../display/synthetic.ts";
import { type MosaicOptions, type MosaicResult, writeMosaic } from "../raster/mosaic_cog.ts";
import { buildRunStac, type StacProvider, type StacTile, writeStac } from "./build.ts";

/** Options of {@linkcode writeRunData}. */
export interface RunDataOptions {
  /** The run folder: `mosaic.tif`, `mosaic.vrt` and `stac/` go here. */
  folder: string;
  /** The Collection id; also names the run. */
  id: string;
  /** A short title. Default: the id. */
  title?: string;
  /** What the run is. */
  description?: string;
  /** The finished tiles. */
  tiles: StacTile[];
  /** Write the mosaic. @default true */
  mosaic?: boolean | MosaicOptions;
  /** Write the STAC folder. @default true */
  stac?: boolean;
  /** The time the data cover. */
  interval?: [string, string];
  /** Who made, processed and hosts the data. */
  providers?: StacProvider[];
  /** SPDX id or `proprietary`. @default "proprietary" */
  license?: string;
  /** Words to find the Collection by. */
  keywords?: string[];
  /** The data come from the eojobs sandbox: every file and document says so. */
  synthetic?: boolean;
}

/** What {@linkcode writeRunData} wrote. */
export interface RunData {
  /** The mosaic written, unless skipped or no tile finished. */
  mosaic?: MosaicResult;
  /** The Collection's path. */
  collection?: string;
  /** Items written. */
  items: number;
  /** Tiles that are in neither, and why (unreadable, another band count). */
  skipped: Array<{ key: string; reason: string }>;
  /** Choices made (the mosaic's CRS when tiles differ, no VRT). */
  notes: string[];
}

/**
 * Writes a run's mosaic and STAC folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCog } from "../raster/cog_writer.ts";
 * import { writeRunData } from "./run_data.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/a.tif`, await encodeCog({ width: 4, height: 4, bands: [new Uint8Array(16).fill(1)],
 *   bbox: [600_000, 5_300_000, 600_040, 5_300_040], crs: "EPSG:32633" }));
 * const data = await writeRunData({ folder: dir, id: "run-1", tiles: [{ key: "a", path: `${dir}/a.tif` }] });
 * assert.equal(data.items, 1);
 * assert.equal(data.mosaic?.crs, "EPSG:32633");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeRunData(options: RunDataOptions): Promise<RunData> {
  const notes: string[] = [];
  const skipped: RunData["skipped"] = [];
  const keyOf = new Map(options.tiles.map((t) => [t.path, t.key]));
  let mosaic: MosaicResult | undefined;
  const synthetic = options.synthetic ? { SOURCE: SYNTHETIC } : undefined;
  if ((options.mosaic ?? true) !== false && options.tiles.length > 0) {
    const extra = typeof options.mosaic === "object" ? options.mosaic : {};
    mosaic = await writeMosaic(options.tiles.map((t) => t.path), `${options.folder}/mosaic.tif`, {
      ...extra,
      metadata: { ...synthetic, RUN: options.id, ...extra.metadata },
    });
    notes.push(...mosaic.notes);
    for (const s of mosaic.skipped) {
      skipped.push({ key: keyOf.get(s.path) ?? s.path, reason: s.reason });
    }
  }
  let collection: string | undefined;
  let items = 0;
  if (options.stac ?? true) {
    const bad = new Set(skipped.map((s) => s.key));
    const stac = await buildRunStac({
      ...options,
      folder: `${options.folder}/stac`,
      tiles: options.tiles.filter((t) => !bad.has(t.key)),
      mosaic,
    });
    collection = await writeStac(`${options.folder}/stac`, stac);
    items = stac.items.size;
    skipped.push(...stac.skipped);
  }
  return { mosaic, collection, items, skipped, notes };
}
