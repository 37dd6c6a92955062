/**
 * The common base of every error for bad input: the field at fault and what to do about it, as
 * fields, so a notebook or a script can show both without reading the words.
 *
 * @module
 */

/**
 * Input that cannot be used, caught before anything is sent or written. A `RangeError`, so code
 * that caught those before still does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError } from "./input_error.ts";
 * const e = new InputError("sizeKm", "-3 is not a positive number", "give a cell size such as 20");
 * assert.equal(e.message, "sizeKm: -3 is not a positive number; give a cell size such as 20");
 * assert.ok(e instanceof RangeError && e.field === "sizeKm");
 * ```
 */
export class InputError extends RangeError {
  /** `"InputError"`, or the subclass's own name. */
  override name = "InputError";
  /** Where the problem is: an option (`sizeKm`), a path into the input (`coordinates[0]`). */
  readonly field: string;
  /** What to do about it. */
  readonly fix: string;

  /** `field` names where, `problem` what is wrong, `fix` how to mend it. */
  constructor(field: string, problem: string, fix: string, options?: ErrorOptions) {
    super(`${field}: ${problem}; ${fix}`, options);
    this.field = field;
    this.fix = fix;
  }
}
