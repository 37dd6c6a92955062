/**
 * Km-grid ids that never move: an area edited across a UTM zone edge keeps the id of every cell
 * it still covers, and cells of an area spanning three zones are their nominal size on the
 * ground (measured on the WGS 84 ellipsoid, not in the grid's own CRS).
 */
import assert from "node:assert/strict";
import { kmGrid } from "../../lib/geo/mod.ts";
import type { Position } from "../../lib/geo/types.ts";

const box = (w: number, s: number, e: number, n: number) =>
  `POLYGON ((${w} ${s}, ${e} ${s}, ${e} ${n}, ${w} ${n}, ${w} ${s}))`;

/** Geodesic distance on WGS 84 in metres (Vincenty's inverse formula). */
function geodesic([lon1, lat1]: Position, [lon2, lat2]: Position): number {
  const a = 6378137, f = 1 / 298.257223563, b = a * (1 - f);
  const rad = Math.PI / 180;
  const L = (lon2 - lon1) * rad;
  const U1 = Math.atan((1 - f) * Math.tan(lat1 * rad));
  const U2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
  const [sinU1, cosU1, sinU2, cosU2] = [Math.sin(U1), Math.cos(U1), Math.sin(U2), Math.cos(U2)];
  let lambda = L, sinSigma = 0, cosSigma = 0, sigma = 0, cos2Alpha = 0, cos2SigmaM = 0;
  for (let i = 0; i < 200; i++) {
    const sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
    sinSigma = Math.hypot(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cos2Alpha === 0 ? 0 : cosSigma - (2 * sinU1 * sinU2) / cos2Alpha;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    const next = L + (1 - C) * f * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
    if (Math.abs(next - lambda) < 1e-13) break;
    lambda = next;
  }
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const deltaSigma = B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2) -
        (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
  return b * A * (sigma - deltaSigma);
}

Deno.test("zone-stable ids: an area edited across 12° E keeps every id of the cells it still covers", () => {
  const before = kmGrid(box(12.3, 47.6, 13.4, 48.2), { sizeKm: 10 });
  const after = kmGrid(box(10.9, 47.5, 13.4, 48.3), { sizeKm: 10 });
  const afterIds = new Set(after.map((t) => t.id));
  assert.ok(before.length > 20);
  assert.deepEqual(before.filter((t) => !afterIds.has(t.id)).map((t) => t.id), []);
  const zones = new Set(after.map((t) => t.crs));
  assert.deepEqual([...zones].sort(), ["EPSG:32632", "EPSG:32633"]);
  // Whole cells keep their geometry too: the same id is the same square on the ground.
  const wholeBefore = kmGrid(box(12.3, 47.6, 13.4, 48.2), { sizeKm: 10, clip: false });
  const wholeAfter = new Map(
    kmGrid(box(10.9, 47.5, 13.4, 48.3), { sizeKm: 10, clip: false }).map((t) => [t.id, t]),
  );
  for (const t of wholeBefore) {
    assert.deepStrictEqual(wholeAfter.get(t.id)?.geometry, t.geometry, t.id);
  }
});

Deno.test("zone-stable ids: an area across the equator gets north and south cells", () => {
  const tiles = kmGrid(box(36.6, -0.4, 37.2, 0.4), { sizeKm: 10 });
  const crs = new Set(tiles.map((t) => t.crs));
  assert.deepEqual([...crs].sort(), ["EPSG:32637", "EPSG:32737"]);
});

Deno.test("an area over three zones: no whole cell more than 0.5 % off its nominal 20 km", () => {
  const tiles = kmGrid(box(9.0, 47.0, 23.0, 50.0), { sizeKm: 20, clip: false });
  assert.deepEqual(
    [...new Set(tiles.map((t) => t.crs))].sort(),
    ["EPSG:32632", "EPSG:32633", "EPSG:32634"],
  );
  let worst = 0;
  for (const t of tiles) {
    const ring = t.geometry.coordinates[0] as Position[];
    // Corners of the densified cell: every 8th point.
    const corners = [ring[0], ring[8], ring[16], ring[24]];
    for (let i = 0; i < 4; i++) {
      const side = geodesic(corners[i], corners[(i + 1) % 4]);
      worst = Math.max(worst, Math.abs(side / 20_000 - 1));
    }
  }
  assert.ok(worst < 0.005, `worst side is ${(worst * 100).toFixed(3)} % off`);
  // The same area in the one zone of its centre (the old default) is far off at its edges.
  const oneZone = kmGrid(box(9.0, 47.0, 23.0, 50.0), {
    sizeKm: 20,
    clip: false,
    crs: "EPSG:32634",
  });
  const far = oneZone.find((t) => (t.geometry.coordinates[0][0] as Position)[0] < 9.5)!;
  const ring = far.geometry.coordinates[0] as Position[];
  assert.ok(Math.abs(geodesic(ring[0], ring[8]) / 20_000 - 1) > 0.005);
});
