/**
 * What eojobs uses of `hyparquet-writer`: its own type files import `hyparquet/src/types.js`,
 * which the version of `hyparquet` it pins does not ship, so every type check warned.
 */

/** One column to write. */
export interface ColumnSource {
  /** Column name. */
  name: string;
  /** Its values, one per row (`null` for none). */
  data: unknown[];
  /** The Parquet type (`STRING`, `INT32`, `DOUBLE`, `BYTE_ARRAY`, ...). */
  type?: string;
}

/** Writes columns as a Parquet file in memory. */
export function parquetWriteBuffer(options: {
  columnData: ColumnSource[];
  kvMetadata?: Array<{ key: string; value: string }>;
}): ArrayBuffer;
