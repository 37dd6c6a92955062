/**
 * The Sen2Cube.AT twin of the sandbox.
 *
 * @module
 */
export {
  type Sen2CubeTwin,
  sen2cubeTwin,
  type Sen2CubeTwinOptions,
  type TwinInference,
} from "./twin.ts";
