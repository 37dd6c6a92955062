/**
 * Streaming, resumable downloads.
 *
 * @module
 */
export * from "./download.ts";
