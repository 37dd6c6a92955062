/**
 * Writes Cloud-Optimized GeoTIFFs, strip by strip: internal tiles, DEFLATE with a predictor,
 * nodata, internal overviews, and the byte layout GDAL's COG validator demands (GDAL's
 * structural metadata, every IFD before any data, the smallest overview's data first and the full
 * resolution last, each tile with its size before it and its last 4 bytes after it). Memory holds
 * one strip of tiles per level, never the image: each compressed level goes to a scratch file,
 * and the final file is put together and renamed into place only when complete.
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { epsgCode, projection } from "../geo/projection.ts";
import { ARRAYS, type DataType, dataTypeOf, type Pixels, pixelsOf } from "./_pixels.ts";
import { ASCII, DOUBLE, type Entry, geoKeys, ifdSize, LONG, LONG8, SHORT } from "./_tiff.ts";

export { type DataType, dataTypeOf, type Pixels, pixelsOf };
import { writeHeader, writeIfd } from "./_tiff.ts";
import { InputError } from "../input_error.ts";

/** How overviews are made from the level above. */
export type OverviewResampling = "nearest" | "average" | "max";

/** What a COG holds and how it is laid out. */
export interface CogOptions {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Bands. @default 1 */
  bands?: number;
  /** Sample type. */
  dataType: DataType;
  /** The CRS as an EPSG code (`EPSG:32633`); one {@linkcode projection} knows. */
  crs: string;
  /** Top-left corner of the top-left pixel, in CRS units. */
  origin: [number, number];
  /** Pixel width and height in CRS units (both positive; rows run north to south). */
  pixelSize: [number, number];
  /** The no-data value; padding and pixels no source covers get it. */
  nodata?: number;
  /** Internal tile size, a multiple of 16. @default 256 */
  tileSize?: number;
  /** How overviews are computed. @default "nearest" */
  resampling?: OverviewResampling;
  /** DEFLATE level 1 to 9. @default 6 */
  level?: number;
  /** Write BigTIFF (8-byte offsets). @default true when the uncompressed image exceeds 3.9 GiB */
  bigTiff?: boolean;
  /** GDAL metadata items (`gdalinfo` lists them), such as a note that the data are synthetic. */
  metadata?: Record<string, string>;
  /** fsync the file before it is renamed into place. @default false */
  durable?: boolean;
}

