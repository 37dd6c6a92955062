import assert from "node:assert/strict";
import { bboxOf, kmGrid, parseAoi, platformTiles, polygonsOf, toWkt } from "../../lib/geo/mod.ts";
import type { AreaGeometry, Position } from "../../lib/geo/mod.ts";
import { sandbox } from "../helpers.ts";
import { VIENNA } from "../fixtures.ts";

const ANTWERP = {
  type: "Polygon" as const,
  coordinates: [[
    [5.131074140132512, 51.352892918832026],
    [4.836037011633863, 51.331277680080774],
    [4.789036228520871, 51.12326419975835],
    [5.164855813583216, 51.11863683854557],
    [5.192048230607185, 51.33847556306924],
    [5.131074140132512, 51.352892918832026],
  ]] as Position[][],
};
const OPENAPI_FIRST_TILE: Position[] = [
  [4.813414938308839, 51.231275511382016],
  [4.968699285344775, 51.231275511382016],
  [4.968699285344775, 51.12105211672323],
  [4.78903622852087, 51.123264199758346],
  [4.813414938308839, 51.231275511382016],
];
// A U: two arms joined at the south. A cell over the arms' tops cuts it into two pieces.
const U_SHAPE = {
  type: "Polygon" as const,
  coordinates: [[
    [10, 50],
    [10.15, 50],
    [10.15, 50.4],
    [10.12, 50.4],
    [10.12, 50.05],
    [10.03, 50.05],
    [10.03, 50.4],
    [10, 50.4],
    [10, 50],
  ]] as Position[][],
};
const HOLED = {
  type: "Polygon" as const,
  coordinates: [
    [[0, 0], [0.3, 0], [0.3, 0.3], [0, 0.3], [0, 0]],
    [[0.05, 0.05], [0.25, 0.05], [0.25, 0.25], [0.05, 0.25], [0.05, 0.05]],
  ] as Position[][],
};

/** The same ring, whatever its start and direction: compared within `tol` degrees. */
function sameRing(a: Position[], b: Position[], tol = 1e-9): boolean {
  const open = (r: Position[]) => r.slice(0, -1);
  const x = open(a), y = open(b);
  if (x.length !== y.length) return false;
  const close = (p: Position, q: Position) =>
    Math.abs(p[0] - q[0]) < tol && Math.abs(p[1] - q[1]) < tol;
  for (const candidate of [y, [...y].reverse()]) {
    for (let shift = 0; shift < candidate.length; shift++) {
      if (x.every((p, i) => close(p, candidate[(i + shift) % candidate.length]))) return true;
    }
  }
  return false;
}

function planarArea(geometry: AreaGeometry): number {
  let total = 0;
  for (const rings of polygonsOf(geometry)) {
    rings.forEach((ring, i) => {
      let a = 0;
      for (let k = 0; k + 1 < ring.length; k++) {
        a += ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1];
      }
      total += (i === 0 ? 1 : -1) * Math.abs(a / 2);
    });
  }
  return total;
}

async function serverTiles(url: string, aoi: unknown, grid = "20x20km"): Promise<AreaGeometry[]> {
  const response = await fetch(`${url}/apex/tiles`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ aoi, grid }),
  });
  assert.equal(response.status, 201);
  const body = await response.json();
  assert.equal(body.type, "GeometryCollection");
  return body.geometries;
}

