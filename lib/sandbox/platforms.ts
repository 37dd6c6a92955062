/**
 * The platform twins the sandbox mounts by default.
 *
 * @module
 */
import { apexTwin, type ApexTwinOptions } from "./apex/twin.ts";
import { beodTwin } from "./beod/twin.ts";
import { sen2cubeTwin } from "./sen2cube/twin.ts";
import { up42Twin } from "./up42/twin.ts";
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

/** Every platform twin, the APEx one with `apex` options (a per-user job limit, say). */
export function platformsWith(apex: ApexTwinOptions): MountFactory[] {
  return [apexTwin(apex), beodTwin(), sen2cubeTwin(), up42Twin(), stacTwin(), objectStoreTwin()];
}
