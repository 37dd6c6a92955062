/**
 * The npm package `topojson-client`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { feature, merge } from "npm:topojson-client@3.1.0";
