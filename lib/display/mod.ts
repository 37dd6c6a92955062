/**
 * Showing progress: displays that update in place in Jupyter and on terminals.
 *
 * @module
 */
export * from "./live.ts";
export { SYNTHETIC, syntheticData } from "./synthetic.ts";
