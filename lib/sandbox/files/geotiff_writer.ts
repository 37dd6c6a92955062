/**
 * Writes real GeoTIFFs for the sandbox's results: single-band 8-bit, 256x256 tiles, deflate
 * compressed, with reduced-resolution overviews, laid out cloud-optimized (all IFDs first, then
 * the tiles), georeferenced in EPSG:4326.
 *
 * @module
 */

/** A raster to write. */
export interface RasterInput {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** `width * height` values, row-major, north row first: bytes, 16-bit integers or 32-bit floats. */
  data: Uint8Array | Uint16Array | Float32Array;
  /** More bands of the same type and size (stored as separate planes). */
  extraBands?: Array<Uint8Array | Uint16Array | Float32Array>;
  /** `[west, south, east, north]` in the CRS's units. */
  bbox: [number, number, number, number];
  /** Value that means "no data". */
  nodata?: number;
  /** EPSG code: 4326 (default) or 3857. */
  epsg?: 4326 | 3857;
}

type Pixels = Uint8Array | Uint16Array | Float32Array;

function like(data: Pixels, length: number): Pixels {
  return data instanceof Float32Array
    ? new Float32Array(length)
    : data instanceof Uint16Array
    ? new Uint16Array(length)
    : new Uint8Array(length);
}

const TILE = 256;
const SHORT = 3, LONG = 4, DOUBLE = 12, ASCII = 2;

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

function typeSize(type: number): number {
  return type === SHORT ? 2 : type === LONG ? 4 : type === DOUBLE ? 8 : 1;
}

function count(e: Entry): number {
  return typeof e.values === "string" ? e.values.length + 1 : e.values.length;
}

function extraSize(e: Entry): number {
  const bytes = count(e) * typeSize(e.type);
  return bytes > 4 ? bytes + (bytes % 2) : 0;
}

function ifdSize(entries: Entry[]): number {
  return 2 + entries.length * 12 + 4 + entries.reduce((n, e) => n + extraSize(e), 0);
}

function writeIfd(view: DataView, at: number, entries: Entry[], next: number): void {
  view.setUint16(at, entries.length, true);
  let extra = at + 2 + entries.length * 12 + 4;
  entries.forEach((e, i) => {
    const p = at + 2 + i * 12;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    view.setUint32(p + 4, count(e), true);
    const bytes = count(e) * typeSize(e.type);
    const target = bytes > 4 ? extra : p + 8;
    if (bytes > 4) {
      view.setUint32(p + 8, extra, true);
      extra += bytes + (bytes % 2);
    }
    const values = typeof e.values === "string"
      ? [...new TextEncoder().encode(e.values), 0]
      : e.values;
    values.forEach((v, k) => {
      const o = target + k * typeSize(e.type);
      if (e.type === SHORT) view.setUint16(o, v, true);
      else if (e.type === LONG) view.setUint32(o, v, true);
      else if (e.type === DOUBLE) view.setFloat64(o, v, true);
      else view.setUint8(o, v);
    });
  });
  view.setUint32(at + 2 + entries.length * 12, next, true);
}

async function deflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function tilesOf(width: number, height: number, data: Pixels, fill: number) {
  const across = Math.ceil(width / TILE), down = Math.ceil(height / TILE);
  const out: Uint8Array[] = [];
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const tile = like(data, TILE * TILE).fill(fill);
      for (let y = 0; y < TILE && ty * TILE + y < height; y++) {
        const row = (ty * TILE + y) * width + tx * TILE;
        tile.set(data.subarray(row, row + Math.min(TILE, width - tx * TILE)), y * TILE);
      }
      out.push(await deflate(new Uint8Array(tile.buffer as ArrayBuffer)));
    }
  }
  return out;
}

/** Halves a raster by taking the maximum of each 2x2 block, so small features stay visible. */
function halve(width: number, height: number, data: Pixels, nodata?: number) {
  const w = Math.ceil(width / 2), h = Math.ceil(height / 2);
  const out = like(data, w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = nodata ?? 0;
      let seen = false;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const sx = 2 * x + dx, sy = 2 * y + dy;
          if (sx >= width || sy >= height) continue;
          const v = data[sy * width + sx];
          if (v === nodata) continue;
          if (!seen || v > best) best = v;
          seen = true;
        }
      }
      out[y * w + x] = best;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Encodes `raster` as a tiled, deflate-compressed GeoTIFF with overviews.
 *
 * @example
 * ```ts
 * import { writeGeoTiff } from "./geotiff_writer.ts";
 * const tif = await writeGeoTiff({ width: 2, height: 2, data: new Uint8Array([0, 1, 1, 0]), bbox: [0, 0, 1, 1] });
 * console.assert(tif[0] === 0x49 && tif[2] === 42);
 * ```
 */
