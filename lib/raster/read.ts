/**
 * Reads GeoTIFFs and COGs with geotiff.js, in whatever CRS they come: from a file or a URL with
 * range reads of the smallest overview that is still detailed enough (never the whole file), or
 * from bytes. DEFLATE tiles are inflated by the runtime's native zlib.
 *
 * @module
 */
import {
  addDecoder,
  BaseDecoder,
  fromArrayBuffer,
  fromFile,
  fromUrl,
  type GeoTIFF,
  type GeoTIFFImage,
} from "../deps/geotiff.ts";
import { projection } from "../geo/projection.ts";
import { ARRAYS, type DataType, type Pixels } from "./_pixels.ts";
import { RasterError } from "./errors.ts";
import {
  checkImageChain,
  checkPixelBudget,
  DEFAULT_MAX_PIXELS,
  inflateBounded,
  type TiffChain,
} from "./tiff_guard.ts";

/**
 * geotiff.js inflates DEFLATE tiles in JavaScript; the runtime's zlib is several times faster,
 * and stops at the tile's declared size.
 */
class NativeInflate extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const { tileWidth, tileHeight, bitsPerSample, planarConfiguration, samplesPerPixel } = this
      .parameters as {
        tileWidth: number;
        tileHeight: number;
        bitsPerSample: number | ArrayLike<number>;
        planarConfiguration: number;
        samplesPerPixel?: number;
      };
    const bits = typeof bitsPerSample === "number" ? [bitsPerSample] : Array.from(bitsPerSample);
    const perPixel = planarConfiguration === 2
      ? Math.max(...bits)
      : bits.length > 1
      ? bits.reduce((a, b) => a + b, 0)
      : bits[0] * (samplesPerPixel ?? 1);
    const out = inflateBounded(
      new Uint8Array(buffer),
      Math.ceil(tileWidth * perPixel / 8) * tileHeight,
    );
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}
addDecoder([8, 32946], () => Promise.resolve(NativeInflate as never), undefined, false);

/** Undoes TIFF predictor 2 (integers) or 3 (floating point) on one decoded tile, in place. */
function unpredict(
  bytes: Uint8Array,
  predictor: number,
  size: number,
  width: number,
  rows: number,
) {
  if (predictor === 2) {
    const view = size === 1
      ? bytes
      : size === 2
      ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
      : new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    for (let y = 0; y < rows; y++) {
      const row = y * width;
      let acc = view[row];
      for (let x = 1; x < width; x++) view[row + x] = acc = acc + view[row + x];
    }
    return bytes;
  }
  const out = new Uint8Array(bytes.length);
  const rowBytes = width * size;
  for (let y = 0; y < rows; y++) {
    const base = y * rowBytes;
    for (let i = 1; i < rowBytes; i++) bytes[base + i] = bytes[base + i] + bytes[base + i - 1];
    for (let x = 0; x < width; x++) {
      for (let b = 0; b < size; b++) {
        out[base + x * size + (size - 1 - b)] = bytes[base + b * width + x];
      }
    }
  }
  return out;
}

/** Where a tiled file's tiles are, and how they are coded: enough to read it with no parser. */
interface TileLayout {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  bands: number;
  compression: number;
  predictor: number;
  nodata: number;
  offsets: ArrayLike<number | bigint>;
  counts: ArrayLike<number | bigint>;
}

/** The layout of a tiled, DEFLATE (or uncompressed) image, or undefined for any other. */
async function tileLayout(image: GeoTIFFImage): Promise<TileLayout | undefined> {
  const dir = image.fileDirectory;
  const compression = Number(await dir.loadValue("Compression") ?? 1);
  const predictor = Number(await dir.loadValue("Predictor") ?? 1);
  const bands = image.getSamplesPerPixel();
  if (
    !image.isTiled || ![1, 8, 32946].includes(compression) || ![1, 2, 3].includes(predictor) ||
    (bands > 1 && image.planarConfiguration !== 2)
  ) return undefined;
  return {
    width: image.getWidth(),
    height: image.getHeight(),
    tileWidth: image.getTileWidth(),
    tileHeight: image.getTileHeight(),
    bands,
    compression,
    predictor,
    nodata: image.getGDALNoData() ?? 0,
    offsets: await dir.loadValue("TileOffsets") as ArrayLike<number | bigint>,
    counts: await dir.loadValue("TileByteCounts") as ArrayLike<number | bigint>,
  };
}

