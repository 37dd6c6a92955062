/**
 * The npm package `oauth4webapi`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export * from "npm:oauth4webapi@3.8.8";
