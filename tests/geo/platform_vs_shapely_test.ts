/**
 * `platformTiles` computes, without the platform, the tiles the APEx server's shapely makes: the
 * same pieces in the same order, each ring with the same vertices (the expected answers are
 * shapely's, from tests/sandbox/shapely_tiles.py; the server also fixes where each ring starts,
 * which only its twin reproduces).
 */
import assert from "node:assert/strict";
import { platformTiles } from "../../lib/geo/mod.ts";
import { type Geometry, polygons, type Ring, SHAPELY_CASES } from "../sandbox/shapely_tiles.ts";

/** A ring's vertices, without the closing one, in a fixed order. */
const vertices = (ring: Ring) =>
  ring.slice(0, -1).map(([x, y]) => [x, y]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);

Deno.test("platformTiles: the server's pieces, in its order, with the same vertices", () => {
  let rings = 0;
  for (const c of SHAPELY_CASES) {
    const mine = platformTiles(c.aoi as never);
    assert.equal(mine.length, c.tiles.length, `${c.name}: tile count`);
    mine.forEach((tile, i) => {
      const [a, b] = [polygons(tile as Geometry), polygons(c.tiles[i])];
      assert.equal(a.length, b.length, `${c.name} #${i}: polygons`);
      // Pieces of one cell may come in another order; match each to one of shapely's.
      const left = [...b];
      for (const polygon of a) {
        const k = left.findIndex((other) =>
          other.length === polygon.length &&
          other.every((ring, r) => {
            const [p, q] = [vertices(polygon[r]), vertices(ring)];
            return p.length === q.length &&
              p.every((v, j) => Math.abs(v[0] - q[j][0]) < 1e-7 && Math.abs(v[1] - q[j][1]) < 1e-7);
          })
        );
        assert.ok(k >= 0, `${c.name} #${i}: a piece shapely does not have`);
        rings += polygon.length;
        left.splice(k, 1);
      }
    });
  }
  assert.ok(rings > 400);
});
