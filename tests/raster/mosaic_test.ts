import assert from "node:assert/strict";
import { writeMosaic } from "../../lib/raster/mosaic_cog.ts";
import { rasterInfo, readRaster, valueAt } from "../../lib/raster/read.ts";
import { farmsIn, pvAt } from "../../lib/sandbox/files/pv_farms.ts";
import { tempDir } from "../helpers.ts";
import { gdal, gdalValidate, pvResult, rasterSandbox } from "./helpers.ts";

type BBox = [number, number, number, number];

/** Farm centres wholly inside `bbox`, with a point beside each that has no farm. */
function probes(bbox: BBox): Array<[number, number, 0 | 1]> {
  const out: Array<[number, number, 0 | 1]> = [];
  for (const [w, s, e, n] of farmsIn(bbox)) {
    if (w < bbox[0] || e > bbox[2] || s < bbox[1] || n > bbox[3] || e - w < 0.002) continue;
    out.push([(w + e) / 2, (s + n) / 2, 1]);
    if (pvAt(e + 0.0005, n + 0.0005) === 0) out.push([e + 0.0005, n + 0.0005, 0]);
  }
  return out;
}

Deno.test("mosaic: tiles from two UTM zones become one valid COG in the zone most tiles share", async () => {
  const { sb, clock } = await rasterSandbox();
  await using _ = sb;
  await using dir = await tempDir();
  const areas: BBox[] = [
    [17.80, 48.00, 17.89, 48.06],
    [17.90, 48.00, 17.99, 48.06],
    [18.01, 48.00, 18.10, 48.06],
  ];
  const paths: string[] = [];
  for (const [i, a] of areas.entries()) {
    await pvResult(sb, clock, a, `${dir.path}/t${i}/openEO.tif`);
    paths.push(`${dir.path}/t${i}/openEO.tif`);
  }
  assert.deepEqual(
    await Promise.all(paths.map(async (p) => (await rasterInfo(p)).crs)),
    ["EPSG:32633", "EPSG:32633", "EPSG:32634"],
  );
  const m = await writeMosaic(paths, `${dir.path}/mosaic.tif`);
  assert.equal(m.crs, "EPSG:32633");
  assert.match(
    m.notes.join("\n"),
    /EPSG:32633 \(2\), EPSG:32634 \(1\); the mosaic is in EPSG:32633/,
  );
  assert.equal(m.vrt, undefined, "no VRT over tiles of two CRSs");
  const read = await readRaster(m.path);
  assert.equal(read.crs, "EPSG:32633");
  let checked = 0, wrong = 0;
  for (const a of areas) {
    for (const [lon, lat, v] of probes(a)) {
      checked++;
      if (valueAt(read, lon, lat) !== v) wrong++;
    }
  }
  assert.ok(checked > 6, `${checked} probes`);
  assert.equal(wrong, 0, `${wrong} of ${checked} probes are wrong, also across the zone edge`);
  const other = await writeMosaic(paths, `${dir.path}/mosaic34.tif`, { crs: "EPSG:32634" });
  assert.equal(other.crs, "EPSG:32634");
  assert.deepEqual(
    other.notes.filter((n) => /most common/.test(n)),
    [],
    "a named CRS is no choice",
  );
  const validated = await gdalValidate(m.path);
  if (validated) assert.ok(validated.ok, validated.out);
});

