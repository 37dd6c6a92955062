/**
 * `deno task bench:mosaic [TILES] [SIDE]`: TILES synthetic GeoTIFF tiles of SIDE x SIDE pixels
 * (default 1,000 of 1,000 x 1,000; UTM 33N, 10 m, uint8 with no-data) into one COG, by
 * `writeMosaic` and by GDAL (`gdalbuildvrt` then `gdal_translate -of COG`, DEFLATE with a
 * predictor, the same tile size and overview resampling) on the same tiles in the same run.
 * Prints both times, the ratio (goal: at least GDAL's speed), our peak RSS (goal under 300 MB,
 * whatever the mosaic's size), GDAL's COG validator on both outputs, and whether their full
 * resolution pixels are the same (GDAL checksums).
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import { CogWriter } from "../lib/raster/cog_writer.ts";

helpRequested(
  "deno task bench:mosaic [TILES] [SIDE]\n\nTILES tiles of SIDE x SIDE px (default 1000 and 1000) into one COG, against gdalbuildvrt + gdal_translate -of COG.",
);

const tiles = Number(Deno.args[0] ?? 1000);
const side = Number(Deno.args[1] ?? 1000);
const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-mosaic-" });
const across = Math.ceil(Math.sqrt(tiles * 1.6));
const VALIDATOR =
  "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py";

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(cmd, { args, stderr: "piped", stdout: "piped" }).output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { ok: r.code === 0, out };
}

console.log(`Making ${tiles} tiles of ${side} x ${side} px in ${dir} ...`);
const t0 = performance.now();
const paths: string[] = [];
for (let i = 0; i < tiles; i++) {
  const col = i % across, row = Math.floor(i / across);
  const path = `${dir}/tile-${String(i).padStart(5, "0")}.tif`;
  const cog = await CogWriter.create(path, {
    width: side,
    height: side,
    dataType: "uint8",
    crs: "EPSG:32633",
    origin: [500_000 + col * side * 10, 5_400_000 - row * side * 10],
    pixelSize: [10, 10],
    nodata: 255,
  });
  // Fields of a few classes with ragged edges, and a no-data corner now and then: compressible
  // as real class maps are, not as a constant is.
  const rows = 250;
  for (let y0 = 0; y0 < side; y0 += rows) {
    const n = Math.min(rows, side - y0);
    const band = new Uint8Array(n * side);
    for (let y = 0; y < n; y++) {
      const gy = row * side + y0 + y;
      for (let x = 0; x < side; x++) {
        const gx = col * side + x;
        const h = Math.imul((gx >> 6) + 7919 * (gy >> 6), 2654435761) >>> 28;
        band[y * side + x] = i % 17 === 0 && x < 100 && y0 + y < 100
          ? 255
          : (h + ((gx ^ gy) & 1)) % 6;
      }
    }
    await cog.writeRows([band]);
  }
  await cog.finish();
  paths.push(path);
}
console.log(`  made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await Deno.writeTextFile(`${dir}/list.txt`, paths.join("\n") + "\n");

// Ours, in a process of its own so that its peak RSS is its own.
const ours = `${dir}/ours.tif`;
const script = `${dir}/ours.ts`;
await Deno.writeTextFile(
  script,
  `import { writeMosaic } from ${
    JSON.stringify(new URL("../lib/raster/mosaic_cog.ts", import.meta.url).href)
  };
const paths = (await Deno.readTextFile(${JSON.stringify(`${dir}/list.txt`)})).trim().split("\\n");
const m = await writeMosaic(paths, ${JSON.stringify(ours)}, { vrt: false });
const hwm = (await Deno.readTextFile("/proc/self/status")).match(/VmHWM:\\s+(\\d+)/)![1];
console.log(JSON.stringify({ width: m.width, height: m.height, size: m.size, peakKiB: Number(hwm) }));
`,
);
const o0 = performance.now();
const mine = await run(Deno.execPath(), ["run", "-A", script]);
const oursS = (performance.now() - o0) / 1000;
if (!mine.ok) throw new Error(mine.out);
const facts = JSON.parse(mine.out.trim().split("\n").at(-1)!);

const g0 = performance.now();
const vrt = await run("gdalbuildvrt", [
  "-q",
  "-input_file_list",
  `${dir}/list.txt`,
  `${dir}/gdal.vrt`,
]);
if (!vrt.ok) {
  console.log(`GDAL is not installed (${vrt.out.trim()}); ours alone: ${oursS.toFixed(1)} s`);
  Deno.exit(0);
}
const gdalCog = await run("gdal_translate", [
  "-q",
  "-of",
  "COG",
  "-co",
  "COMPRESS=DEFLATE",
  "-co",
  "PREDICTOR=YES",
  "-co",
  "BLOCKSIZE=256",
  "-co",
  "OVERVIEW_RESAMPLING=NEAREST",
  `${dir}/gdal.vrt`,
  `${dir}/gdal.tif`,
]);
const gdalS = (performance.now() - g0) / 1000;
if (!gdalCog.ok) throw new Error(gdalCog.out);

const valid = async (path: string) =>
  (await run("/usr/bin/python3", [VALIDATOR, path])).out.includes("is a valid cloud optimized");
const checksum = async (path: string) =>
  (await run("gdalinfo", ["-checksum", path])).out.match(/Checksum=(\d+)/)?.[1];
const gdalSize = (await Deno.stat(`${dir}/gdal.tif`)).size;
const [sumOurs, sumGdal] = [await checksum(ours), await checksum(`${dir}/gdal.tif`)];
console.log(`Mosaic ${facts.width} x ${facts.height} px from ${tiles} tiles of ${side} x ${side}`);
console.log(
  `  eojobs writeMosaic: ${oursS.toFixed(1)} s, ${
    (facts.size / 2 ** 20).toFixed(1)
  } MiB, peak RSS ${(facts.peakKiB / 1024).toFixed(0)} MiB (goal < 300), valid COG: ${await valid(
    ours,
  )}`,
);
console.log(
  `  GDAL buildvrt + translate -of COG: ${gdalS.toFixed(1)} s, ${
    (gdalSize / 2 ** 20).toFixed(1)
  } MiB, valid COG: ${await valid(`${dir}/gdal.tif`)}`,
);
console.log(`  speed ratio (GDAL time / ours): ${(gdalS / oursS).toFixed(2)}x (goal >= 1)`);
console.log(`  same pixels: ${sumOurs === sumGdal} (checksums ${sumOurs} and ${sumGdal})`);
await Deno.remove(dir, { recursive: true });
