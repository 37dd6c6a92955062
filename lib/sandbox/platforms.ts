/**
 * The platform twins the sandbox mounts by default.
 *
 * @module
 */
import { apexTwin, type ApexTwinOptions } from "./apex/twin.ts";
import { beodTwin, type BeodTwinOptions } from "./beod/twin.ts";
import { sen2cubeTwin, type Sen2CubeTwinOptions } from "./sen2cube/twin.ts";
import { up42Twin, type Up42TwinOptions } from "./up42/twin.ts";
import { objectStoreTwin, stacTwin } from "./stac/twin.ts";
import type { MountFactory } from "./server.ts";

/** Every platform twin, and the catalogue and object store results are published to, in mount order. */
export const allPlatforms: MountFactory[] = [
  apexTwin(),
  beodTwin(),
  sen2cubeTwin(),
  up42Twin(),
  stacTwin(),
  objectStoreTwin(),
];

/** Options of each twin, for {@linkcode platformsWith}. */
export interface PlatformOptions {
  /** A per-user concurrent-job limit on every twin (each answers it in its own words). */
  jobLimit?: number;
  /** Credits every account of the twins that charge them (BEOD, UP42) starts with. */
  credits?: number;
  /** The APEx twin's options (its own limit wins over `jobLimit`). */
  apex?: ApexTwinOptions;
  /** The BEOD twin's. */
  beod?: BeodTwinOptions;
  /** The Sen2Cube twin's. */
  sen2cube?: Sen2CubeTwinOptions;
  /** The UP42 twin's. */
  up42?: Up42TwinOptions;
}

/**
 * Every platform twin, with options: a per-user job limit on all of them, say.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { platformsWith } from "./platforms.ts";
 * assert.equal(platformsWith({ jobLimit: 2 }).length, 6);
 * ```
 */
export function platformsWith(options: PlatformOptions): MountFactory[] {
  const limit = { concurrentJobLimit: options.jobLimit };
  return [
    apexTwin({ ...limit, ...options.apex }),
    beodTwin({ ...limit, credits: options.credits, ...options.beod }),
    sen2cubeTwin({ ...limit, ...options.sen2cube }),
    up42Twin({ ...limit, credits: options.credits, ...options.up42 }),
    stacTwin(),
    objectStoreTwin(),
  ];
}
