/**
 * The npm package `@observablehq/plot`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export * from "npm:@observablehq/plot@0.6.17";
