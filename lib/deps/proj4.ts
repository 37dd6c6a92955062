/**
 * The npm package `proj4`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { default } from "npm:proj4@2.22.0";
