/**
 * The npm package `linkedom`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { parseHTML } from "npm:linkedom@0.18.15";
