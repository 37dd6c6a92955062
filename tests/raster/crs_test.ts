import assert from "node:assert/strict";
import { parseHTML } from "../../lib/deps/linkedom.ts";
import { unzipSync } from "../../lib/deps/fflate.ts";
import { OidcSession } from "../../lib/auth/session.ts";
import { clientCredentials } from "../../lib/auth/grants.ts";
import { projection } from "../../lib/geo/projection.ts";
import { connectBeod } from "../../lib/platforms/beod/mod.ts";
import { mapFigure } from "../../lib/plot/map.ts";
import { encodeCog } from "../../lib/raster/cog_writer.ts";
import { RasterError } from "../../lib/raster/errors.ts";
import { type RasterData, readRaster, valueAt } from "../../lib/raster/read.ts";
import { lonLatBBox, toLonLat } from "../../lib/raster/warp.ts";
import { dtmAt } from "../../lib/sandbox/beod/content.ts";
import { farmsIn, pvAt } from "../../lib/sandbox/files/pv_farms.ts";
import { PUBLISHER_CLIENT } from "../../lib/sandbox/stac/twin.ts";
import { decodePng, tempDir } from "../helpers.ts";
import { pvResult, rasterSandbox } from "./helpers.ts";

type BBox = [number, number, number, number];

/** Draws `raster` on a map; checks the SVG has no NaN; the embedded image, placed. */
async function drawn(raster: RasterData) {
  const figure = await mapFigure({ rasters: [raster] });
  assert.doesNotMatch(figure.svg, /NaN/, "no NaN coordinate in the figure");
  const { document } = parseHTML(`<html><body>${figure.svg}</body></html>`);
  const image = document.querySelector('image[aria-label="raster"]')!;
  assert.ok(image, "the raster is drawn");
  for (const k of ["x", "y", "width", "height"]) {
    assert.ok(Number.isFinite(Number(image.getAttribute(k))), `${k} is a number`);
  }
  const png = await decodePng(image.getAttribute("href")!);
  const ll = toLonLat(raster);
  /** The drawn pixel at a longitude/latitude. */
  const at = (lon: number, lat: number) => {
    const [w, s, e, n] = ll.bbox;
    return png.rgba(
      Math.floor((lon - w) / (e - w) * png.width),
      Math.floor((n - lat) / (n - s) * png.height),
    );
  };
  return { at, ll };
}

/** The centre of the first PV farm wholly inside `bbox`. */
function farmCentre(bbox: BBox): [number, number] {
  const f = farmsIn(bbox).find(([w, s, e, n]) =>
    w > bbox[0] && e < bbox[2] && s > bbox[1] && n < bbox[3] && e - w > 0.003 && n - s > 0.002
  )!;
  assert.ok(f, "the area has a farm");
  return [(f[0] + f[2]) / 2, (f[1] + f[3]) / 2];
}

Deno.test("rasters in UTM north and south are read in their CRS and drawn in the right place", async () => {
  const { sb, clock } = await rasterSandbox();
  await using _ = sb;
  for (
    const [bbox, crs] of [
      [[16.342, 47.962, 16.414, 48.008], "EPSG:32633"],
      [[27.95, -26.25, 28.05, -26.17], "EPSG:32735"],
    ] as Array<[BBox, string]>
  ) {
    const href = await pvResult(sb, clock, bbox);
    const raster = await readRaster(href, { maxSide: 512 });
    assert.equal(raster.crs, crs, "the twin delivers the tile's UTM zone, as openEO does");
    const [w, s, e, n] = lonLatBBox(raster);
    assert.ok(w <= bbox[0] && s <= bbox[1] && e >= bbox[2] && n >= bbox[3], "covers the extent");
    const [lon, lat] = farmCentre(bbox);
    assert.equal(pvAt(lon, lat), 1);
    assert.equal(valueAt(raster, lon, lat), 1, "the farm's pixel, found from lon/lat");
    const { at, ll } = await drawn(raster);
    assert.deepEqual(at(lon, lat), [228, 0, 124, 255], "the farm is drawn where it is");
    assert.ok(ll.values.length > 0 && Array.from(ll.values).some((v) => v === 0));
  }
});