/**
 * Reads every band of a local tiled file tile by tile, with synchronous reads, the runtime's
 * zlib and whole-row copies: several times faster than geotiff.js's pixel-by-pixel assembly,
 * which a mosaic of thousands of tiles feels.
 */
function readTiles(
  path: string,
  layout: TileLayout,
  type: DataType,
  [r0, r1]: [number, number] = [0, layout.height],
): Pixels[] {
  const { width, height, tileWidth: tw, tileHeight: th, bands, compression, predictor } = layout;
  const across = Math.ceil(width / tw), down = Math.ceil(height / th);
  const Type = ARRAYS[type];
  const size = Type.BYTES_PER_ELEMENT;
  const out = Array.from({ length: bands }, () => new Type(width * (r1 - r0)));
  using file = Deno.openSync(path);
  for (let b = 0; b < bands; b++) {
    for (let ty = Math.floor(r0 / th); ty < Math.min(down, Math.ceil(r1 / th)); ty++) {
      for (let tx = 0; tx < across; tx++) {
        const k = b * across * down + ty * across + tx;
        const length = Number(layout.counts[k]);
        const rows = Math.min(th, height - ty * th), cols = Math.min(tw, width - tx * tw);
        let tile: Uint8Array;
        if (length === 0) {
          tile = new Uint8Array(tw * th * size);
          new Type(tile.buffer as ArrayBuffer).fill(layout.nodata as never);
        } else {
          const raw = new Uint8Array(length);
          file.seekSync(Number(layout.offsets[k]), Deno.SeekMode.Start);
          let got = 0;
          while (got < length) {
            const n = file.readSync(raw.subarray(got));
            if (n === null) throw new Error(`tile ${k} ends past the end of the file`);
            got += n;
          }
          const decoded = compression === 1 ? raw : inflateBounded(raw, tw * th * size);
          if (decoded.length < tw * th * size) throw new Error(`tile ${k} is short`);
          const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, tw * th * size);
          tile = predictor === 1 ? bytes : unpredict(bytes, predictor, size, tw, th);
        }
        const values = new Type(tile.buffer as ArrayBuffer, tile.byteOffset, tw * th);
        const y0 = Math.max(0, r0 - ty * th), y1 = Math.min(rows, r1 - ty * th);
        for (let y = y0; y < y1; y++) {
          out[b].set(
            values.subarray(y * tw, y * tw + cols) as never,
            (ty * th + y - r0) * width + tx * tw,
          );
        }
      }
    }
  }
  return out;
}

/** The image's GDAL metadata items, or undefined when it has none. */
async function gdalMetadata(image: GeoTIFFImage): Promise<Record<string, string> | undefined> {
  const items = await image.getGDALMetadata() as Record<string, string> | null;
  return items && Object.keys(items).length > 0 ? items : undefined;
}

/** Pixels that cannot be read, as one error naming the file. */
function pixelError(name: string, e: unknown): RasterError {
  return e instanceof RasterError
    ? e
    : new RasterError(`${name}: its pixels cannot be read (${(e as Error).message})`, name, {
      cause: e,
    });
}

/** One or more bands of a raster, in its own CRS. */
export interface RasterData {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** `[west, south, east, north]` in `crs` units. */
  bbox: [number, number, number, number];
  /** The CRS, `EPSG:NNNN`. @default "EPSG:4326" */
  crs?: string;
  /** Band values (the first band read), row-major, north row first. */
  values: ArrayLike<number>;
  /** Every band read, when more than one was asked for (red, green, blue for RGB). */
  bands?: ArrayLike<number>[];
  /** The no-data value, if the file declares one. */
  nodata?: number;
  /** Pixel size of the level read, in CRS units. */
  resolution: [number, number];
  /** Which image of the file was read: 0 is full resolution, higher are overviews. */
  level: number;
  /** Where it was read from, for messages. */
  source?: string;
  /** The file's GDAL metadata items (`SOURCE`, say), if it has any. */
  metadata?: Record<string, string>;
}

