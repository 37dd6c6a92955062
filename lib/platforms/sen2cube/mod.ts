/**
 * Sen2Cube.AT: semantic EO data cube inferences over JSON:API.
 *
 * @module
 */
export * from "./client.ts";
export * from "./jsonapi.ts";
export * from "./state.ts";
export * from "./types.ts";
export * from "./backend.ts";