Deno.test("a BEOD raster in EPSG:3857 and a file in EPSG:3035 from an object store are placed", async () => {
  const { sb, clock } = await rasterSandbox();
  await using _ = sb;
  const beod = connectBeod({ sandbox: sb.url, clock });
  const project = await beod.createProject("web mercator");
  const area: BBox = [6.946, 43.605, 6.958, 43.612];
  const [w0, s0, e0, n0] = area;
  await beod.createAoi(
    project,
    `POLYGON ((${w0} ${s0}, ${e0} ${s0}, ${e0} ${n0}, ${w0} ${n0}, ${w0} ${s0}))`,
  );
  const scenario = await beod.createScenario(project, "extraction-mono", {
    name: "dtm in 3857",
    source_image_type: "basemap",
    source_image_id: 1,
    augmented: false,
    output_crs: 3857,
    vector_formats: "geojson",
    raster_formats: "geotiff",
    three_d_formats: "",
    dl_models: [],
  });
  for await (
    const _s of scenario.watch({
      intervalMs: 1,
      sleep: () => Promise.resolve(clock.advance(30_000)),
    })
  ) { /* to the end */ }
  await using dir = await tempDir();
  const [zip] = await scenario.download(dir.path);
  const entries = unzipSync(await Deno.readFile(zip.path));
  const name = Object.keys(entries).find((k) => k.endsWith("dtm.tif"))!;
  const dtm = await readRaster(entries[name], { name });
  assert.equal(dtm.crs, "EPSG:3857");
  assert.ok(dtm.bbox[0] > 700_000, "metres of Web Mercator, as the scenario asked");
  const [lon, lat] = [6.952, 43.6085];
  assert.ok(Math.abs(valueAt(dtm, lon, lat)! - dtmAt(lon, lat)) < 0.5, "the terrain height there");
  const { at } = await drawn(dtm);
  assert.equal(at(lon, lat)[3], 220, "drawn (opaque) where the terrain is");

  // EPSG:3035: a file a user keeps in object storage, read with range requests.
  const laea = projection("EPSG:3035");
  const [x0, y0] = laea.forward([16.3, 48.2]).map((v) => Math.round(v / 100) * 100);
  const width = 200, height = 150;
  const values = new Uint8Array(width * height).map((_, i) => (i % width) < 100 ? 1 : 0);
  const bytes = await encodeCog({
    width,
    height,
    bands: [values],
    bbox: [x0, y0 - height * 100, x0 + width * 100, y0],
    crs: "EPSG:3035",
  });
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: PUBLISHER_CLIENT.id,
    clientSecret: PUBLISHER_CLIENT.secret,
    signIn: clientCredentials(),
    cache: false,
  });
  const put = await fetch(`${sb.url}/store/user/laea.tif`, {
    method: "PUT",
    body: bytes,
    headers: { authorization: `Bearer ${await session.getToken()}` },
  });
  assert.equal(put.status, 200);
  await put.body?.cancel();
  const laeaRaster = await readRaster(`${sb.url}/store/user/laea.tif`);
  assert.equal(laeaRaster.crs, "EPSG:3035");
  const west = laea.inverse([x0 + 50 * 100, y0 - 75 * 100]);
  const east = laea.inverse([x0 + 150 * 100, y0 - 75 * 100]);
  assert.equal(valueAt(laeaRaster, ...west), 1);
  assert.equal(valueAt(laeaRaster, ...east), 0);
  const drawnLaea = await drawn(laeaRaster);
  assert.deepEqual(drawnLaea.at(...west), [228, 0, 124, 255]);
  assert.equal(drawnLaea.at(...east)[3], 0, "0 in a mask is left clear");
});

Deno.test("a raster with no CRS, a user-defined one or an unknown EPSG code is one clear error", async () => {
  await using dir = await tempDir();
  const tif = await encodeCog({
    width: 2,
    height: 2,
    bands: [new Uint8Array(4)],
    bbox: [0, 0, 2, 2],
    crs: "EPSG:3857",
  });
  // The GeoKeyDirectory's last value is the EPSG code: rewrite it in place.
  const view = new DataView(tif.buffer);
  let keysAt = -1;
  for (let i = 0; i < tif.length - 32; i += 2) {
    if (
      view.getUint16(i, true) === 3072 && view.getUint16(i + 2, true) === 0 &&
      view.getUint16(i + 4, true) === 1 && view.getUint16(i + 6, true) === 3857
    ) keysAt = i + 6;
  }
  assert.ok(keysAt > 0);
  const withCode = async (code: number, file: string) => {
    const copy = tif.slice();
    new DataView(copy.buffer).setUint16(keysAt, code, true);
    await Deno.writeFile(`${dir.path}/${file}`, copy);
    return `${dir.path}/${file}`;
  };
  const unknown = await withCode(5514, "krovak.tif");
  await assert.rejects(
    readRaster(unknown),
    (e: RasterError) =>
      e instanceof RasterError && e.file === unknown &&
      /krovak\.tif: EPSG:5514 is not known to eojobs; define it first with defineCrs\("EPSG:5514"/
        .test(
          e.message,
        ),
  );
  const custom = await withCode(32767, "custom.tif");
  await assert.rejects(
    readRaster(custom),
    /custom\.tif: a user-defined CRS \(GeoKey 32767\) with no EPSG code; give it an EPSG code \(gdal_edit\.py -a_srs/,
  );
  await Deno.writeFile(`${dir.path}/not.tif`, new TextEncoder().encode("<html>502</html>"));
  await assert.rejects(readRaster(`${dir.path}/not.tif`), /not\.tif: not a readable GeoTIFF/);
  await assert.rejects(readRaster(`${dir.path}/missing.tif`), /missing\.tif: no such file/);
});
