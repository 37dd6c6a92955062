/**
 * The error for a bad area of interest: it names where the problem is and how to fix it.
 *
 * @module
 */

/**
 * An AOI that cannot be used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AoiError } from "./errors.ts";
 * const e = new AoiError("coordinates[0]", "the ring is not closed", "repeat the first position at the end");
 * assert.ok(e.message.startsWith("aoi.coordinates[0]:"));
 * ```
 */
export class AoiError extends Error {
  /** Always `"AoiError"`. */
  override name = "AoiError";
  /** Where in the input: `coordinates[0][3]`, `features[2].geometry`, `wkt@17`. */
  readonly field: string;
  /** What to do about it. */
  readonly fix: string;

  /** `field` is a path into the input; `problem` what is wrong; `fix` how to mend it. */
  constructor(field: string, problem: string, fix: string) {
    super(`aoi${field ? "." + field : ""}: ${problem}; ${fix}`);
    this.field = field;
    this.fix = fix;
  }
}
