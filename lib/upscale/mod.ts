/**
 * Client-side upscaling: a job manager with a crash-safe job table, for any platform that can
 * submit a single job.
 *
 * @module
 */
export * from "./backend.ts";
export * from "./failures.ts";
export * from "./manager.ts";
export * from "./progress.ts";
export * from "./table.ts";
