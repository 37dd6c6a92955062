// @ts-self-types="./resvg_wasm.d.ts"
// The compiled module of `@resvg/resvg-wasm`, imported in the source phase (a
// `WebAssembly.Module`), so that it loads from Deno's cache offline like any other import. A
// JavaScript file, since TypeScript does not parse source-phase imports yet.
// deno-lint-ignore no-import-prefix -- pinned here, the deps folder being the one place that names packages
import source wasm from "npm:@resvg/resvg-wasm@2.6.2/index_bg.wasm";

export default wasm;