/** Options of {@linkcode readRaster}. */
export interface ReadRasterOptions {
  /** Read the coarsest level whose longer side still has at least this many pixels. Default: full resolution. */
  maxSide?: number;
  /** Band index. @default 0 */
  band?: number;
  /** Several bands, such as `[3, 2, 1]` for red, green, blue; overrides `band`. */
  bands?: number[];
  /** A name for bytes, used in error messages. */
  name?: string;
  /** Aborts reading. */
  signal?: AbortSignal;
  /**
   * Most samples (pixels x bands) one read may decode; a file that declares more is refused
   * before anything is allocated. @default {2 ** 28}
   */
  maxPixels?: number;
}

const USER_DEFINED = 32767;

/** The CRS a GeoTIFF's keys declare, checked against what eojobs can project. */
function crsOf(keys: Record<string, unknown> | null, source: string): string {
  const projected = Number(keys?.ProjectedCSTypeGeoKey);
  const geographic = Number(keys?.GeographicTypeGeoKey);
  const code = projected > 0 && projected !== USER_DEFINED
    ? projected
    : geographic > 0 && geographic !== USER_DEFINED && !(projected > 0)
    ? geographic
    : NaN;
  if (Number.isNaN(code)) {
    const found = !keys || (!projected && !geographic)
      ? "no CRS in its GeoTIFF keys"
      : "a user-defined CRS (GeoKey 32767) with no EPSG code";
    throw new RasterError(
      `${source}: ${found}; give it an EPSG code (gdal_edit.py -a_srs EPSG:NNNN ${source}) or reproject it (gdalwarp -t_srs EPSG:4326)`,
      source,
    );
  }
  try {
    return projection(code).crs;
  } catch {
    throw new RasterError(
      `${source}: EPSG:${code} is not known to eojobs; define it first with defineCrs("EPSG:${code}", "+proj=…") (its proj4 string is on epsg.io)`,
      source,
    );
  }
}

async function open(
  source: string | URL | Uint8Array,
  signal?: AbortSignal,
): Promise<{ tiff: GeoTIFF; size?: number }> {
  if (source instanceof Uint8Array) {
    return { tiff: await fromArrayBuffer(source.slice().buffer), size: source.length };
  }
  if (source instanceof URL || /^https?:\/\//.test(source)) {
    return { tiff: await fromUrl(String(source), { allowFullFile: false }, signal) };
  }
  const { size } = await Deno.stat(source);
  return { tiff: await fromFile(source), size };
}

/** What a GeoTIFF's header says, read without its pixels. */
export interface RasterInfo {
  /** Where it was read from. */
  source: string;
  /** Pixels per row of the full resolution. */
  width: number;
  /** Rows of the full resolution. */
  height: number;
  /** Bands (samples per pixel). */
  bands: number;
  /** Sample type, by GDAL's names in lower case (`uint8`, `int16`, `float32`, ...). */
  dataType: DataType;
  /** `[west, south, east, north]` in `crs` units. */
  bbox: [number, number, number, number];
  /** `EPSG:NNNN`. */
  crs: string;
  /** Pixel size in CRS units. */
  resolution: [number, number];
  /** The no-data value, if declared. */
  nodata?: number;
  /** Images in the file: 1 plus its overviews. */
  levels: number;
  /** Reads every band of the full resolution (or of `window`: `[x0, y0, x1, y1]`). */
  read(window?: [number, number, number, number]): Promise<Pixels[]>;
  /**
   * Reads every band of the full-width rows `[first, end)`; of a local tiled file, only the
   * internal tiles those rows touch.
   */
  readRows(first: number, end: number): Promise<Pixels[]>;
}

