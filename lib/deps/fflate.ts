/**
 * The npm package `fflate`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export * from "npm:fflate@0.8.2";
