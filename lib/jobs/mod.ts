/**
 * Job states and status streams shared by every platform client.
 *
 * @module
 */
export { isTerminal, JOB_STATES, type JobState, type StatusSnapshot } from "./state.ts";
export * from "./watch.ts";
export * from "./watch_all.ts";
export * from "./contract.ts";
export { classifyError, type ErrorClass, isLimitAnswer } from "./failures.ts";
