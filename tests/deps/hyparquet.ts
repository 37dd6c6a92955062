/**
 * The npm package `hyparquet` (a Parquet reader), pinned for the tests that read back the job
 * table's GeoParquet export.
 *
 * @module
 */
export { parquetMetadata, parquetReadObjects } from "npm:hyparquet@1.33.0";
