/**
 * A run's tiles as one Cloud-Optimized GeoTIFF (and a VRT beside it for GDAL users), written strip
 * by strip: memory holds the tiles of one row of the mosaic and one strip per overview, whatever
 * the mosaic's size.
 *
 * Rules:
 * - **CRS**: the one named, else the tiles' common one; when they differ, the CRS most tiles share
 *   (the first tile's on a tie), said in `notes`. Tiles in another CRS are reprojected by nearest
 *   neighbour.
 * - **Grid**: the finest pixel size among the tiles (or `resolution`), anchored to the first tile
 *   in the mosaic's CRS, so that tiles on that grid are copied pixel for pixel.
 * - **Overlaps**: the later tile in the list wins where it has data; its no-data pixels leave what
 *   is below (as `gdalbuildvrt` does with no-data sources).
 * - **Bad tiles**: a tile that cannot be read, or has another band count, is skipped and named in
 *   `skipped`; the mosaic is written from the others.
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";
import { projection } from "../geo/projection.ts";
import {
  CogWriter,
  type DataType,
  type OverviewResampling,
  type Pixels,
  pixelsOf,
} from "./cog_writer.ts";
import { RasterError } from "./errors.ts";
import { type RasterInfo, rasterInfo } from "./read.ts";
import { pixelMapper, transformBBox } from "./warp.ts";

import type { BBox } from "../geo/types.ts";

/** Options of {@linkcode writeMosaic}. */
export interface MosaicOptions {
  /** The mosaic's CRS. Default: the tiles' common CRS, else the one most tiles share. */
  crs?: string;
  /** Pixel size in CRS units. Default: the finest of the tiles. */
  resolution?: number;
  /** No-data value. Default: the tiles' (NaN for floating-point tiles that declare none). */
  nodata?: number;
  /** Overview resampling. @default "nearest" */
  resampling?: OverviewResampling;
  /** Write `NAME.vrt` over the source tiles too, where they share the mosaic's grid. @default true */
  vrt?: boolean;
  /** GDAL metadata items for the COG. */
  metadata?: Record<string, string>;
  /** fsync before renaming into place. @default false */
  durable?: boolean;
  /** Called after each strip with rows written and the total. */
  onProgress?: (rows: number, height: number) => void;
}

/** What {@linkcode writeMosaic} wrote. */
export interface MosaicResult {
  /** The COG. */
  path: string;
  /** The VRT, when one was written. */
  vrt?: string;
  /** The mosaic's CRS, `EPSG:NNNN`. */
  crs: string;
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** `[west, south, east, north]` in `crs` units. */
  bbox: BBox;
  /** Pixel size in CRS units. */
  resolution: number;
  /** Sample type. */
  dataType: DataType;
  /** Bands. */
  bands: number;
  /** The no-data value, when there is one. */
  nodata?: number;
  /** Bytes of the COG. */
  size: number;
  /** The tiles that went in. */
  tiles: string[];
  /** Tiles left out, and why. */
  skipped: Array<{ path: string; reason: string }>;
  /** Choices made for the caller (CRS, data type, no VRT). */
  notes: string[];
}

interface Placed {
  info: RasterInfo;
  /** The tile's extent in the mosaic's CRS. */
  bbox: BBox;
  row0: number;
  row1: number;
  /** Column and row offset when the tile sits on the mosaic's grid (same CRS and pixel size). */
  aligned?: [number, number];
  pixels?: Pixels[];
  /** Its pixels could not be read. */
  broken?: boolean;
  /** The tile row `pixels` starts at (aligned tiles hold only the rows of the current strip). */
  pixelRow?: number;
}

function widest(types: DataType[]): DataType {
  if (types.every((t) => t === types[0])) return types[0];
  return types.some((t) => t === "float64") ? "float64" : "float32";
}

function snap(v: number, anchor: number, step: number, up: boolean): number {
  const k = (v - anchor) / step;
  // Within a millionth of a pixel is on the line: floating-point noise must not add a column.
  const r = Math.round(k);
  const whole = Math.abs(k - r) < 1e-6 ? r : up ? Math.ceil(k) : Math.floor(k);
  return anchor + whole * step;
}

