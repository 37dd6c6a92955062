/**
 * The npm package `d3-geo`, pinned here and only here by its full `npm:`
 * specifier, so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { geoEquirectangular, geoMercator, geoPath } from "npm:d3-geo@3.1.2";
