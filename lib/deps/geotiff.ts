/**
 * The npm package `geotiff`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export * from "npm:geotiff@3.0.5";
