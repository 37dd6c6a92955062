/**
 * Natural Earth outlines from the npm package `world-atlas` (land-50m.json), by its full `npm:`
 * specifier so that eojobs can be imported by path or URL from any folder.
 *
 * @module
 */
export { default } from "npm:world-atlas@2.0.2/land-50m.json" with { type: "json" };
