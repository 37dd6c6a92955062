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
 * The same as `core.ts`, `plot.ts` and `sandbox.ts` together; a script that needs only the
 * core imports `core.ts` and loads neither plotting nor the sandbox.
 *
 * @module
 */
export * from "./core.ts";
export * from "./plot.ts";
export * from "./sandbox.ts";