function dataTypeFrom(format: number, bits: number, source: string): DataType {
  const name = `${format === 3 ? "float" : format === 2 ? "int" : "uint"}${bits}`;
  if (
    !["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"].includes(name)
  ) {
    throw new RasterError(
      `${source}: ${bits}-bit samples (format ${format}) are not supported; convert with gdal_translate -ot Float32`,
      source,
    );
  }
  return name as DataType;
}

/**
 * Opens a GeoTIFF and reads its header: size, bands, type, CRS, extent, no-data. Pixels are read
 * only when asked for; from a path or URL only the header bytes are fetched.
 *
 * @throws {RasterError} as {@linkcode readRaster} does.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCog } from "./cog_writer.ts";
 * import { rasterInfo } from "./read.ts";
 * const info = await rasterInfo(await encodeCog({ width: 2, height: 1, bands: [new Int16Array([3, 4])], bbox: [0, 0, 2, 1], crs: "EPSG:3857" }));
 * assert.deepEqual([info.crs, info.dataType, info.width], ["EPSG:3857", "int16", 2]);
 * ```
 */
export async function rasterInfo(
  source: string | URL | Uint8Array,
  options: Pick<ReadRasterOptions, "name" | "signal" | "maxPixels"> = {},
): Promise<RasterInfo> {
  const name = source instanceof Uint8Array ? options.name ?? "the raster" : String(source);
  const tiff = await openTiff(source, name, options.signal);
  try {
    const image = await tiff.getImage(0);
    const crs = crsOf(image.getGeoKeys() as Record<string, unknown> | null, name);
    const bbox = image.getBoundingBox() as [number, number, number, number];
    const width = image.getWidth(), height = image.getHeight();
    const nodata = image.getGDALNoData();
    const dataType = dataTypeFrom(image.getSampleFormat(0) ?? 1, image.getBitsPerSample(0), name);
    const local = typeof source === "string" && !/^https?:\/\//.test(source);
    const layout = local ? await tileLayout(image) : undefined;
    const bands = image.getSamplesPerPixel();
    const budget = (w: number, h: number) =>
      checkPixelBudget(name, w, h, bands, options.maxPixels ?? DEFAULT_MAX_PIXELS);
    const info: RasterInfo = {
      source: name,
      width,
      height,
      bands,
      dataType,
      bbox,
      crs,
      resolution: [(bbox[2] - bbox[0]) / width, (bbox[3] - bbox[1]) / height],
      nodata: nodata ?? undefined,
      levels: await tiff.getImageCount(),
      readRows(first, end) {
        if (layout) {
          try {
            budget(width, end - first);
            return Promise.resolve(readTiles(source as string, layout, dataType, [first, end]));
          } catch (e) {
            return Promise.reject(pixelError(name, e));
          }
        }
        return info.read([0, first, width, end]);
      },
      // Opened again to read: a mosaic of thousands of tiles keeps no file open in between.
      async read(window) {
        try {
          const [x0, y0, x1, y1] = window ?? [0, 0, width, height];
          budget(x1 - x0, y1 - y0);
          if (!window && layout) return readTiles(source as string, layout, dataType);
          const again = await openTiff(source, name, options.signal);
          try {
            const image = await again.getImage(0);
            return [...await image.readRasters({ window, signal: options.signal })] as Pixels[];
          } finally {
            await again.close();
          }
        } catch (e) {
          throw pixelError(name, e);
        }
      },
    };
    return info;
  } finally {
    await tiff.close();
  }
}

async function openTiff(
  source: string | URL | Uint8Array,
  name: string,
  signal?: AbortSignal,
): Promise<GeoTIFF> {
  let opened: { tiff: GeoTIFF; size?: number };
  try {
    opened = await open(source, signal);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new RasterError(`${name}: no such file; check the path`, name, { cause: e });
    }
    throw new RasterError(`${name}: not a readable GeoTIFF (${(e as Error).message})`, name, {
      cause: e,
    });
  }
  // geotiff.js walks the directories itself only when asked for the image count, and never
  // asks whether the chain comes round: walked here first, with a limit.
  try {
    await checkImageChain(opened.tiff as unknown as TiffChain, name, opened.size, signal);
  } catch (e) {
    await opened.tiff.close();
    throw e instanceof RasterError ? e : new RasterError(
      `${name}: not a readable GeoTIFF (${(e as Error).message})`,
      name,
      { cause: e },
    );
  }
  return opened.tiff;
}

