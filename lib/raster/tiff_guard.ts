/**
 * Guards put between a GeoTIFF from a platform and the decoder: geotiff.js follows a chain of
 * image directories without asking whether it comes round, sizes its arrays by what the file
 * declares, and inflates a tile to whatever its stream holds. A hostile or broken file would
 * then hang the notebook or take its memory; here each is one {@linkcode RasterError} naming the
 * file, before anything large is allocated.
 *
 * @module
 */
import { inflateSync } from "node:zlib";
import { RasterError } from "./errors.ts";

/** More images than any real file holds (a COG has one per overview, and their masks). */
export const MAX_IMAGES = 1024;

/**
 * Samples decoded in one read unless a caller allows more: 2^28, a 16384 x 16384 band (1 GiB of
 * float32), well above a Sentinel-2 tile's 10980 x 10980.
 */
export const DEFAULT_MAX_PIXELS = 2 ** 28;

/** What the walk needs of an opened geotiff.js file. */
export interface TiffChain {
  /** Reads byte ranges of the file. */
  source: {
    fetch(
      slices: Array<{ offset: number; length: number }>,
      signal?: AbortSignal,
    ): Promise<ArrayBuffer[]>;
  };
  /** Byte order. */
  littleEndian: boolean;
  /** BigTIFF's 64-bit offsets. */
  bigTiff: boolean;
  /** Where the first image directory is. */
  firstIFDOffset: number;
}

/**
 * Walks the file's chain of image directories and returns how many there are.
 *
 * @throws {RasterError} when the chain comes back to a directory already read, points outside
 *   the file (of `size` bytes, where known), or is longer than {@linkcode MAX_IMAGES}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromArrayBuffer } from "../deps/geotiff.ts";
 * import { encodeCog } from "./cog_writer.ts";
 * import { checkImageChain } from "./tiff_guard.ts";
 * const bytes = await encodeCog({ width: 2, height: 1, bands: [new Uint8Array([3, 4])], bbox: [0, 0, 2, 1], crs: "EPSG:3857" });
 * const tiff = await fromArrayBuffer(bytes.slice().buffer);
 * assert.equal(await checkImageChain(tiff as never, "a.tif", bytes.length), 1);
 * ```
 */
export async function checkImageChain(
  tiff: TiffChain,
  name: string,
  size?: number,
  signal?: AbortSignal,
): Promise<number> {
  const { littleEndian, bigTiff } = tiff;
  const countBytes = bigTiff ? 8 : 2, entryBytes = bigTiff ? 20 : 12, offsetBytes = bigTiff ? 8 : 4;
  const read = async (offset: number, length: number): Promise<DataView> => {
    if (size !== undefined && offset + length > size) {
      throw new RasterError(
        `${name}: an image directory points past the end of the file (byte ${offset} of ${size}); the file is cut short or corrupt, download it again`,
        name,
      );
    }
    const [buffer] = await tiff.source.fetch([{ offset, length }], signal);
    if (buffer.byteLength < length) {
      throw new RasterError(
        `${name}: an image directory points past the end of the file (byte ${offset}); the file is cut short or corrupt, download it again`,
        name,
      );
    }
    return new DataView(buffer, 0, length);
  };
  const integer = (view: DataView): number =>
    view.byteLength === 8
      ? Number(view.getBigUint64(0, littleEndian))
      : view.byteLength === 4
      ? view.getUint32(0, littleEndian)
      : view.getUint16(0, littleEndian);
  const seen = new Set<number>();
  let offset = tiff.firstIFDOffset;
  while (offset !== 0) {
    if (seen.has(offset)) {
      throw new RasterError(
        `${name}: its image directories go round in a loop (directory ${
          seen.size + 1
        } points back to byte ${offset}); the file is corrupt or hostile, do not use it`,
        name,
      );
    }
    if (seen.size >= MAX_IMAGES) {
      throw new RasterError(
        `${name}: more than ${MAX_IMAGES} images in one file; the file is corrupt or hostile, do not use it`,
        name,
      );
    }
    seen.add(offset);
    const entries = integer(await read(offset, countBytes));
    offset = integer(await read(offset + countBytes + entries * entryBytes, offsetBytes));
  }
  return seen.size;
}

/**
 * Refuses a read of more samples than `max` before its arrays are allocated.
 *
 * @throws {RasterError} naming the file, the size and the two ways out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPixelBudget } from "./tiff_guard.ts";
 * assert.throws(() => checkPixelBudget("a.tif", 100_000, 100_000, 1, 2 ** 28), /pixel budget/);
 * ```
 */
export function checkPixelBudget(
  name: string,
  width: number,
  height: number,
  bands: number,
  max: number,
): void {
  const samples = width * height * bands;
  if (!(samples <= max)) {
    throw new RasterError(
      `${name}: reading ${width} x ${height} pixels x ${bands} band${bands === 1 ? "" : "s"} (${
        samples.toLocaleString("en")
      } samples) is more than the pixel budget of ${
        max.toLocaleString("en")
      }; read an overview (maxSide), a window or fewer bands, or raise maxPixels`,
      name,
    );
  }
}

/**
 * Inflates one tile or strip to at most `expected` bytes, what its declared size holds: a stream
 * that would give more (a deflate bomb) is refused while inflating, not after.
 *
 * @throws {Error} saying the tile inflates past its size (callers add the file's name).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deflateSync } from "node:zlib";
 * import { inflateBounded } from "./tiff_guard.ts";
 * assert.equal(inflateBounded(deflateSync(new Uint8Array(16)), 16).length, 16);
 * assert.throws(() => inflateBounded(deflateSync(new Uint8Array(1 << 20)), 16), /more than its 16 bytes/);
 * ```
 */
export function inflateBounded(raw: Uint8Array, expected: number): Uint8Array {
  try {
    return inflateSync(raw, { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new Error(
        `a compressed tile inflates to more than its ${expected} bytes (a deflate bomb, or a corrupt file)`,
      );
    }
    throw e;
  }
}
