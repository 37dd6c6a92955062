import assert from "node:assert/strict";
import { parseHTML } from "../../lib/deps/linkedom.ts";
import { markSyntheticData } from "../../lib/display/synthetic.ts";
import { parseAoi, platformTiles } from "../../lib/geo/mod.ts";
import { type Figure, mapFigure } from "../../lib/plot/mod.ts";
import { VIENNA } from "../fixtures.ts";

type Box = [number, number, number, number];

function svgOf(figure: Figure) {
  const { document } = parseHTML(`<html><body>${figure.svg}</body></html>`);
  return document.querySelector("svg")!;
}

/** The pixel box of an SVG path's coordinates (M/L commands with absolute numbers). */
function pathBox(d: string): Box {
  const n = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
  const xs = n.filter((_, i) => i % 2 === 0), ys = n.filter((_, i) => i % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function tileBoxes(svg: Element): Box[] {
  return [...svg.querySelectorAll('g[data-layer="tiles"] path')].map((p) =>
    pathBox((p as Element).getAttribute("d")!)
  );
}

function insetBox(svg: Element): Box {
  const r = svg.querySelector('g[aria-label="locator"] rect')!;
  const [x, y, w, h] = ["x", "y", "width", "height"].map((k) => Number(r.getAttribute(k)));
  return [x, y, x + w, y + h];
}

const overlaps = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
const BIG = parseAoi("POLYGON ((5 45, 15 45, 15 55, 5 55, 5 45))");

Deno.test("figure: whole-degree ticks keep their zeros (10°E, 50°N), not 1°E or 5°N", async () => {
  const tiles = platformTiles(BIG, { grid: "250x250km" }).map((geometry) => ({
    geometry,
    status: "running",
  }));
  const svg = svgOf(await mapFigure({ aoi: BIG, tiles }));
  const texts = [...svg.querySelectorAll("text")].map((t) => (t as Element).textContent);
  assert.ok(texts.includes("10°E") && texts.includes("50°N"), texts.join(" | "));
  assert.ok(!texts.includes("1°E") && !texts.includes("5°N"), texts.join(" | "));
});

Deno.test("figure: the locator inset hides no tile: a free corner, else outside the map", async () => {
  // Every corner covered: the inset moves out of the map.
  const all = platformTiles(VIENNA).map((geometry) => ({ geometry, status: "finished" }));
  const full = svgOf(await mapFigure({ aoi: VIENNA, tiles: all }));
  const inset = insetBox(full);
  for (const tile of tileBoxes(full)) assert.ok(!overlaps(inset, tile), `covers ${tile}`);
  // Tiles in the west only: the inset takes a free corner inside the map.
  const west = platformTiles(VIENNA).filter((_, i) => i % 4 === 0).map((geometry) => ({
    geometry,
    status: "failed",
  }));
  const some = svgOf(await mapFigure({ aoi: VIENNA, tiles: west }));
  const frame = Number(some.getAttribute("width"));
  const corner = insetBox(some);
  assert.ok(corner[2] < frame - 10, "inside the map's frame");
  for (const tile of tileBoxes(some)) assert.ok(!overlaps(corner, tile), `covers ${tile}`);
});

Deno.test("figure: the area outline follows its tiles' edges, with no bulge over them", async () => {
  const tiles = platformTiles(BIG, { grid: "250x250km" }).map((geometry) => ({
    geometry,
    status: "running",
  }));
  const svg = svgOf(await mapFigure({ aoi: BIG, tiles }));
  const outline = pathBox(svg.querySelector('g[data-layer="aoi"] path')!.getAttribute("d")!);
  const boxes = tileBoxes(svg);
  const top = Math.min(...boxes.map((b) => b[1]));
  assert.ok(Math.abs(outline[1] - top) < 1, `outline top ${outline[1]}, tiles top ${top}`);
});

Deno.test("figure: maps of sandbox data say so; others do not", async () => {
  const tiles = platformTiles(VIENNA).map((geometry) => ({ geometry, status: "finished" }));
  const credit = (svg: Element) =>
    [...svg.querySelectorAll("text")].map((t) => (t as Element).textContent).find((t) =>
      t?.startsWith("Borders")
    );
  assert.equal(credit(svgOf(await mapFigure({ tiles }))), "Borders: Natural Earth");
  markSyntheticData();
  try {
    assert.equal(
      credit(svgOf(await mapFigure({ tiles }))),
      "Borders: Natural Earth · synthetic data (eojobs sandbox)",
    );
  } finally {
    markSyntheticData(false);
  }
  const raster = {
    width: 1,
    height: 1,
    bbox: [16.2, 48.1, 16.3, 48.2] as Box,
    values: [1],
    resolution: [0.1, 0.1] as [number, number],
    level: 0,
    metadata: { SOURCE: "synthetic data (eojobs sandbox)" },
  };
  assert.match(credit(svgOf(await mapFigure({ rasters: [raster] })))!, /synthetic data/);
  assert.equal(
    credit(svgOf(await mapFigure({ tiles, source: "Copernicus Sentinel-2 (2023)" }))),
    "Borders: Natural Earth · Copernicus Sentinel-2 (2023)",
  );
});

Deno.test("figure: an outline-only layer leaves the tiles under it reachable", async () => {
  const tiles = platformTiles(VIENNA);
  const svg = svgOf(
    await mapFigure({
      tileFill: { km: 0 },
      tiles: [
        ...tiles.map((geometry) => ({ geometry, status: "platform", label: "platform tile" })),
        ...tiles.map((geometry) => ({ geometry, status: "km", label: "km cell" })),
      ],
    }),
  );
  const paths = [...svg.querySelectorAll('g[data-layer="tiles"] path')] as Element[];
  const km = paths.filter((p) => p.querySelector("title")?.textContent === "km cell");
  assert.ok(km.length > 0 && km.every((p) => p.getAttribute("fill") === "none"));
});
