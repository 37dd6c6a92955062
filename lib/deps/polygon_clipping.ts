/**
 * The npm package `polygon-clipping`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { default } from "npm:polygon-clipping@0.15.7";
export type * from "npm:polygon-clipping@0.15.7";
