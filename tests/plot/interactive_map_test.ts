import assert from "node:assert/strict";
import { interactiveMap } from "../../lib/plot/interactive_map.ts";
import { platformTiles } from "../../lib/geo/mod.ts";
import { encodeCog } from "../../lib/raster/cog_writer.ts";
import { readRaster } from "../../lib/raster/read.ts";
import { VIENNA } from "../fixtures.ts";

/** The frame the page draws, read back from its script. */
function frameOf(html: string) {
  const text = html.match(/const FRAME = (\{.*?\}); const LAND/s)![1];
  return JSON.parse(text.replaceAll("<\\/", "</"));
}

Deno.test("interactive map: Leaflet inlined, tiles with their details, overlays in Web Mercator, under 1 MB", async () => {
  const tiles = platformTiles(VIENNA).map((geometry, i) => ({
    geometry,
    status: i === 3 ? "failed" : "finished",
    key: `tile-${i + 1}`,
    jobId: String(100 + i),
    reason: i === 3 ? "workers used too much memory" : undefined,
    seconds: 61,
    cost: 2.5,
  }));
  // One UTM raster per tile, as APEx delivers them.
  const rasters = [];
  for (let i = 0; i < tiles.length; i++) {
    rasters.push(
      await readRaster(
        await encodeCog({
          width: 1300,
          height: 1000,
          bands: [new Uint8Array(1_300_000).map((_, k) => (k * 7 + i) % 97 === 0 ? 1 : 0)],
          bbox: [590_000 + i * 13_000, 5_320_000, 603_000 + i * 13_000, 5_330_000],
          crs: "EPSG:32633",
          nodata: 255,
        }),
        { maxSide: 600 },
      ),
    );
  }
  const map = await interactiveMap({ title: "run", aoi: VIENNA, tiles, rasters });
  assert.ok(map.html.length < 1_000_000, `${map.html.length} bytes`);
  assert.doesNotMatch(map.html, /<script src=|<link /, "nothing fetched from elsewhere");
  assert.match(map.html, /Leaflet|leaflet/);
  const frame = frameOf(map.html);
  assert.equal(frame.tiles.features.length, 12);
  const failed = frame.tiles.features.find((f: { properties: { key: string } }) =>
    f.properties.key === "tile-4"
  );
  assert.deepEqual(
    [
      failed.properties.status,
      failed.properties.jobId,
      failed.properties.reason,
      failed.properties.cost,
    ],
    ["failed", "103", "workers used too much memory", 2.5],
  );
  assert.equal(frame.overlays.length, 12);
  const [[s, w], [n, e]] = frame.overlays[0].bounds;
  assert.ok(w > 14 && e < 20 && s > 47 && n < 49 && e > w && n > s, "overlay bounds in degrees");
  assert.match(map.iframe(), /^<iframe [^>]*sandbox="allow-scripts"[^>]*srcdoc="/);
});

Deno.test("interactive map: 10,000 tiles are grouped by status, failed ones kept apart", async () => {
  const grid = platformTiles({
    type: "Polygon",
    coordinates: [[[5, 45], [15, 45], [15, 52], [5, 52], [5, 45]]],
  });
  const tiles = [];
  for (let i = 0; tiles.length < 10_000; i++) {
    tiles.push({ geometry: grid[i % grid.length], status: i % 500 === 0 ? "failed" : "finished" });
  }
  const started = performance.now();
  const map = await interactiveMap({ tiles });
  const frame = frameOf(map.html);
  assert.equal(frame.tiles.features.length, 1 + 20, "one shape for the finished, one per failed");
  assert.ok(performance.now() - started < 30_000);
});
