/**
 * The npm package `hyparquet-writer`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder. Its types are
 * declared beside it (`hyparquet_writer.d.ts`): the package's own do not resolve.
 *
 * @module
 */
// @ts-types="./hyparquet_writer.d.ts"
export { parquetWriteBuffer } from "npm:hyparquet-writer@0.17.0";