/** Where one level's compressed tiles go until the file is put together. */
interface LevelSink {
  size: number;
  append(bytes: Uint8Array): Promise<void>;
  copyTo(out: Deno.FsFile | Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}

function memorySink(): LevelSink {
  const chunks: Uint8Array[] = [];
  const sink: LevelSink = {
    size: 0,
    append(bytes) {
      chunks.push(bytes);
      sink.size += bytes.length;
      return Promise.resolve();
    },
    copyTo(out) {
      if (Array.isArray(out)) out.push(...chunks);
      else for (const c of chunks) writeAllSync(out, c);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return sink;
}

// Synchronous writes: tiles are small, and an async write per tile waits far longer than it writes.
async function fileSink(path: string): Promise<LevelSink> {
  const file = await Deno.open(path, { read: true, write: true, create: true, truncate: true });
  let closed = false;
  const sink: LevelSink = {
    size: 0,
    append(bytes) {
      writeAllSync(file, bytes);
      sink.size += bytes.length;
      return Promise.resolve();
    },
    copyTo(out) {
      file.seekSync(0, Deno.SeekMode.Start);
      const buffer = new Uint8Array(8 << 20);
      for (;;) {
        const n = file.readSync(buffer);
        if (n === null) break;
        const chunk = buffer.subarray(0, n);
        if (Array.isArray(out)) out.push(chunk.slice());
        else writeAllSync(out, chunk);
      }
      return Promise.resolve();
    },
    async close() {
      if (closed) return;
      closed = true;
      file.close();
      await Deno.remove(path).catch(() => {});
    },
  };
  return sink;
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
}

interface Level {
  width: number;
  height: number;
  across: number;
  down: number;
  /** One strip: `tileSize` rows of every band. */
  strip: Pixels[];
  rows: number;
  /** Strips flushed so far. */
  strips: number;
  /** Per band, per tile (row-major): offset within the level's sink and byte count. */
  offsets: Float64Array[];
  counts: Uint32Array[];
  sink: LevelSink;
}

/** Differences each row (TIFF predictor 2) for integers, or shuffles and differences the bytes of
 * each row (predictor 3, floating point), in place of a tile's bytes. */
function predict(tile: Pixels, size: number): Uint8Array {
  if (!(tile instanceof Float32Array || tile instanceof Float64Array)) {
    for (let y = 0; y < size; y++) {
      const row = y * size;
      let prev = tile[row];
      for (let x = 1; x < size; x++) {
        const v = tile[row + x];
        tile[row + x] = v - prev;
        prev = v;
      }
    }
    return new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
  }
  const bytes = tile.BYTES_PER_ELEMENT;
  const src = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
  const out = new Uint8Array(src.length);
  const rowBytes = size * bytes;
  for (let y = 0; y < size; y++) {
    const base = y * rowBytes;
    // Most significant byte first, as the predictor defines it on little-endian samples.
    for (let x = 0; x < size; x++) {
      for (let b = 0; b < bytes; b++) {
        out[base + b * size + x] = src[base + x * bytes + (bytes - 1 - b)];
      }
    }
    for (let i = rowBytes - 1; i > 0; i--) out[base + i] = out[base + i] - out[base + i - 1];
  }
  return out;
}

function halveInto(
  src: Pixels,
  srcWidth: number,
  srcRows: number,
  dst: Pixels,
  dstWidth: number,
  dstRow: number,
  how: OverviewResampling,
  nodata: number | undefined,
): number {
  const rows = Math.ceil(srcRows / 2);
  for (let y = 0; y < rows; y++) {
    const out = (dstRow + y) * dstWidth;
    const r0 = 2 * y * srcWidth, r1 = 2 * y + 1 < srcRows ? r0 + srcWidth : r0;
    for (let x = 0; x < dstWidth; x++) {
      const c0 = 2 * x, c1 = 2 * x + 1 < srcWidth ? c0 + 1 : c0;
      if (how === "nearest") {
        dst[out + x] = src[r0 + c0];
        continue;
      }
      let sum = 0, n = 0, best = -Infinity;
      for (const at of [r0 + c0, r0 + c1, r1 + c0, r1 + c1]) {
        const v = src[at];
        if (v === nodata || Number.isNaN(v)) continue;
        sum += v;
        n++;
        if (v > best) best = v;
      }
      dst[out + x] = n === 0 ? (nodata ?? 0) : how === "max" ? best : sum / n;
    }
  }
  return rows;
}

/**
 * Writes a COG strip by strip; call {@linkcode CogWriter.writeRows} with rows from the top down,
 * then {@linkcode CogWriter.finish}. To a file, it writes `NAME.part` and renames it when complete;
 * {@linkcode CogWriter.abort} (or an error in `finish`) leaves nothing behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CogWriter } from "./cog_writer.ts";
 * const cog = CogWriter.inMemory({
 *   width: 300, height: 300, dataType: "uint8", crs: "EPSG:32633",
 *   origin: [500_000, 5_300_000], pixelSize: [10, 10], nodata: 255,
 * });
 * await cog.writeRows([new Uint8Array(300 * 300).fill(1)]);
 * const { bytes } = await cog.finish();
 * assert.deepEqual([...bytes!.subarray(0, 4)], [0x49, 0x49, 42, 0]);
 * ```
 */
export class CogWriter {
  /** What the COG holds and how it is laid out. */
  readonly options: Readonly<CogOptions>;
  readonly #path?: string;
  readonly #tile: number;
  readonly #bands: number;
  readonly #levels: Level[] = [];
  #row = 0;
  #done = false;

  private constructor(options: CogOptions, path?: string) {
    const { width, height } = options;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
      throw new InputError("width, height", `${width} x ${height}`, "give whole numbers above 0");
    }
    if (!ARRAYS[options.dataType]) {
      throw new InputError(
        "dataType",
        `${options.dataType} is not a data type`,
        `use one of ${Object.keys(ARRAYS).join(", ")}`,
      );
    }
    if (!(options.pixelSize[0] > 0 && options.pixelSize[1] > 0)) {
      throw new InputError("pixelSize", `[${options.pixelSize}]`, "give two sizes above 0");
    }
    projection(options.crs);
    this.options = options;
    this.#path = path;
    this.#tile = options.tileSize ?? 256;
    if (this.#tile % 16 !== 0) {
      throw new InputError("tileSize", `${this.#tile} is not a multiple of 16`, "use 256 or 512");
    }
    this.#bands = options.bands ?? 1;
  }

  /** A writer whose {@linkcode CogWriter.finish} returns the bytes. */
  static inMemory(options: CogOptions): CogWriter {
    const w = new CogWriter(options);
    w.#makeLevels(w.#sizes().map(() => memorySink()));
    return w;
  }

  /** A writer to `path`, with scratch files beside it. */
  static async create(path: string, options: CogOptions): Promise<CogWriter> {
    const w = new CogWriter(options, path);
    const sinks: LevelSink[] = [];
    for (let i = 0; i < w.#sizes().length; i++) {
      sinks.push(await fileSink(`${path}.level${i}.part`));
    }
    w.#makeLevels(sinks);
    return w;
  }

  /** Width and height of the full resolution and each overview, down to one tile. */
  #sizes(): Array<[number, number]> {
    let width = this.options.width, height = this.options.height;
    const sizes: Array<[number, number]> = [[width, height]];
    while (width > this.#tile || height > this.#tile) {
      width = Math.ceil(width / 2);
      height = Math.ceil(height / 2);
      sizes.push([width, height]);
    }
    return sizes;
  }

  #makeLevels(sinks: LevelSink[]): void {
    const t = this.#tile;
    this.#sizes().forEach(([width, height], i) => {
      const across = Math.ceil(width / t), down = Math.ceil(height / t);
      this.#levels.push({
        width,
        height,
        across,
        down,
        strip: Array.from({ length: this.#bands }, () => this.#blank(t * width)),
        rows: 0,
        strips: 0,
        offsets: Array.from({ length: this.#bands }, () => new Float64Array(across * down)),
        counts: Array.from({ length: this.#bands }, () => new Uint32Array(across * down)),
        sink: sinks[i],
      });
    });
  }

  #blank(length: number): Pixels {
    const p = pixelsOf(this.options.dataType, length);
    if (this.options.nodata !== undefined) p.fill(this.options.nodata as never);
    return p;
  }

  /** Rows written so far. */
  get rowsWritten(): number {
    return this.#row;
  }

  /**
   * Appends whole rows (one array per band, each `rows * width` long, north row first).
   *
   * @throws {RangeError} when the bands or lengths do not fit, or past the last row.
   */
  async writeRows(bands: Pixels[]): Promise<void> {
    const { width, height } = this.options;
    if (bands.length !== this.#bands) {
      throw new InputError(
        "bands",
        `${bands.length} array(s) where the COG has ${this.#bands}`,
        "give one array per band",
      );
    }
    const rows = bands[0].length / width;
    if (!Number.isInteger(rows) || bands.some((b) => b.length !== bands[0].length)) {
      throw new InputError(
        "bands",
        "the arrays hold no whole number of rows, or differ in length",
        `give every band the same whole rows of ${width} pixels`,
      );
    }
    if (this.#row + rows > height) {
      throw new InputError(
        "rows",
        `${this.#row + rows} rows written where the COG has ${height}`,
        "write no more rows than the height",
      );
    }
    this.#row += rows;
    await this.#push(0, bands, rows);
  }

  async #push(index: number, bands: Pixels[], rows: number): Promise<void> {
    const level = this.#levels[index];
    let from = 0;
    while (from < rows) {
      const take = Math.min(rows - from, this.#tile - level.rows);
      for (let b = 0; b < this.#bands; b++) {
        level.strip[b].set(
          bands[b].subarray(from * level.width, (from + take) * level.width) as never,
          level.rows * level.width,
        );
      }
      level.rows += take;
      from += take;
      if (level.rows === this.#tile) await this.#flush(index);
    }
  }

  async #flush(index: number): Promise<void> {
    const level = this.#levels[index];
    if (level.rows === 0) return;
    const t = this.#tile;
    const ty = level.strips;
    for (let tx = 0; tx < level.across; tx++) {
      for (let b = 0; b < this.#bands; b++) {
        const tile = this.#blank(t * t);
        const cols = Math.min(t, level.width - tx * t);
        for (let y = 0; y < level.rows; y++) {
          const at = y * level.width + tx * t;
          tile.set(level.strip[b].subarray(at, at + cols) as never, y * t);
        }
        const data = deflateSync(predict(tile, t), { level: this.options.level ?? 6 });
        const record = new Uint8Array(data.length + 8);
        new DataView(record.buffer).setUint32(0, data.length, true);
        record.set(data, 4);
        record.set(data.subarray(Math.max(0, data.length - 4)), data.length + 4);
        const k = ty * level.across + tx;
        level.offsets[b][k] = level.sink.size + 4;
        level.counts[b][k] = data.length;
        await level.sink.append(record);
      }
    }
    const next = this.#levels[index + 1];
    if (next) {
      const rows = Math.ceil(level.rows / 2);
      const half = Array.from({ length: this.#bands }, () => this.#blank(rows * next.width));
      for (let b = 0; b < this.#bands; b++) {
        halveInto(
          level.strip[b],
          level.width,
          level.rows,
          half[b],
          next.width,
          0,
          this.options.resampling ?? "nearest",
          this.options.nodata,
        );
      }
      await this.#push(index + 1, half, rows);
    }
    level.strips++;
    level.rows = 0;
    for (const s of level.strip) s.fill((this.options.nodata ?? 0) as never);
  }

  #entries(index: number, offsets: (k: number, b: number) => number, big: boolean): Entry[] {
    const o = this.options;
    const level = this.#levels[index];
    const bits = ARRAYS[o.dataType].BYTES_PER_ELEMENT * 8;
    const format = o.dataType.startsWith("float") ? 3 : o.dataType.startsWith("int") ? 2 : 1;
    const n = level.across * level.down;
    const tileOffsets = new Float64Array(n * this.#bands);
    const tileCounts = new Float64Array(n * this.#bands);
    for (let b = 0; b < this.#bands; b++) {
      for (let k = 0; k < n; k++) {
        tileOffsets[b * n + k] = offsets(k, b);
        tileCounts[b * n + k] = level.counts[b][k];
      }
    }
    const entries: Entry[] = [
      { tag: 254, type: LONG, values: [index === 0 ? 0 : 1] },
      { tag: 256, type: LONG, values: [level.width] },
      { tag: 257, type: LONG, values: [level.height] },
      { tag: 258, type: SHORT, values: Array(this.#bands).fill(bits) },
      { tag: 259, type: SHORT, values: [8] },
      { tag: 262, type: SHORT, values: [1] },
      { tag: 277, type: SHORT, values: [this.#bands] },
      { tag: 284, type: SHORT, values: [this.#bands > 1 ? 2 : 1] },
      { tag: 317, type: SHORT, values: [format === 3 ? 3 : 2] },
      { tag: 322, type: SHORT, values: [this.#tile] },
      { tag: 323, type: SHORT, values: [this.#tile] },
      { tag: 324, type: big ? LONG8 : LONG, values: tileOffsets },
      { tag: 325, type: LONG, values: tileCounts },
      { tag: 339, type: SHORT, values: Array(this.#bands).fill(format) },
    ];
    if (this.#bands > 1) {
      entries.push({ tag: 338, type: SHORT, values: Array(this.#bands - 1).fill(0) });
    }
    if (index === 0) {
      const code = epsgCode(o.crs);
      entries.push(
        { tag: 33550, type: DOUBLE, values: [o.pixelSize[0], o.pixelSize[1], 0] },
        { tag: 33922, type: DOUBLE, values: [0, 0, 0, o.origin[0], o.origin[1], 0] },
        { tag: 34735, type: SHORT, values: geoKeys(code, projection(o.crs).geographic) },
      );
      if (o.metadata && Object.keys(o.metadata).length > 0) {
        const items = Object.entries(o.metadata).map(([k, v]) =>
          `<Item name="${escapeXml(k)}">${escapeXml(v)}</Item>`
        );
        entries.push({
          tag: 42112,
          type: ASCII,
          values: `<GDALMetadata>${items.join("")}</GDALMetadata>`,
        });
      }
    }
    if (o.nodata !== undefined) entries.push({ tag: 42113, type: ASCII, values: String(o.nodata) });
    return entries;
  }

  /**
   * Writes what is left and puts the file together: `{ path }` for a file (renamed into place),
   * `{ bytes }` in memory. Rows never written stay no-data.
   */
  async finish(): Promise<{ path?: string; bytes?: Uint8Array<ArrayBuffer>; size: number }> {
    if (this.#done) throw new Error("finish: this COG is already finished");
    this.#done = true;
    try {
      return await this.#assemble();
    } finally {
      for (const l of this.#levels) await l.sink.close();
    }
  }

  async #assemble(): Promise<{ path?: string; bytes?: Uint8Array<ArrayBuffer>; size: number }> {
    const { width, height } = this.options;
    // Missing rows are written as no-data, so that every tile exists.
    const blankRows = 256;
    while (this.#row < height) {
      const rows = Math.min(blankRows, height - this.#row);
      await this.writeRows(
        Array.from({ length: this.#bands }, () => this.#blank(rows * width)),
      );
    }
    for (let i = 0; i < this.#levels.length; i++) await this.#flush(i);
    const uncompressed = width * height * this.#bands *
      ARRAYS[this.options.dataType].BYTES_PER_ELEMENT;
    const big = this.options.bigTiff ?? uncompressed > 3.9 * 2 ** 30;
    const ghostBody = [
      "LAYOUT=IFDS_BEFORE_DATA",
      "BLOCK_ORDER=ROW_MAJOR",
      "BLOCK_LEADER=SIZE_AS_UINT4",
      "BLOCK_TRAILER=LAST_4_BYTES_REPEATED",
      "KNOWN_INCOMPATIBLE_EDITION=NO",
      "",
    ].join("\n") + " ";
    const ghost = `GDAL_STRUCTURAL_METADATA_SIZE=${
      String(ghostBody.length).padStart(6, "0")
    } bytes\n${ghostBody}`;
    const head = big ? 16 : 8;
    let at = head + ghost.length;
    at += at % 2;
    const ifdStarts: number[] = [];
    for (let i = 0; i < this.#levels.length; i++) {
      ifdStarts.push(at);
      at += ifdSize(this.#entries(i, () => 0, big), big);
      at += at % 2;
    }
    // Data: the smallest overview first, the full resolution last.
    const dataStart: number[] = [];
    for (let i = this.#levels.length - 1; i >= 0; i--) {
      dataStart[i] = at;
      at += this.#levels[i].sink.size;
    }
    if (!big && at > 2 ** 32 - 1) {
      throw new InputError(
        "bigTiff",
        "the COG is over 4 GiB",
        "set bigTiff: true or leave it unset",
      );
    }
    const header = new Uint8Array(dataStart[this.#levels.length - 1]);
    const view = new DataView(header.buffer);
    writeHeader(view, ifdStarts[0], big);
    header.set(new TextEncoder().encode(ghost), head);
    this.#levels.forEach((level, i) => {
      writeIfd(
        view,
        ifdStarts[i],
        this.#entries(i, (k, b) => dataStart[i] + level.offsets[b][k], big),
        i + 1 < this.#levels.length ? ifdStarts[i + 1] : 0,
        big,
      );
    });
    const order = [...this.#levels].reverse();
    if (!this.#path) {
      const chunks: Uint8Array[] = [header];
      for (const level of order) await level.sink.copyTo(chunks);
      const bytes = new Uint8Array(at);
      let o = 0;
      for (const c of chunks) {
        bytes.set(c, o);
        o += c.length;
      }
      return { bytes, size: at };
    }
    const part = `${this.#path}.part`;
    const file = await Deno.open(part, { write: true, create: true, truncate: true });
    try {
      writeAllSync(file, header);
      for (const level of order) await level.sink.copyTo(file);
      if (this.options.durable) await file.sync();
    } catch (e) {
      file.close();
      await Deno.remove(part).catch(() => {});
      throw e;
    }
    file.close();
    await Deno.rename(part, this.#path);
    return { path: this.#path, size: at };
  }

  /** Stops writing and removes the scratch files; nothing is left under the final name. */
  async abort(): Promise<void> {
    this.#done = true;
    for (const l of this.#levels) await l.sink.close();
    if (this.#path) await Deno.remove(`${this.#path}.part`).catch(() => {});
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole raster at once, as COG bytes. */
export interface CogRaster {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** One array per band, `width * height` long, north row first. */
  bands: Pixels[];
  /** `[west, south, east, north]` in `crs` units. */
  bbox: [number, number, number, number];
  /** EPSG code. @default "EPSG:4326" */
  crs?: string;
  /** The no-data value. */
  nodata?: number;
  /** Overview resampling. @default "nearest" */
  resampling?: OverviewResampling;
  /** GDAL metadata items. */
  metadata?: Record<string, string>;
}

/**
 * Encodes a raster held in memory as COG bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCog } from "./cog_writer.ts";
 * const tif = await encodeCog({ width: 2, height: 2, bands: [new Uint8Array([0, 1, 1, 0])], bbox: [0, 0, 1, 1] });
 * assert.equal(tif[2], 42);
 * ```
 */
export async function encodeCog(raster: CogRaster): Promise<Uint8Array<ArrayBuffer>> {
  const [w, s, e, n] = raster.bbox;
  const writer = CogWriter.inMemory({
    width: raster.width,
    height: raster.height,
    bands: raster.bands.length,
    dataType: dataTypeOf(raster.bands[0]),
    crs: raster.crs ?? "EPSG:4326",
    origin: [w, n],
    pixelSize: [(e - w) / raster.width, (n - s) / raster.height],
    nodata: raster.nodata,
    resampling: raster.resampling,
    metadata: raster.metadata,
  });
  await writer.writeRows(raster.bands);
  return (await writer.finish()).bytes!;
}
