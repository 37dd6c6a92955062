/**
 * The BrightEarth On Demand twin of the sandbox.
 *
 * @module
 */
export { type BeodTwin, beodTwin, type BeodTwinOptions, type BeodUser } from "./twin.ts";