export async function writeGeoTiff(raster: RasterInput): Promise<Uint8Array> {
  const { bbox, nodata } = raster;
  const float = raster.data instanceof Float32Array;
  const bits = float ? 32 : raster.data instanceof Uint16Array ? 16 : 8;
  const bands = [raster.data, ...(raster.extraBands ?? [])];
  const levels: Array<{ width: number; height: number; bands: Pixels[] }> = [
    { width: raster.width, height: raster.height, bands },
  ];
  while (levels[levels.length - 1].width > TILE || levels[levels.length - 1].height > TILE) {
    const l = levels[levels.length - 1];
    const halves = l.bands.map((b) => halve(l.width, l.height, b, nodata));
    levels.push({
      width: halves[0].width,
      height: halves[0].height,
      bands: halves.map((h) => h.data),
    });
  }
  // Separate planes: every tile of band 0, then of band 1, ...
  const tiles = await Promise.all(
    levels.map(async (l) =>
      (await Promise.all(l.bands.map((b) => tilesOf(l.width, l.height, b, nodata ?? 0)))).flat()
    ),
  );
  const entriesFor = (level: number, offsets: number[]): Entry[] => {
    const l = levels[level];
    const entries: Entry[] = [
      { tag: 254, type: LONG, values: [level === 0 ? 0 : 1] },
      { tag: 256, type: LONG, values: [l.width] },
      { tag: 257, type: LONG, values: [l.height] },
      { tag: 258, type: SHORT, values: bands.map(() => bits) },
      { tag: 259, type: SHORT, values: [8] },
      { tag: 262, type: SHORT, values: [1] },
      { tag: 277, type: SHORT, values: [bands.length] },
      { tag: 284, type: SHORT, values: [bands.length > 1 ? 2 : 1] },
      { tag: 322, type: SHORT, values: [TILE] },
      { tag: 323, type: SHORT, values: [TILE] },
      { tag: 324, type: LONG, values: offsets },
      { tag: 325, type: LONG, values: tiles[level].map((t) => t.length) },
      ...(bands.length > 1 ? [{ tag: 338, type: SHORT, values: bands.slice(1).map(() => 0) }] : []),
      { tag: 339, type: SHORT, values: bands.map(() => (float ? 3 : 1)) },
    ];
    if (level === 0) {
      entries.push(
        {
          tag: 33550,
          type: DOUBLE,
          values: [(bbox[2] - bbox[0]) / l.width, (bbox[3] - bbox[1]) / l.height, 0],
        },
        { tag: 33922, type: DOUBLE, values: [0, 0, 0, bbox[0], bbox[3], 0] },
        // GeoKeys: model type, pixel-is-area, then the EPSG code as a geographic or projected CRS.
        {
          tag: 34735,
          type: SHORT,
          values: raster.epsg === 3857
            ? [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 3857]
            : [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326],
        },
      );
    }
    if (nodata !== undefined) entries.push({ tag: 42113, type: ASCII, values: String(nodata) });
    return entries;
  };
  const placeholder = levels.map((_, i) => entriesFor(i, tiles[i].map(() => 0)));
  const ifdStarts: number[] = [];
  let at = 8;
  for (const entries of placeholder) {
    ifdStarts.push(at);
    at += ifdSize(entries);
  }
  const offsets: number[][] = [];
  for (const levelTiles of tiles) {
    offsets.push(levelTiles.map((t) => {
      const o = at;
      at += t.length;
      return o;
    }));
  }
  const out = new Uint8Array(at);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  levels.forEach((_, i) => {
    writeIfd(
      view,
      ifdStarts[i],
      entriesFor(i, offsets[i]),
      i + 1 < levels.length ? ifdStarts[i + 1] : 0,
    );
    tiles[i].forEach((t, k) => out.set(t, offsets[i][k]));
  });
  return out;
}
