/**
 * eojobs: drive hosted Earth-observation processing platforms from Deno notebooks and scripts.
 * Sign in, tile an area, submit jobs, watch them, download and plot the results.
 *
 * @example
 * ```ts ignore
 * import { connectApex, embeddedSandbox, platformTiles } from "./mod.ts";
 * const sandbox = await embeddedSandbox();
 * const apex = connectApex({ sandbox: sandbox.url });
 * const tiles = await apex.tiles(aoi, "20x20km");
 * ```
 *
 * @module
 */
export * from "./lib/time/mod.ts";
export * from "./lib/http/mod.ts";
export * from "./lib/auth/mod.ts";
export * from "./lib/geo/mod.ts";
export * from "./lib/jobs/mod.ts";
export * from "./lib/download/mod.ts";
export * from "./lib/plot/mod.ts";
export * from "./lib/display/mod.ts";
export * from "./lib/upscale/mod.ts";
export * from "./lib/platforms/apex/mod.ts";
export * from "./lib/platforms/beod/mod.ts";
export * from "./lib/platforms/sen2cube/mod.ts";
export * from "./lib/platforms/up42/mod.ts";
export * from "./lib/sandbox/mod.ts";
