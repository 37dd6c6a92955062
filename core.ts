/**
 * eojobs core: sign in, tile an area, submit jobs, watch them and download the results, on the
 * ESA APEx Dispatch API, BrightEarth On Demand, Sen2Cube.AT and UP42. No plotting and no sandbox:
 * a script that needs only these loads only these (see `plot.ts`, `sandbox.ts`; `mod.ts` has all).
 *
 * @example
 * ```ts ignore
 * import { connectApex, platformTiles } from "./core.ts";
 * const apex = connectApex({ token: Deno.env.get("APEX_ACCESS_TOKEN") });
 * const tiles = platformTiles(aoi);
 * ```
 *
 * @module
 */
export { InputError } from "./lib/input_error.ts";
export * from "./lib/time/mod.ts";
export * from "./lib/http/mod.ts";
export * from "./lib/auth/mod.ts";
export * from "./lib/geo/mod.ts";
export * from "./lib/jobs/mod.ts";
export * from "./lib/download/mod.ts";
export * from "./lib/raster/mod.ts";
export * from "./lib/stac/mod.ts";
export * from "./lib/display/mod.ts";
export * from "./lib/upscale/mod.ts";
export * from "./lib/platforms/apex/mod.ts";
export * from "./lib/platforms/beod/mod.ts";
export * from "./lib/platforms/sen2cube/mod.ts";
export * from "./lib/platforms/up42/mod.ts";
