/**
 * The ESA APEx Dispatch API: unit jobs, upscale tasks over a tile grid, `/tiles`.
 *
 * @module
 */
export * from "./client.ts";
export { ApexRequestError } from "./errors.ts";
export * from "./state.ts";
export * from "./types.ts";
export { UnitJob } from "./unit_job.ts";
export * from "./upscale_task.ts";
export * from "./connect.ts";
export * from "./backend.ts";
