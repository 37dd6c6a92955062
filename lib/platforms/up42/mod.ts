/**
 * UP42 processing: processes, EULAs, validation, cost, jobs and their STAC results.
 *
 * @module
 */
export * from "./client.ts";
export * from "./state.ts";
export * from "./types.ts";
export * from "./backend.ts";