/**
 * Reads one band (or `bands`) of a GeoTIFF, in the file's CRS.
 *
 * @throws {RasterError} when the file is not a GeoTIFF or has a CRS eojobs cannot place, naming
 *   the file and the fix.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCog } from "./cog_writer.ts";
 * import { readRaster } from "./read.ts";
 * const tif = await encodeCog({ width: 2, height: 1, bands: [new Uint8Array([3, 4])], bbox: [500000, 0, 500020, 10], crs: "EPSG:32733" });
 * const r = await readRaster(tif);
 * assert.equal(r.crs, "EPSG:32733");
 * assert.deepEqual(Array.from(r.values), [3, 4]);
 * ```
 */
export async function readRaster(
  source: string | URL | Uint8Array,
  options: ReadRasterOptions = {},
): Promise<RasterData> {
  const name = source instanceof Uint8Array ? options.name ?? "the raster" : String(source);
  const tiff = await openTiff(source, name, options.signal);
  try {
    const full = await tiff.getImage(0);
    const crs = crsOf(full.getGeoKeys() as Record<string, unknown> | null, name);
    const count = await tiff.getImageCount();
    let level = 0;
    let image = full;
    if (options.maxSide) {
      for (let i = count - 1; i > 0; i--) {
        const candidate = await tiff.getImage(i);
        if (Math.max(candidate.getWidth(), candidate.getHeight()) >= options.maxSide) {
          image = candidate;
          level = i;
          break;
        }
      }
    }
    const bbox = full.getBoundingBox() as [number, number, number, number];
    const samples = options.bands ?? [options.band ?? 0];
    checkPixelBudget(
      name,
      image.getWidth(),
      image.getHeight(),
      samples.length,
      options.maxPixels ?? DEFAULT_MAX_PIXELS,
    );
    let read: ArrayLike<number>[];
    try {
      read = await image.readRasters({ samples, signal: options.signal }) as unknown as ArrayLike<
        number
      >[];
    } catch (e) {
      throw pixelError(name, e);
    }
    const nodata = full.getGDALNoData();
    return {
      width: image.getWidth(),
      height: image.getHeight(),
      bbox,
      crs,
      values: read[0],
      bands: samples.length > 1 ? [...read] : undefined,
      nodata: nodata ?? undefined,
      resolution: [(bbox[2] - bbox[0]) / image.getWidth(), (bbox[3] - bbox[1]) / image.getHeight()],
      level,
      source: name,
      metadata: await gdalMetadata(full),
    };
  } finally {
    await tiff.close();
  }
}

/**
 * The value at a longitude/latitude (or at `x`, `y` in the raster's CRS with `inCrs: true`), or
 * undefined outside the raster.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valueAt } from "./read.ts";
 * const r = { width: 2, height: 1, bbox: [16, 48, 18, 49] as [number, number, number, number], values: [1, 2], resolution: [1, 1] as [number, number], level: 0 };
 * assert.equal(valueAt(r, 17.5, 48.5), 2);
 * ```
 */
export function valueAt(
  raster: RasterData,
  lon: number,
  lat: number,
  inCrs = false,
): number | undefined {
  const [x0, y0] = inCrs || !raster.crs || raster.crs === "EPSG:4326"
    ? [lon, lat]
    : projection(raster.crs).forward([lon, lat]);
  const x = Math.floor((x0 - raster.bbox[0]) / raster.resolution[0]);
  const y = Math.floor((raster.bbox[3] - y0) / raster.resolution[1]);
  if (x < 0 || y < 0 || x >= raster.width || y >= raster.height) return undefined;
  return raster.values[y * raster.width + x];
}
