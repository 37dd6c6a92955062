/**
 * The pixel arrays and sample types rasters are held in. Private to `lib/raster`.
 *
 * @module
 */
import { InputError } from "../input_error.ts";

/** Pixel arrays a COG can hold. */
export type Pixels =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** Sample types, by GDAL's names in lower case. */
export type DataType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float32"
  | "float64";

/** The typed array of each sample type. */
export const ARRAYS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/** The sample type of a pixel array. */
export function dataTypeOf(pixels: Pixels): DataType {
  for (const [name, Type] of Object.entries(ARRAYS)) {
    if (pixels instanceof Type) return name as DataType;
  }
  throw new InputError(
    "pixels",
    "not a typed array",
    "use a typed array (Uint8Array, Int16Array, Float32Array, ...)",
  );
}

/** A new pixel array of `type` and `length`. */
export function pixelsOf(type: DataType, length: number): Pixels {
  return new ARRAYS[type](length);
}
