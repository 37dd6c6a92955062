/**
 * Streaming, resumable downloads.
 *
 * @module
 */
export * from "./download.ts";
export * from "./unzip.ts";
