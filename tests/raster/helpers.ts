/**
 * Raster test helpers: a sandbox whose APEx jobs never fail, a finished unit job's GeoTIFF, the
 * GDAL COG validator and command-line tools (where GDAL is installed).
 *
 * @module
 */
import { connectApex } from "../../lib/platforms/apex/mod.ts";
import { apexTwin } from "../../lib/sandbox/apex/twin.ts";
import { beodTwin } from "../../lib/sandbox/beod/twin.ts";
import { objectStoreTwin, stacTwin } from "../../lib/sandbox/stac/twin.ts";
import type { Sandbox } from "../../lib/sandbox/server.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { downloadFile } from "../../lib/download/download.ts";
import { sandbox } from "../helpers.ts";
import { PV_UDP } from "../fixtures.ts";

/** A sandbox with the APEx twin (no job fails), BEOD, the catalogue and the object store. */
export async function rasterSandbox(): Promise<{ sb: Sandbox; clock: ManualClock }> {
  const clock = new ManualClock();
  const sb = await sandbox({
    clock,
    mounts: [apexTwin({ lifeCycle: { failShare: 0 } }), beodTwin(), stacTwin(), objectStoreTwin()],
  });
  return { sb, clock };
}

/** Runs a PV-farm unit job over `bbox` to the end; its GeoTIFF's URL (and the file, with `to`). */
export async function pvResult(
  sb: Sandbox,
  clock: ManualClock,
  bbox: [number, number, number, number],
  to?: string,
): Promise<string> {
  const apex = connectApex({ sandbox: sb.url, clock });
  const [west, south, east, north] = bbox;
  const job = await apex.submitUnitJob({
    title: "PV farms",
    label: "openeo",
    service: { endpoint: "https://openeofed.dataspace.copernicus.eu", application: PV_UDP },
    format: "gtiff",
    parameters: {
      spatial_extent: { west, south, east, north },
      temporal_extent: ["2023-05-01", "2023-09-30"],
    },
  });
  for await (
    const _ of job.watch({ intervalMs: 1, sleep: () => Promise.resolve(clock.advance(20_000)) })
  ) { /* to the end */ }
  const asset = (await job.results()).assets!["openEO.tif"];
  if (to) await downloadFile(asset.href, to, { size: asset["file:size"] as number });
  return asset.href;
}

const VALIDATOR =
  "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py";

/**
 * GDAL's COG validator on `path`: its output, or undefined where GDAL's Python is not installed
 * (CI installs it, and there it must be).
 */
export async function gdalValidate(
  path: string,
): Promise<{ ok: boolean; out: string } | undefined> {
  const python = "/usr/bin/python3";
  const present = await Deno.stat(VALIDATOR).then(() => true, () => false) &&
    await Deno.stat(python).then(() => true, () => false);
  if (!present) {
    if (Deno.env.get("CI") === "true") throw new Error("CI must have gdal-bin and python3-gdal");
    return undefined;
  }
  const r = await new Deno.Command(python, { args: [VALIDATOR, "--full-check=yes", path] })
    .output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { ok: r.code === 0 && /is a valid cloud optimized GeoTIFF/.test(out), out };
}

/** Runs a GDAL command line tool; undefined where GDAL is not installed (outside CI). */
export async function gdal(tool: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await new Deno.Command(tool, { args }).output();
    if (r.code !== 0) {
      throw new Error(`${tool} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
    }
    return new TextDecoder().decode(r.stdout);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && Deno.env.get("CI") !== "true") return undefined;
    throw e;
  }
}
