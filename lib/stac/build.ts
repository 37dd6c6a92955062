/**
 * A run's results as STAC 1.0.0: one Collection for the run, one Item per finished tile with its
 * footprint, time, projection (`proj:code`, `proj:shape`, `proj:transform`), bands (`raster:bands`),
 * size and checksum (`file:size`, `file:checksum`), the platform job it came from, its duration
 * and cost; the mosaic and its VRT as Collection assets. Every link and asset is relative, so the
 * folder can be served or copied as it is.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { SYNTHETIC } from "../display/synthetic.ts";
import { dirname, relative, resolve } from "node:path";
import type { MosaicResult } from "../raster/mosaic_cog.ts";
import { rasterInfo } from "../raster/read.ts";
import { transformBBox } from "../raster/warp.ts";
import { projection } from "../geo/projection.ts";

import type { BBox } from "../geo/types.ts";
import { InputError } from "../input_error.ts";
/** A JSON object. */
export type Json = Record<string, unknown>;

/** The extensions the documents declare, in the versions STAC 1.0.0 tools read. */
export const STAC_EXTENSIONS = {
  projection: "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
  raster: "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
  file: "https://stac-extensions.github.io/file/v2.1.0/schema.json",
} as const;

const COG = "image/tiff; application=geotiff; profile=cloud-optimized";

/** One finished tile of a run. */
export interface StacTile {
  /** The tile's key in the job table; the Item id is `<collection>-<key>`. */
  key: string;
  /** The downloaded GeoTIFF. */
  path: string;
  /** The platform's id of the job that made it. */
  jobId?: string;
  /** Where the job is described on the platform (linked as `via`). */
  jobUrl?: string;
  /** The platform's name (`APEx Dispatch API`). */
  platform?: string;
  /** The time the data covers: `[start, end]` (ISO dates or times). */
  interval?: [string, string];
  /** How long the job ran, in seconds. */
  durationSeconds?: number;
  /** What the job cost, where the platform says. */
  cost?: number;
  /** The unit of `cost` (`credits`). */
  costUnit?: string;
  /** The platform's URL of the file, when it stays valid (not a signed URL that expires). */
  permanentHref?: string;
}

/** A provider, as STAC has it. */
export interface StacProvider {
  /** The organisation's name. */
  name: string;
  /** What it did. */
  roles?: Array<"licensor" | "producer" | "processor" | "host">;
  /** Its home page. */
  url?: string;
  /** More about it. */
  description?: string;
}

/** What {@linkcode buildRunStac} makes a Collection of. */
export interface RunStacInput {
  /** The Collection id (letters, digits, `-`, `_`, `.`). */
  id: string;
  /** A short title. Default: the id. */
  title?: string;
  /** What the run is. Default: a sentence naming the id. */
  description?: string;
  /** The folder `collection.json` will be written to; hrefs are relative to it. */
  folder: string;
  /** The finished tiles, one Item each. */
  tiles: StacTile[];
  /** The run's mosaic, added as Collection assets. */
  mosaic?: MosaicResult;
  /** The time of the whole run's data, when the tiles do not say. */
  interval?: [string, string];
  /** Who made, processed and hosts the data. */
  providers?: StacProvider[];
  /** SPDX id or `proprietary`. @default "proprietary" */
  license?: string;
  /** Words to find the Collection by. */
  keywords?: string[];
  /** Marks every document as made from the eojobs sandbox's synthetic data. */
  synthetic?: boolean;
}

/** A Collection and its Items, with the relative path each is written to. */
export interface RunStac {
  /** The Collection. */
  collection: Json;
  /** Items by their path relative to the folder (`items/<id>.json`). */
  items: Map<string, Json>;
  /** Tiles left out, and why. */
  skipped: Array<{ key: string; reason: string }>;
}

/** The file's size and STAC `file:checksum` (sha2-256 multihash, hex), read in chunks. */
export async function fileFacts(path: string): Promise<{ size: number; checksum: string }> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path);
  try {
    for await (const chunk of file.readable) {
      hash.update(chunk);
      size += chunk.length;
    }
  } finally {
    try {
      file.close();
    } catch { /* the readable closed it */ }
  }
  return { size, checksum: `1220${hash.digest("hex")}` };
}

function isoTime(value: string, end: boolean): string {
  if (/^\d{4}-\d\d-\d\d$/.test(value)) return `${value}T${end ? "23:59:59" : "00:00:00"}Z`;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    throw new InputError("interval", `"${value}" is not a date`, "give YYYY-MM-DD or an ISO time");
  }
  return d.toISOString();
}

