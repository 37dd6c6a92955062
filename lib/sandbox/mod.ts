/**
 * The sandbox: a local server that speaks the platforms' APIs and an OIDC provider, for
 * offline notebooks and for tests.
 *
 * @module
 */
export * from "./server.ts";
export * from "./faults.ts";
export * from "./oidc.ts";
export { allPlatforms } from "./platforms.ts";
export { embeddedSandbox } from "./embedded.ts";
export * from "./apex/mod.ts";
export * from "./beod/mod.ts";
export * from "./sen2cube/mod.ts";
export * from "./up42/mod.ts";
