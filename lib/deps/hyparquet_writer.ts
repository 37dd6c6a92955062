/**
 * The npm package `hyparquet-writer`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { parquetWriteBuffer } from "npm:hyparquet-writer@0.17.0";
