/**
 * The npm package `@resvg/resvg-wasm` (an SVG renderer in WebAssembly) and its module, pinned
 * here and only here by their full `npm:` specifiers.
 *
 * @module
 */
export { initWasm, Resvg } from "npm:@resvg/resvg-wasm@2.6.2";
export { default as resvgWasm } from "./resvg_wasm.js";
