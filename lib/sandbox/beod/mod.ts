/**
 * The BrightEarth On Demand twin of the sandbox.
 *
 * @module
 */
export { type BeodTwin, beodTwin, type BeodUser } from "./twin.ts";
