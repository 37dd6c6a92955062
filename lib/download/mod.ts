/**
 * Streaming, resumable downloads.
 *
 * @module
 */
export * from "./download.ts";
export * from "./safe_path.ts";
export * from "./unzip.ts";