/**
 * Writes `tiles` (GeoTIFF paths) into one COG at `path` (and a VRT beside it).
 *
 * @throws {RasterError} when no tile can be read, or tiles differ in CRS with a CRS that none of
 *   them can be placed in.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCog } from "./cog_writer.ts";
 * import { readRaster } from "./read.ts";
 * import { writeMosaic } from "./mosaic_cog.ts";
 * const dir = await Deno.makeTempDir();
 * for (const [i, x] of [[0, 500_000], [1, 500_100]]) {
 *   await Deno.writeFile(`${dir}/t${i}.tif`, await encodeCog({ width: 10, height: 10, bands: [new Uint8Array(100).fill(i + 1)],
 *     bbox: [x, 5_000_000, x + 100, 5_000_100], crs: "EPSG:32633" }));
 * }
 * const m = await writeMosaic([`${dir}/t0.tif`, `${dir}/t1.tif`], `${dir}/mosaic.tif`);
 * assert.deepEqual([m.width, m.height, m.crs], [20, 10, "EPSG:32633"]);
 * const r = await readRaster(m.path);
 * assert.deepEqual([r.values[0], r.values[19]], [1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeMosaic(
  tiles: string[],
  path: string,
  options: MosaicOptions = {},
): Promise<MosaicResult> {
  const skipped: MosaicResult["skipped"] = [];
  const notes: string[] = [];
  const infos: RasterInfo[] = [];
  for (const tile of tiles) {
    try {
      infos.push(await rasterInfo(tile));
    } catch (e) {
      skipped.push({ path: tile, reason: (e as Error).message });
    }
  }
  if (infos.length === 0) {
    throw new RasterError(
      `${path}: no tile could be read (${tiles.length} given${
        skipped[0] ? `; first: ${skipped[0].reason}` : ""
      })`,
      path,
    );
  }
  const bands = infos[0].bands;
  const usable = infos.filter((i) => {
    if (i.bands === bands) return true;
    skipped.push({
      path: i.source,
      reason: `${i.bands} band(s) where the first tile has ${bands}`,
    });
    return false;
  });
  const counts = new Map<string, number>();
  for (const i of usable) counts.set(i.crs, (counts.get(i.crs) ?? 0) + 1);
  let crs = options.crs ? projection(options.crs).crs : usable[0].crs;
  if (!options.crs && counts.size > 1) {
    for (const [c, n] of counts) if (n > counts.get(crs)!) crs = c;
    notes.push(
      `tiles come in ${
        [...counts].map(([c, n]) => `${c} (${n})`).join(", ")
      }; the mosaic is in ${crs}, the most common; pass crs to choose another`,
    );
  }
  const dataType = widest(usable.map((i) => i.dataType));
  if (usable.some((i) => i.dataType !== dataType)) {
    notes.push(`tiles have different sample types; the mosaic is ${dataType}`);
  }
  const nodata = options.nodata ?? usable.find((i) => i.nodata !== undefined)?.nodata ??
    (dataType.startsWith("float") ? NaN : undefined);
  const extents = usable.map((i) => i.crs === crs ? i.bbox : transformBBox(i.bbox, i.crs, crs));
  const resolution = options.resolution ?? Math.min(
    ...usable.map((i, k) =>
      i.crs === crs ? Math.min(i.resolution[0], i.resolution[1]) : Math.min(
        (extents[k][2] - extents[k][0]) / i.width,
        (extents[k][3] - extents[k][1]) / i.height,
      )
    ),
  );
  const anchorAt = usable.findIndex((i) => i.crs === crs);
  const anchor = anchorAt >= 0 ? [usable[anchorAt].bbox[0], usable[anchorAt].bbox[3]] : [0, 0];
  const w = snap(Math.min(...extents.map((b) => b[0])), anchor[0], resolution, false);
  const e = snap(Math.max(...extents.map((b) => b[2])), anchor[0], resolution, true);
  const s = snap(Math.min(...extents.map((b) => b[1])), anchor[1], resolution, false);
  const n = snap(Math.max(...extents.map((b) => b[3])), anchor[1], resolution, true);
  const width = Math.round((e - w) / resolution), height = Math.round((n - s) / resolution);
  const placed: Placed[] = usable.map((info, k) => {
    const b = extents[k];
    const row0 = Math.max(0, Math.floor((n - b[3]) / resolution + 1e-6));
    const row1 = Math.min(height, Math.ceil((n - b[1]) / resolution - 1e-6));
    const col = (b[0] - w) / resolution, row = (n - b[3]) / resolution;
    const onGrid = info.crs === crs &&
      Math.abs(info.resolution[0] - resolution) < resolution * 1e-9 &&
      Math.abs(info.resolution[1] - resolution) < resolution * 1e-9 &&
      Math.abs(col - Math.round(col)) < 1e-6 && Math.abs(row - Math.round(row)) < 1e-6;
    return {
      info,
      bbox: b,
      row0,
      row1,
      aligned: onGrid ? [Math.round(col), Math.round(row)] : undefined,
    };
  });

  const writer = await CogWriter.create(path, {
    width,
    height,
    bands,
    dataType,
    crs,
    origin: [w, n],
    pixelSize: [resolution, resolution],
    nodata: Number.isNaN(nodata) && !dataType.startsWith("float") ? undefined : nodata,
    resampling: options.resampling,
    metadata: options.metadata,
    durable: options.durable,
  });
  let size: number;
  try {
    const strip = 256;
    for (let y0 = 0; y0 < height; y0 += strip) {
      const rows = Math.min(strip, height - y0);
      const out = Array.from({ length: bands }, () => {
        const p = pixelsOf(dataType, rows * width);
        if (nodata !== undefined) p.fill(nodata as never);
        return p;
      });
      for (const t of placed) {
        if (t.broken || t.row1 <= y0 || t.row0 >= y0 + rows) continue;
        try {
          if (t.aligned) {
            // Only the rows this strip needs: memory holds a strip of each tile, not the tile.
            const from = Math.max(y0, t.row0) - t.aligned[1],
              to = Math.min(y0 + rows, t.row1) - t.aligned[1];
            t.pixels = await t.info.readRows(from, to);
            t.pixelRow = from;
          } else t.pixels ??= await t.info.read();
        } catch (e) {
          // Its header read, its pixels do not: skipped before any of them is painted.
          t.broken = true;
          skipped.push({ path: t.info.source, reason: (e as Error).message });
          continue;
        }
        paint(t, out, y0, rows, width, [w, n], resolution, crs);
      }
      for (const t of placed) if (t.aligned || t.row1 <= y0 + rows) t.pixels = undefined;
      await writer.writeRows(out);
      options.onProgress?.(y0 + rows, height);
    }
    size = (await writer.finish()).size;
  } catch (err) {
    await writer.abort();
    throw err;
  }

  const result: MosaicResult = {
    path,
    crs,
    width,
    height,
    bbox: [w, s, e, n],
    resolution,
    dataType,
    bands,
    nodata,
    size,
    tiles: placed.filter((p) => !p.broken).map((p) => p.info.source),
    skipped,
    notes,
  };
  if (options.vrt ?? true) {
    if (placed.every((p) => p.aligned)) {
      result.vrt = path.replace(/\.tiff?$/i, "") + ".vrt";
      await writeVrt(result.vrt, result, placed.filter((p) => !p.broken));
    } else {
      notes.push("no VRT: some tiles are not on the mosaic's grid (another CRS or pixel size)");
    }
  }
  return result;
}

function paint(
  t: Placed,
  out: Pixels[],
  y0: number,
  rows: number,
  width: number,
  origin: [number, number],
  resolution: number,
  crs: string,
): void {
  const src = t.pixels!;
  const { width: sw, height: sh, nodata } = t.info;
  const first = Math.max(y0, t.row0), last = Math.min(y0 + rows, t.row1);
  if (t.aligned) {
    const [dc, dr] = t.aligned;
    const c0 = Math.max(0, dc), c1 = Math.min(width, dc + sw);
    const base = t.pixelRow ?? 0;
    for (let y = first; y < last; y++) {
      const sr = y - dr;
      if (sr < 0 || sr >= sh) continue;
      const o = (y - y0) * width, i = (sr - base) * sw - dc;
      const lead = src[0];
      for (let c = c0; c < c1; c++) {
        const v = lead[i + c];
        if (v === nodata || v !== v) continue;
        for (let b = 0; b < src.length; b++) out[b][o + c] = src[b][i + c];
      }
    }
    return;
  }
  const [bw, , , bn] = t.info.bbox;
  const [rx, ry] = t.info.resolution;
  const c0 = Math.max(0, Math.floor((t.bbox[0] - origin[0]) / resolution));
  const c1 = Math.min(width, Math.ceil((t.bbox[2] - origin[0]) / resolution));
  const span = c1 - c0, down = last - first;
  if (span <= 0 || down <= 0) return;
  const toSource = pixelMapper(
    t.info.crs,
    crs,
    [origin[0] + c0 * resolution, origin[1] - first * resolution],
    [resolution, resolution],
    span,
    down,
  );
  for (let y = 0; y < down; y++) {
    const o = (first + y - y0) * width + c0;
    for (let x = 0; x < span; x++) {
      const [px, py] = toSource(x, y);
      const c = Math.floor((px - bw) / rx), r = Math.floor((bn - py) / ry);
      if (c < 0 || r < 0 || c >= sw || r >= sh) continue;
      const at = r * sw + c;
      const v = src[0][at];
      if (v === nodata || v !== v) continue;
      for (let b = 0; b < src.length; b++) out[b][o + x] = src[b][at];
    }
  }
}

const VRT_TYPES: Record<DataType, string> = {
  uint8: "Byte",
  int8: "Int8",
  uint16: "UInt16",
  int16: "Int16",
  uint32: "UInt32",
  int32: "Int32",
  float32: "Float32",
  float64: "Float64",
};

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A VRT over the source tiles, with paths relative to it, as gdalbuildvrt writes one. */
async function writeVrt(vrtPath: string, m: MosaicResult, placed: Placed[]): Promise<void> {
  const dir = dirname(resolve(vrtPath));
  const relativeTo = (p: string) => relative(dir, resolve(p));
  const code = projection(m.crs).crs.slice(5);
  const nodata = m.nodata === undefined ? "" : `<NoDataValue>${m.nodata}</NoDataValue>`;
  const bands = Array.from({ length: m.bands }, (_, b) => {
    const sources = placed.map((p) => {
      const [c, r] = p.aligned!;
      const { width, height } = p.info;
      return `    <ComplexSource>
      <SourceFilename relativeToVRT="1">${escapeXml(relativeTo(p.info.source))}</SourceFilename>
      <SourceBand>${b + 1}</SourceBand>
      <SrcRect xOff="0" yOff="0" xSize="${width}" ySize="${height}" />
      <DstRect xOff="${c}" yOff="${r}" xSize="${width}" ySize="${height}" />${
        p.info.nodata === undefined ? "" : `\n      <NODATA>${p.info.nodata}</NODATA>`
      }
    </ComplexSource>`;
    });
    return `  <VRTRasterBand dataType="${VRT_TYPES[m.dataType]}" band="${b + 1}">
    ${nodata}
${sources.join("\n")}
  </VRTRasterBand>`;
  });
  const xml = `<VRTDataset rasterXSize="${m.width}" rasterYSize="${m.height}">
  <SRS dataAxisToSRSAxisMapping="${projection(m.crs).geographic ? "2,1" : "1,2"}">EPSG:${code}</SRS>
  <GeoTransform>${m.bbox[0]}, ${m.resolution}, 0, ${m.bbox[3]}, 0, ${-m.resolution}</GeoTransform>
${bands.join("\n")}
</VRTDataset>
`;
  const part = `${vrtPath}.part`;
  await Deno.writeTextFile(part, xml);
  await Deno.rename(part, vrtPath);
}
