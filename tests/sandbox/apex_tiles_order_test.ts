/**
 * The twin's /tiles writes each tile as the APEx server's shapely (GEOS OverlayNG) does: the same
 * pieces in the same order, rings clockwise (holes counter-clockwise), each ring starting at the
 * same vertex. The expected answers are shapely's own, written by shapely_tiles.py next to this
 * file from the server's algorithm (app/services/tiles/km_grids.py).
 */
import assert from "node:assert/strict";
import { ringArea } from "../../lib/geo/limits.ts";
import { sandbox } from "../helpers.ts";
import { type Geometry, polygons, SHAPELY_CASES } from "./shapely_tiles.ts";

Deno.test("apex /tiles: pieces, ring direction and start vertex as shapely writes them", async () => {
  await using sb = await sandbox();
  assert.ok(SHAPELY_CASES.length >= 40, "areas of every kind: boxes, a hole, random shapes");
  let rings = 0;
  for (const c of SHAPELY_CASES) {
    const r = await fetch(`${sb.url}/apex/tiles`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ aoi: c.aoi, grid: "20x20km" }),
    });
    assert.equal(r.status, 201, c.name);
    const tiles = (await r.json()).geometries as Geometry[];
    assert.equal(tiles.length, c.tiles.length, `${c.name}: tile count`);
    tiles.forEach((tile, i) => {
      const [mine, theirs] = [polygons(tile), polygons(c.tiles[i])];
      assert.equal(tile.type, c.tiles[i].type, `${c.name} #${i}`);
      assert.equal(mine.length, theirs.length, `${c.name} #${i}: polygons`);
      mine.forEach((polygon, p) => {
        assert.equal(polygon.length, theirs[p].length, `${c.name} #${i}: rings`);
        polygon.forEach((ring, k) => {
          const where = `${c.name} #${i} polygon ${p} ring ${k}`;
          assert.equal(ring.length, theirs[p][k].length, `${where}: vertices`);
          assert.equal(ringArea(ring) < 0, k === 0, `${where}: shells clockwise, holes not`);
          ring.forEach((v, j) => {
            const w = theirs[p][k][j];
            assert.ok(
              Math.abs(v[0] - w[0]) < 1e-7 && Math.abs(v[1] - w[1]) < 1e-7,
              `${where} vertex ${j}: ${v} vs shapely's ${w}`,
            );
          });
          rings++;
        });
      });
    });
  }
  assert.ok(rings > 400);
});

Deno.test("apex /tiles: open and short rings are refused in geojson-pydantic's and pydantic's words", async () => {
  await using sb = await sandbox();
  const r = await fetch(`${sb.url}/apex/tiles`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      aoi: { type: "Polygon", coordinates: [[[16, 48], [16.5, 48], [16.5, 48.3], [16, 48.3]]] },
      grid: "20x20km",
    }),
  });
  assert.equal(r.status, 422);
  const [issue] = (await r.json()).details.errors;
  assert.equal(
    issue.msg,
    "Value error, All linear rings MUST have the same start and end coordinates",
  );
  assert.deepEqual(issue.loc, ["body", "aoi", "coordinates"]);
  const short = await fetch(`${sb.url}/apex/tiles`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      aoi: { type: "Polygon", coordinates: [[[16, 48], [16.5, 48], [16, 48]]] },
      grid: "20x20km",
    }),
  });
  assert.equal(short.status, 422);
  assert.deepEqual((await short.json()).details.errors, [{
    type: "too_short",
    loc: ["body", "aoi", "coordinates", 0],
    msg: "List should have at least 4 items after validation, not 3",
    input: [[16, 48], [16.5, 48], [16, 48]],
  }]);
});