function footprint(bbox: BBox, crs: string): Json {
  const src = projection(crs);
  const [w, s, e, n] = bbox;
  const ring: [number, number][] = [];
  const edge = (a: [number, number], b: [number, number]) => {
    for (let i = 0; i < 8; i++) {
      const p = src.inverse([a[0] + (b[0] - a[0]) * i / 8, a[1] + (b[1] - a[1]) * i / 8]);
      ring.push([Math.round(p[0] * 1e7) / 1e7, Math.round(p[1] * 1e7) / 1e7]);
    }
  };
  // Counter-clockwise, as RFC 7946 asks of outer rings.
  edge([w, s], [e, s]);
  edge([e, s], [e, n]);
  edge([e, n], [w, n]);
  edge([w, n], [w, s]);
  ring.push(ring[0]);
  return { type: "Polygon", coordinates: [ring] };
}

function projFields(crs: string, bbox: BBox, width: number, height: number): Json {
  const [w, s, e, n] = bbox;
  return {
    "proj:code": projection(crs).crs,
    "proj:bbox": bbox,
    "proj:shape": [height, width],
    "proj:transform": [(e - w) / width, 0, w, 0, -(n - s) / height, n],
  };
}

function rasterBands(bands: number, dataType: string, nodata?: number): Json[] {
  return Array.from({ length: bands }, () => ({
    data_type: dataType,
    ...(nodata === undefined ? {} : { nodata: Number.isNaN(nodata) ? "nan" : nodata }),
  }));
}

