/**
 * Time helpers: clocks, an abortable sleep and jittered backoff.
 *
 * @module
 */
export * from "./clock.ts";
export * from "./sleep.ts";
export * from "./backoff.ts";
