/**
 * The Sen2Cube.AT twin of the sandbox.
 *
 * @module
 */
export { type Sen2CubeTwin, sen2cubeTwin, type TwinInference } from "./twin.ts";
