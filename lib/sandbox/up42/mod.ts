/**
 * The UP42 processing twin of the sandbox.
 *
 * @module
 */
export { type Up42Twin, up42Twin, type Up42TwinJob, type Up42TwinOptions } from "./twin.ts";
