/**
 * The fast cell clip (only crossed cells are clipped) against the reference that clips every
 * cell: same pieces, same order, same coordinates to the bit, on generated areas with holes,
 * several parts, slivers, spikes and cells that cut the area in two.
 */
import assert from "node:assert/strict";
import { clipEveryCell, clipToCells } from "../../lib/geo/clip.ts";
import type { Position, Ring } from "../../lib/geo/types.ts";
import { kmGrid, platformTiles } from "../../lib/geo/mod.ts";
import { seededRandom } from "../../lib/sandbox/random.ts";

/** A star-shaped ring around `centre` with radii between `inner` and `outer`, counter-clockwise. */
function star(
  rnd: () => number,
  centre: Position,
  inner: number,
  outer: number,
  vertices: number,
): Ring {
  const ring: Ring = [];
  for (let i = 0; i < vertices; i++) {
    const angle = (2 * Math.PI * i) / vertices;
    const radius = inner + (outer - inner) * rnd();
    ring.push([centre[0] + radius * Math.cos(angle), centre[1] + radius * Math.sin(angle)]);
  }
  ring.push(ring[0]);
  return ring;
}

/** One generated area in projected metres, of the kind `seed` picks. */
function area(seed: number): Ring[][] {
  const rnd = seededRandom(seed);
  const size = 20_000;
  const x = 1_000_000 + rnd() * 1e6, y = 5_000_000 + rnd() * 1e6;
  const scale = size * (0.5 + rnd() * 12);
  const vertices = 3 + Math.floor(rnd() * 60);
  switch (seed % 6) {
    case 0: // a star, spiky enough to cut cells in two
      return [[star(rnd, [x, y], scale * 0.1, scale, vertices)]];
    case 1: // with a hole
      return [[
        star(rnd, [x, y], scale * 0.6, scale, vertices),
        star(rnd, [x, y], scale * 0.1, scale * 0.5, 3 + Math.floor(rnd() * 20)).reverse(),
      ]];
    case 2: // two parts
      return [
        [star(rnd, [x, y], scale * 0.3, scale, vertices)],
        [star(rnd, [x + 2.5 * scale, y + rnd() * scale], scale * 0.3, scale, vertices)],
      ];
    case 3: { // a sliver narrower than a cell, at a slant
      const w = size * (0.001 + rnd() * 0.2), l = scale * 3, a = rnd() * Math.PI;
      const dx = Math.cos(a) * l, dy = Math.sin(a) * l, nx = -Math.sin(a) * w, ny = Math.cos(a) * w;
      return [[[[x, y], [x + dx, y + dy], [x + dx + nx, y + dy + ny], [x + nx, y + ny], [x, y]]]];
    }
    case 4: { // a comb: teeth that enter a row of cells and leave it
      const teeth = 2 + Math.floor(rnd() * 12), width = scale / teeth;
      const ring: Ring = [[x, y]];
      for (let i = 0; i < teeth; i++) {
        ring.push([x + i * width, y + scale], [x + (i + 0.5) * width, y + scale]);
        ring.push([x + (i + 0.5) * width, y + scale * 0.2], [x + (i + 1) * width, y + scale * 0.2]);
      }
      ring.push([x + scale, y], [x, y]);
      return [[ring]];
    }
    default: { // an axis-aligned box whose sides may lie on cell edges
      const w = size * Math.ceil(1 + rnd() * 6), h = size * Math.ceil(1 + rnd() * 6);
      return [[[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]];
    }
  }
}

/** The grid the platform lays from the area's south-west corner. */
function grid(polygons: Ring[][], size: number, shift: number): { xs: number[]; ys: number[] } {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const rings of polygons) {
    for (const [px, py] of rings[0]) {
      minX = Math.min(minX, px), minY = Math.min(minY, py);
      maxX = Math.max(maxX, px), maxY = Math.max(maxY, py);
    }
  }
  const xs: number[] = [], ys: number[] = [];
  for (let x = minX - shift; x < maxX; x += size) xs.push(x);
  for (let y = minY - shift; y < maxY; y += size) ys.push(y);
  return { xs, ys };
}

Deno.test("fast clip: identical to clipping every cell on 240 generated areas", () => {
  let crossedAndWhole = 0;
  for (let seed = 1; seed <= 240; seed++) {
    const polygons = area(seed);
    const size = 20_000;
    // Half the grids start at the area's corner (the platform's), half at an offset.
    const { xs, ys } = grid(polygons, size, seed % 2 === 0 ? 0 : size * 0.37);
    const fast = [...clipToCells(polygons, xs, ys, size)];
    const reference = [...clipEveryCell(polygons, xs, ys, size)];
    assert.deepStrictEqual(fast, reference, `seed ${seed}`);
    const whole = fast.filter((p) =>
      p.polygons.length === 1 && p.polygons[0].length === 1 &&
      p.polygons[0][0].length === 5
    ).length;
    if (whole > 0 && whole < fast.length) crossedAndWhole++;
  }
  // The areas exercise both paths: many have whole cells beside clipped ones.
  assert.ok(crossedAndWhole > 100, `${crossedAndWhole} areas had both kinds of cell`);
});

Deno.test("fast clip: platform tiles and km grids of real outlines keep their pieces", () => {
  const austria =
    "POLYGON ((9.5 47.5, 10.2 47.3, 12.2 47.6, 13.0 47.5, 14.8 46.6, 16.1 46.9, 16.9 48.0, 17.1 48.8, 15.0 49.0, 13.8 48.7, 12.9 47.9, 9.5 47.5))";
  const tiles = platformTiles(austria);
  assert.equal(tiles.length > 200, true);
  const cells = kmGrid(austria, { sizeKm: 10 });
  assert.equal(new Set(cells.map((c) => c.id)).size, cells.length);
});
