/**
 * LuxCarta BrightEarth On Demand: projects, AOIs, extraction scenarios, activities, result
 * downloads.
 *
 * @module
 */
export * from "./client.ts";
export * from "./session.ts";
export * from "./state.ts";
export * from "./types.ts";
export * from "./backend.ts";
