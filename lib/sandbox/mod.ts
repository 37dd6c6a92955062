/**
 * The sandbox: a local server that speaks the platforms' APIs and an OIDC provider, for
 * offline notebooks and for tests.
 *
 * @module
 */
export * from "./server.ts";
// The fault helpers that shape answers are the server's own; users add rules.
export { type FaultDecision, type FaultRule, Faults, type OddBody } from "./faults.ts";
export * from "./oidc.ts";
export { allPlatforms, type PlatformOptions, platformsWith } from "./platforms.ts";
export { embeddedSandbox } from "./embedded.ts";
export * from "./apex/mod.ts";
export * from "./beod/mod.ts";
export * from "./sen2cube/mod.ts";
export * from "./up42/mod.ts";
