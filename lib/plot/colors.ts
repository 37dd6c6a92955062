/**
 * Colours: the tutorial's status palette and a colour ramp for rasters.
 *
 * @module
 */

/**
 * The upscaling tutorial's palette, by APEx status, with green for its lime and a deep yellow for
 * its yellow: those two do not read on a light map.
 */
export const STATUS_COLORS: Readonly<Record<string, string>> = {
  created: "blue",
  queued: "orange",
  running: "#e6b800",
  finished: "#2ca02c",
  canceled: "gray",
  failed: "red",
  unknown: "black",
};

/** The same palette for the shared job states. */
export const STATE_COLORS: Readonly<Record<string, string>> = {
  queued: "orange",
  running: "#e6b800",
  succeeded: "#2ca02c",
  canceled: "gray",
  failed: "red",
  unknown: "black",
};

const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}

/**
 * Viridis at `t` in [0, 1], as RGB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { viridis } from "./colors.ts";
 * assert.ok(viridis(0).join() === "68,1,84");
 * ```
 */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const a = hex(VIRIDIS[i]), b = hex(VIRIDIS[i + 1]);
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}
