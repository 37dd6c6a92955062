/**
 * The npm package `leaflet` (the interactive map), pinned here and only here by its full `npm:`
 * specifier. Its script and stylesheet are read as text and inlined into each map, so that a map
 * works offline and in any notebook viewer: the import of its `package.json` puts the package in
 * the module graph (and Deno's cache), and its files are then found beside it.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- pinned here, the deps folder being the one place that names packages
import "npm:leaflet@1.9.4/package.json" with { type: "json" };

/** Leaflet's minified script. */
export const LEAFLET_JS: URL = new URL(import.meta.resolve("npm:leaflet@1.9.4/dist/leaflet.js"));
/** Leaflet's stylesheet. */
export const LEAFLET_CSS: URL = new URL(import.meta.resolve("npm:leaflet@1.9.4/dist/leaflet.css"));
