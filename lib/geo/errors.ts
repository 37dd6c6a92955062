/**
 * The error for a bad area of interest: it names where the problem is and how to fix it.
 *
 * @module
 */
import { InputError } from "../input_error.ts";

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
export class AoiError extends InputError {
  /** Always `"AoiError"`. */
  override name = "AoiError";

  /**
   * `field` is a path into the input (`coordinates[0][3]`, `features[2].geometry`, `wkt@17`);
   * `problem` what is wrong; `fix` how to mend it.
   */
  constructor(field: string, problem: string, fix: string) {
    super(field, problem, fix);
    this.message = `aoi${field ? "." + field : ""}: ${problem}; ${fix}`;
  }
}
