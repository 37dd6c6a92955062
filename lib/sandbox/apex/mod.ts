/**
 * The APEx Dispatch API twin of the sandbox.
 *
 * @module
 */
export { type ApexTwin, apexTwin, type ApexTwinOptions } from "./twin.ts";
