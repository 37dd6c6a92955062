/**
 * The error of raster reading, mosaics and STAC: it names the file and says what to do.
 *
 * @module
 */

/**
 * A raster that cannot be read, placed or written; `file` names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RasterError } from "./errors.ts";
 * const e = new RasterError("a.tif: no CRS", "a.tif");
 * assert.equal(e.file, "a.tif");
 * ```
 */
export class RasterError extends Error {
  /** Always `"RasterError"`. */
  override name = "RasterError";
  /** The file (or URL) it is about. */
  readonly file: string;

  /** An error about `file`; the message names it and the fix. */
  constructor(message: string, file: string, options?: ErrorOptions) {
    super(message, options);
    this.file = file;
  }
}