Deno.test("mosaic: tiles on one grid are copied pixel for pixel, with a VRT that GDAL reads the same", async () => {
  const { sb, clock } = await rasterSandbox();
  await using _ = sb;
  await using dir = await tempDir();
  const areas: BBox[] = [[16.30, 48.00, 16.36, 48.04], [16.355, 48.00, 16.42, 48.04]];
  const paths: string[] = [];
  for (const [i, a] of areas.entries()) {
    await pvResult(sb, clock, a, `${dir.path}/tiles/t${i}.tif`);
    paths.push(`${dir.path}/tiles/t${i}.tif`);
  }
  const m = await writeMosaic(paths, `${dir.path}/mosaic.tif`);
  assert.ok(m.vrt, m.notes.join());
  assert.equal(m.resolution, 10);
  const mosaic = await readRaster(m.path);
  // The later tile wins where they overlap: it holds exactly; the first holds where it is alone.
  const last = await readRaster(paths[1]);
  const first = await readRaster(paths[0]);
  const col = (r: typeof last) => Math.round((r.bbox[0] - m.bbox[0]) / m.resolution);
  const row = (r: typeof last) => Math.round((m.bbox[3] - r.bbox[3]) / m.resolution);
  let compared = 0;
  for (let y = 0; y < last.height; y++) {
    for (let x = 0; x < last.width; x++) {
      const got = mosaic.values[(row(last) + y) * m.width + col(last) + x];
      assert.equal(got, last.values[y * last.width + x]);
      compared++;
    }
  }
  for (let y = 0; y < first.height; y++) {
    for (let x = 0; x < col(last) - col(first); x++) {
      assert.equal(
        mosaic.values[(row(first) + y) * m.width + col(first) + x],
        first.values[y * first.width + x],
      );
      compared++;
    }
  }
  assert.ok(compared > 200_000, `${compared} pixels compared`);
  const ours = await gdal("gdalinfo", ["-checksum", m.path]);
  if (ours !== undefined) {
    const theirs = await gdal("gdalbuildvrt", ["-q", `${dir.path}/gdal.vrt`, ...paths]);
    assert.notEqual(theirs, undefined);
    const sum = (text: string) => text.match(/Checksum=(\d+)/)![1];
    assert.equal(sum(ours), sum((await gdal("gdalinfo", ["-checksum", `${dir.path}/gdal.vrt`]))!));
    assert.equal(sum(ours), sum((await gdal("gdalinfo", ["-checksum", m.vrt!]))!));
    const validated = await gdalValidate(m.path);
    assert.ok(validated?.ok, validated?.out);
  }
  // The layout GDAL's validator demands, checked here too: its structural metadata first.
  const head = new TextDecoder().decode((await Deno.readFile(m.path)).subarray(8, 200));
  assert.match(head, /^GDAL_STRUCTURAL_METADATA_SIZE=\d{6} bytes\nLAYOUT=IFDS_BEFORE_DATA\n/);
});

Deno.test("mosaic: missing and corrupt tiles are skipped and named; a failed mosaic leaves nothing", async () => {
  const { sb, clock } = await rasterSandbox();
  await using _ = sb;
  await using dir = await tempDir();
  const good = `${dir.path}/good.tif`;
  await pvResult(sb, clock, [16.30, 48.00, 16.36, 48.04], good);
  const corrupt = `${dir.path}/corrupt.tif`;
  const bytes = await Deno.readFile(good);
  await Deno.writeFile(corrupt, bytes.subarray(0, 600));
  const html = `${dir.path}/gateway.tif`;
  await Deno.writeTextFile(html, "<html><body>502 Bad Gateway</body></html>");
  const m = await writeMosaic(
    [good, `${dir.path}/missing.tif`, corrupt, html],
    `${dir.path}/mosaic.tif`,
  );
  assert.deepEqual(m.tiles, [good]);
  const reasons = new Map(m.skipped.map((s) => [s.path, s.reason]));
  assert.match(reasons.get(`${dir.path}/missing.tif`)!, /missing\.tif: no such file/);
  assert.match(reasons.get(corrupt)!, /corrupt\.tif: /);
  assert.match(reasons.get(html)!, /gateway\.tif: not a readable GeoTIFF/);
  await assert.rejects(
    writeMosaic([`${dir.path}/missing.tif`], `${dir.path}/none.tif`),
    /none\.tif: no tile could be read \(1 given; first: .*missing\.tif: no such file/,
  );
  await assert.rejects(
    writeMosaic([good], `${dir.path}/half.tif`, {
      onProgress: () => {
        throw new Error("disk full");
      },
    }),
    /disk full/,
  );
  const left = [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) =>
    n.startsWith("half") || n.startsWith("none") || n.endsWith(".part")
  );
  assert.deepEqual(left, [], "no half mosaic, no scratch file");
});
