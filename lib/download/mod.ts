/**
 * Streaming, resumable downloads.
 *
 * @module
 */
export * from "./download.ts";
export { pathInside, safeRelativePath, UnsafePathError } from "./safe_path.ts";
export * from "./unzip.ts";
