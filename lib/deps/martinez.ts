/**
 * The npm package `martinez-polygon-clipping`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export * from "npm:martinez-polygon-clipping@0.8.1";
