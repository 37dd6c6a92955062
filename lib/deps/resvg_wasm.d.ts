/** The compiled module of `@resvg/resvg-wasm`. */
declare const wasm: WebAssembly.Module;
export default wasm;
