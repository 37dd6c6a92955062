import assert from "node:assert/strict";
import { CogWriter, type DataType, pixelsOf } from "../../lib/raster/cog_writer.ts";
import { rasterInfo, readRaster } from "../../lib/raster/read.ts";
import { writeGeoTiff } from "../../lib/sandbox/files/geotiff_writer.ts";
import { tempDir } from "../helpers.ts";
import { gdal, gdalValidate } from "./helpers.ts";

Deno.test("cog: every sample type and BigTIFF read back exactly, with overviews and no-data", async () => {
  await using dir = await tempDir();
  const cases: Array<[DataType, number, boolean]> = [
    ["uint8", 255, false],
    ["int16", -9999, false],
    ["uint16", 0, true],
    ["float32", -9999, false],
    ["float64", -1, true],
  ];
  for (const [type, nodata, big] of cases) {
    const width = 700, height = 530, bands = type === "uint16" ? 3 : 1;
    const path = `${dir.path}/${type}.tif`;
    const cog = await CogWriter.create(path, {
      width,
      height,
      bands,
      dataType: type,
      crs: "EPSG:32633",
      origin: [600_000, 5_300_000],
      pixelSize: [20, 20],
      nodata,
      bigTiff: big,
    });
    const data = Array.from({ length: bands }, (_, b) => {
      const p = pixelsOf(type, width * height);
      for (let i = 0; i < p.length; i++) {
        p[i] = ((i * 7 + b * 13) % 250) + (type.startsWith("float") ? 0.5 : 0);
      }
      return p;
    });
    // Rows in uneven pieces, as a caller's windows come.
    for (let y = 0; y < height; y += 97) {
      const rows = Math.min(97, height - y);
      await cog.writeRows(data.map((d) => d.subarray(y * width, (y + rows) * width)));
    }
    await cog.finish();
    const info = await rasterInfo(path);
    assert.deepEqual([info.dataType, info.bands, info.nodata, info.levels], [
      type,
      bands,
      nodata,
      3,
    ]);
    const back = await info.read();
    for (let b = 0; b < bands; b++) assert.deepEqual(back[b], data[b], `${type} band ${b}`);
    const viaGeotiffJs = await readRaster(path, { bands: [...Array(bands).keys()] });
    assert.deepEqual(
      Array.from(viaGeotiffJs.values).slice(0, 1000),
      Array.from(data[0]).slice(0, 1000),
    );
    const validated = await gdalValidate(path);
    if (validated) assert.ok(validated.ok, `${type}: ${validated.out}`);
  }
});

Deno.test("cog: the sandbox's files are valid COGs whose overviews keep small features", async () => {
  await using dir = await tempDir();
  const mask = new Uint8Array(1200 * 900);
  mask[450 * 1200 + 600] = 1; // one pixel: a nearest-neighbour overview would lose it
  const files = {
    mask: await writeGeoTiff({
      width: 1200,
      height: 900,
      data: mask,
      bbox: [16, 48, 16.12, 48.09],
      nodata: 255,
    }),
    dtm: await writeGeoTiff({
      width: 600,
      height: 600,
      data: new Float32Array(360_000).map((_, i) => 100 + (i % 600) / 10),
      bbox: [1_800_000, 6_100_000, 1_802_400, 6_102_400],
      crs: "EPSG:3857",
      nodata: -9999,
    }),
    rgb: await writeGeoTiff({
      width: 300,
      height: 300,
      data: new Uint16Array(90_000).fill(900),
      extraBands: [new Uint16Array(90_000).fill(1400), new Uint16Array(90_000).fill(800)],
      bbox: [620_000, 5_730_000, 623_000, 5_733_000],
      crs: "EPSG:32630",
    }),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const path = `${dir.path}/${name}.tif`;
    await Deno.writeFile(path, bytes);
    const validated = await gdalValidate(path);
    if (validated) assert.ok(validated.ok, `${name}: ${validated.out}`);
    const md = await gdal("gdalinfo", [path]);
    if (md) assert.match(md, /SOURCE=synthetic data \(eojobs sandbox\)/);
  }
  const smallest = await readRaster(files.mask, { maxSide: 100 });
  assert.ok(smallest.level > 0);
  assert.ok(Array.from(smallest.values).includes(1), "the lone pixel survives in the overview");
});