function union(boxes: BBox[]): BBox {
  return [
    Math.min(...boxes.map((b) => b[0])),
    Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])),
    Math.max(...boxes.map((b) => b[3])),
  ];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Builds the Collection and Items of a run from its tiles (read for their headers and hashed).
 *
 * @throws {RangeError} for an id with characters a catalogue or a file name would refuse.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCog } from "../raster/cog_writer.ts";
 * import { buildRunStac } from "./build.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/t.tif`, await encodeCog({ width: 4, height: 4, bands: [new Uint8Array(16)],
 *   bbox: [600_000, 5_300_000, 600_040, 5_300_040], crs: "EPSG:32633" }));
 * const stac = await buildRunStac({ id: "run-1", folder: `${dir}/stac`, interval: ["2023-05-01", "2023-09-30"],
 *   tiles: [{ key: "tile-1", path: `${dir}/t.tif`, jobId: "7" }] });
 * const item = stac.items.get("items/run-1-tile-1.json")!;
 * assert.equal((item.properties as Record<string, unknown>)["proj:code"], "EPSG:32633");
 * assert.equal((item.assets as Record<string, { href: string }>).data.href, "../../t.tif");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function buildRunStac(input: RunStacInput): Promise<RunStac> {
  if (!ID.test(input.id)) {
    throw new InputError(
      "id",
      `"${input.id}" has characters a catalogue refuses`,
      'use letters, digits, "-", "_" and "."',
    );
  }
  const folder = resolve(input.folder);
  const href = (from: string, path: string) => relative(from, resolve(path));
  const items = new Map<string, Json>();
  const skipped: RunStac["skipped"] = [];
  const boxes: BBox[] = [];
  const codes = new Set<string>();
  const times: string[] = [];
  const synthetic = input.synthetic ? { "eojobs:synthetic": SYNTHETIC } : {};
  for (const tile of input.tiles) {
    const id = `${input.id}-${tile.key}`;
    if (!ID.test(tile.key)) {
      skipped.push({ key: tile.key, reason: `key "${tile.key}" is not usable as an Item id` });
      continue;
    }
    let info;
    try {
      info = await rasterInfo(tile.path);
    } catch (e) {
      skipped.push({ key: tile.key, reason: (e as Error).message });
      continue;
    }
    const file = await fileFacts(tile.path);
    const geometry = footprint(info.bbox, info.crs);
    const bbox = transformBBox(info.bbox, info.crs, "EPSG:4326");
    boxes.push(bbox);
    codes.add(info.crs);
    const interval = tile.interval ?? input.interval;
    const time = interval
      ? {
        datetime: null,
        start_datetime: isoTime(interval[0], false),
        end_datetime: isoTime(interval[1], true),
      }
      : { datetime: (await Deno.stat(tile.path)).mtime?.toISOString() ?? new Date().toISOString() };
    times.push(...(interval ? [time.start_datetime!, time.end_datetime!] : [time.datetime!]));
    const itemDir = `${folder}/items`;
    items.set(`items/${id}.json`, {
      type: "Feature",
      stac_version: "1.0.0",
      stac_extensions: Object.values(STAC_EXTENSIONS),
      id,
      collection: input.id,
      geometry,
      bbox,
      properties: {
        ...time,
        ...projFields(info.crs, info.bbox, info.width, info.height),
        ...(tile.platform ? { "eojobs:platform": tile.platform } : {}),
        ...(tile.jobId ? { "eojobs:job_id": tile.jobId } : {}),
        ...(tile.durationSeconds !== undefined
          ? { "eojobs:duration_s": tile.durationSeconds }
          : {}),
        ...(tile.cost !== undefined ? { "eojobs:cost": tile.cost } : {}),
        ...(tile.costUnit ? { "eojobs:cost_unit": tile.costUnit } : {}),
        ...synthetic,
      },
      links: [
        { rel: "root", href: "../collection.json", type: "application/json" },
        { rel: "parent", href: "../collection.json", type: "application/json" },
        { rel: "collection", href: "../collection.json", type: "application/json" },
        ...(tile.jobUrl
          ? [{
            rel: "via",
            href: tile.jobUrl,
            type: "application/json",
            title: `${tile.platform ?? "platform"} job ${tile.jobId ?? ""}`.trim(),
          }]
          : []),
      ],
      assets: {
        data: {
          href: href(itemDir, tile.path),
          type: COG,
          title: `${tile.key} (${info.crs})`,
          roles: ["data"],
          "file:size": file.size,
          "file:checksum": file.checksum,
          "raster:bands": rasterBands(info.bands, info.dataType, info.nodata),
          ...(tile.permanentHref ? { "eojobs:platform_href": tile.permanentHref } : {}),
        },
      },
    });
  }
  const assets: Json = {};
  if (input.mosaic) {
    const m = input.mosaic;
    const facts = await fileFacts(m.path);
    assets.mosaic = {
      href: href(folder, m.path),
      type: COG,
      title: `Mosaic of ${m.tiles.length} tiles (${m.crs})`,
      roles: ["data"],
      ...projFields(m.crs, m.bbox, m.width, m.height),
      "file:size": facts.size,
      "file:checksum": facts.checksum,
      "raster:bands": rasterBands(m.bands, m.dataType, m.nodata),
    };
    if (m.vrt) {
      assets.vrt = {
        href: href(folder, m.vrt),
        type: "application/xml",
        title: "GDAL VRT over the tiles",
        roles: ["metadata"],
      };
    }
    boxes.push(transformBBox(m.bbox, m.crs, "EPSG:4326"));
  }
  const sorted = [...times].sort();
  const collection: Json = {
    type: "Collection",
    stac_version: "1.0.0",
    stac_extensions: Object.values(STAC_EXTENSIONS),
    id: input.id,
    title: input.title ?? input.id,
    description: input.description ?? `Results of the run ${input.id}, one item per finished tile.`,
    license: input.license ?? "proprietary",
    ...(input.keywords ? { keywords: input.keywords } : {}),
    ...(input.providers ? { providers: input.providers } : {}),
    extent: {
      spatial: { bbox: [boxes.length ? union(boxes) : [-180, -90, 180, 90]] },
      temporal: { interval: [[sorted[0] ?? null, sorted[sorted.length - 1] ?? null]] },
    },
    summaries: { "proj:code": [...codes].sort() },
    links: [
      { rel: "root", href: "./collection.json", type: "application/json" },
      ...[...items.keys()].map((path) => ({
        rel: "item",
        href: `./${path}`,
        type: "application/geo+json",
      })),
    ],
    assets,
    ...synthetic,
  };
  return { collection, items, skipped };
}

/**
 * Writes a run's STAC documents under `folder`: `collection.json` and `items/<id>.json`, each
 * written to a `.part` file and renamed, so a reader never sees half a document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeStac } from "./build.ts";
 * const dir = await Deno.makeTempDir();
 * await writeStac(dir, { collection: { id: "c" }, items: new Map([["items/a.json", { id: "a" }]]), skipped: [] });
 * assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/items/a.json`)).id, "a");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeStac(folder: string, stac: RunStac): Promise<string> {
  const write = async (path: string, doc: Json) => {
    const full = `${folder}/${path}`;
    await Deno.mkdir(dirname(full), { recursive: true });
    await Deno.writeTextFile(`${full}.part`, JSON.stringify(doc, null, 2) + "\n");
    await Deno.rename(`${full}.part`, full);
  };
  for (const [path, item] of stac.items) await write(path, item);
  await write("collection.json", stac.collection);
  return `${folder}/collection.json`;
}