for (
  const [name, tiles] of [[
    "local split",
    (aoi: unknown, grid?: string) =>
      Promise.resolve(platformTiles(aoi as never, { grid: grid as never })),
  ], [
    "sandbox /tiles",
    null,
  ]] as const
) {
  Deno.test(`${name}: the reference's fixed answers`, async () => {
    await using sb = await sandbox();
    const split = tiles ?? ((aoi: unknown, grid?: string) => serverTiles(sb.url, aoi, grid));
    const vienna = await split(VIENNA);
    assert.equal(vienna.length, 12, "Vienna: 4 columns x 3 rows");
    const [w, s, e, n] = bboxOf(vienna[0]);
    for (
      const [got, want] of [
        [w, 16.14820803974601],
        [s, 48.032639613474586],
        [e, 16.32787109656991],
        [n, 48.152641550940125],
      ]
    ) {
      assert.ok(Math.abs(got - want) < 1e-9, `${got} vs ${want}`);
    }
    const westEast = vienna.map((t) => bboxOf(t)[0]);
    assert.ok(
      westEast[0] === westEast[1] && westEast[1] === westEast[2] && westEast[2] < westEast[3],
      "columns west to east, rows south to north",
    );
    assert.ok(bboxOf(vienna[0])[1] < bboxOf(vienna[1])[1]);
    const antwerp = await split(ANTWERP);
    assert.equal(antwerp.length, 8);
    assert.equal(antwerp[0].type, "Polygon");
    assert.ok(
      sameRing(antwerp[0].coordinates[0] as Position[], OPENAPI_FIRST_TILE),
      JSON.stringify(antwerp[0]),
    );
    assert.equal(
      (await split({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] }))
        .length,
      36,
    );
    assert.equal((await split(VIENNA, "250x250km")).length, 1);
  });

  Deno.test(`${name}: concave AOIs, holes and cell corners`, async () => {
    await using sb = await sandbox();
    const split = tiles ?? ((aoi: unknown, grid?: string) => serverTiles(sb.url, aoi, grid));
    const u = await split(U_SHAPE);
    const multi = u.filter((t) => t.type === "MultiPolygon");
    assert.ok(multi.length >= 1, "a cell over both arms gives a MultiPolygon");
    assert.ok(multi.every((t) => t.coordinates.length === 2));
    const sum = u.reduce((a, t) => a + planarArea(t), 0);
    assert.ok(
      Math.abs(sum - planarArea(U_SHAPE)) / planarArea(U_SHAPE) < 1e-3,
      "pieces add up to the AOI",
    );
    const holed = await split(HOLED);
    const holedSum = holed.reduce((a, t) => a + planarArea(t), 0);
    assert.ok(
      Math.abs(holedSum - planarArea(HOLED)) / planarArea(HOLED) < 1e-3,
      "the hole stays a hole",
    );
    // A small diamond around the corner of four cells of the (0,0)-(1,1) square's grid.
    const cellDeg = 20_000 / 6378137 * 180 / Math.PI;
    const c: Position = [cellDeg, 0.1];
    const shifted = {
      type: "Polygon",
      coordinates: [[[0, 0], [c[0] + 0.01, 0], [c[0] + 0.01, 0.2], [0, 0.2], [0, 0]]],
    };
    const corner = await split(shifted);
    assert.equal(corner.length, 4, "2 columns x 2 rows");
  });
}

Deno.test("local tiling takes MultiPolygons and WKT too", () => {
  const multi = { type: "MultiPolygon", coordinates: [VIENNA.coordinates, U_SHAPE.coordinates] };
  const tiles = platformTiles(multi as never);
  assert.ok(tiles.length > 12);
  assert.equal(platformTiles(toWkt(VIENNA)).length, 12);
  assert.throws(() => platformTiles(VIENNA, { grid: "5x5km" as never }), /not a platform grid/);
});

function metres(a: Position, b: Position): number {
  const rad = Math.PI / 180, R = 6371008.8;
  const dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 +
    Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

Deno.test("true-km grids: cells are 20 km on the ground, with stable ids", () => {
  const whole = kmGrid(VIENNA, { sizeKm: 20, clip: false });
  const ring = whole[0].geometry.coordinates[0] as Position[];
  const side = metres(ring[0], ring[8]);
  assert.ok(Math.abs(side - 20_000) < 100, `side ${side} m`);
  assert.ok(whole.every((t) => t.crs === "EPSG:32633"));
  const smaller = kmGrid({
    type: "Polygon",
    coordinates: [[[16.3, 48.1], [16.35, 48.1], [16.35, 48.15], [16.3, 48.1]]],
  }, { sizeKm: 20 });
  const ids = new Set(whole.map((t) => t.id));
  assert.ok(smaller.every((t) => ids.has(t.id)), "the same cell has the same id for another AOI");
  assert.deepEqual(
    kmGrid(VIENNA, { sizeKm: 20 }).map((t) => t.id),
    kmGrid(VIENNA, { sizeKm: 20 }).map((t) => t.id),
  );
  const laea = kmGrid(VIENNA, { sizeKm: 10, crs: "EPSG:3035" });
  assert.ok(laea.every((t) => /^3035-10kmE\d+N\d+$/.test(t.id)));
  const clippedArea = kmGrid(VIENNA, { sizeKm: 10, crs: "EPSG:3035" }).reduce(
    (a, t) => a + planarArea(t.geometry),
    0,
  );
  assert.ok(Math.abs(clippedArea - planarArea(parseAoi(VIENNA))) / planarArea(VIENNA) < 2e-3);
  assert.throws(() => kmGrid(VIENNA, { sizeKm: -1 }), /sizeKm/);
});
