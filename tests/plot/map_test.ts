import assert from "node:assert/strict";
import { parseHTML } from "../../lib/deps/linkedom.ts";
import { type Figure, mapFigure, type RasterData, STATUS_COLORS } from "../../lib/plot/mod.ts";
import { platformTiles } from "../../lib/geo/mod.ts";
import { decodePng, tempDir } from "../helpers.ts";
import { VIENNA } from "../fixtures.ts";

function svgOf(figure: Figure) {
  const { document } = parseHTML(`<html><body>${figure.svg}</body></html>`);
  return document.querySelector("svg")!;
}

Deno.test("status map: one shape per tile, coloured by state, with a legend and tooltips", async () => {
  const tiles = platformTiles(VIENNA);
  const statuses = ["created", "queued", "running", "finished", "failed", "canceled"];
  const figure = await mapFigure({
    title: "status",
    aoi: VIENNA,
    tiles: tiles.map((geometry, i) => ({ geometry, status: statuses[i % 6], label: `tile ${i}` })),
  });
  const svg = svgOf(figure);
  const shapes = svg.querySelectorAll('g[data-layer="tiles"] path');
  assert.equal(shapes.length, 12);
  shapes.forEach((p: Element, i: number) => {
    assert.equal(p.getAttribute("fill"), STATUS_COLORS[statuses[i % 6]]);
    assert.equal(p.querySelector("title")?.textContent, `tile ${i}`);
  });
  const legend = [...svg.querySelectorAll("rect")].filter((r: Element) =>
    r.getAttribute("aria-label")?.startsWith("legend")
  );
  assert.deepEqual(
    legend.map((r: Element) => r.getAttribute("fill")),
    [...statuses.map((s) => STATUS_COLORS[s]), "none"],
    "a swatch per status, then the dashed area of interest",
  );
  assert.ok(
    [...svg.querySelectorAll("text")].some((t: Element) => t.textContent === "finished (2)"),
  );
  assert.equal(svg.querySelectorAll('g[data-layer="aoi"] path').length, 1, "one AOI outline");
  assert.ok(
    svg.querySelectorAll('g[data-layer="background"] path').length >= 1,
    "country borders drawn offline",
  );
});

Deno.test("raster overlay: pixels land where the data says, in the mask colour", async () => {
  const width = 40, height = 20;
  const values = new Uint8Array(width * height);
  values[3 * width + 5] = 1; // row 3, column 5
  values[10 * width + 30] = 1;
  values[0] = 255; // no data
  const raster: RasterData = {
    width,
    height,
    bbox: [16.2, 48.1, 16.6, 48.3],
    values,
    nodata: 255,
    resolution: [0.01, 0.01],
    level: 0,
  };
  const svg = svgOf(await mapFigure({ rasters: [raster] }));
  const image = svg.querySelector('image[aria-label="raster"]')!;
  const png = await decodePng(image.getAttribute("href")!);
  assert.deepEqual([png.width, png.height], [40, 20]);
  assert.deepEqual(png.rgba(5, 3), [228, 0, 124, 255]);
  assert.deepEqual(png.rgba(30, 10), [228, 0, 124, 255]);
  assert.equal(png.rgba(6, 3)[3], 0, "zero is transparent");
  assert.equal(png.rgba(0, 0)[3], 0, "no data is transparent");
  const x = Number(image.getAttribute("x")), w = Number(image.getAttribute("width"));
  assert.ok(x > 0 && w > 0 && Number(image.getAttribute("height")) > 0);

  const ramp = new Float32Array([0, 0.5, 1, 2]);
  const continuous = svgOf(
    await mapFigure({
      rasters: [{ ...raster, width: 2, height: 2, values: ramp, nodata: undefined }],
    }),
  );
  const c = await decodePng(continuous.querySelector("image")!.getAttribute("href")!);
  assert.deepEqual(c.rgba(0, 0), [68, 1, 84, 220], "the minimum is the start of viridis");
  assert.deepEqual(c.rgba(1, 1), [253, 231, 37, 220], "the maximum is its end");
});

Deno.test("raster overlay: three bands in true colour, each stretched", async () => {
  const red = new Uint8Array([0, 100, 200, 50]),
    green = new Uint8Array([10, 10, 20, 10]),
    blue = new Uint8Array([5, 5, 5, 255]);
  const raster: RasterData = {
    width: 2,
    height: 2,
    bbox: [16.2, 48.1, 16.6, 48.3],
    values: red,
    bands: [red, green, blue],
    nodata: 255,
    resolution: [0.2, 0.1],
    level: 0,
  };
  const png = await decodePng(
    svgOf(await mapFigure({ rasters: [raster] })).querySelector("image")!.getAttribute("href")!,
  );
  assert.deepEqual(png.rgba(0, 0), [0, 0, 0, 255]);
  assert.deepEqual(
    png.rgba(0, 1),
    [255, 255, 0, 255],
    "red and green at their maxima, blue at its minimum",
  );
  assert.equal(png.rgba(1, 1)[3], 0, "no data in one band hides the pixel");
  await assert.rejects(
    mapFigure({ rasters: [{ ...raster, bands: undefined }], rasterStyle: "rgb" }),
    /three bands/,
  );
});

Deno.test("figures show in Jupyter and save as SVG or HTML", async () => {
  await using dir = await tempDir();
  const figure = await mapFigure({ aoi: VIENNA, title: "AOI" });
  const display = (figure as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  const bundle = display.call(figure);
  assert.match(bundle["image/svg+xml"], /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const svgPath = await figure.save(`${dir.path}/maps/aoi.svg`);
  assert.equal(await Deno.readTextFile(svgPath), figure.svg);
  const html = await Deno.readTextFile(await figure.save(`${dir.path}/maps/aoi.html`));
  assert.match(html, /^<!doctype html>.*<title>AOI<\/title>.*<svg/s);
  await assert.rejects(figure.save(`${dir.path}/aoi.jpg`), /must end in \.svg, \.png or \.html/);
  const png = await Deno.readFile(await figure.save(`${dir.path}/aoi.png`));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
  await assert.rejects(mapFigure({}), /give an aoi, tiles or rasters/);
});

Deno.test("a map of the whole world is drawn in time, clipped to ±85°", async () => {
  const world = {
    type: "Polygon" as const,
    coordinates: [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]] as [
      number,
      number,
    ][][],
  };
  const started = performance.now();
  const figure = await mapFigure({ title: "World", aoi: world });
  const svg = svgOf(figure);
  assert.ok(Number(svg.getAttribute("height")) > 0 && Number(svg.getAttribute("height")) < 2_000);
  assert.ok(performance.now() - started < 10_000, "not a hang");
});

/** Text boxes as drawn (anchor, size and a generous 0.62 em per character). */
function textBoxes(svg: Element) {
  return [...svg.querySelectorAll("text")].map((t: Element) => {
    const size = Number(
      t.getAttribute("font-size") ?? t.parentElement?.getAttribute("font-size") ?? 12,
    );
    const width = (t.textContent ?? "").length * size * 0.62;
    const x = Number(t.getAttribute("x")), y = Number(t.getAttribute("y"));
    const anchor = t.getAttribute("text-anchor") ?? t.parentElement?.getAttribute("text-anchor");
    const left = anchor === "end" ? x - width : anchor === "middle" ? x - width / 2 : x;
    return { text: t.textContent ?? "", left, right: left + width, top: y - size, bottom: y };
  }).filter((b) => Number.isFinite(b.left) && Number.isFinite(b.top));
}

Deno.test("map furniture: coordinates, a scale bar, a locator, a legend, and no text on text", async () => {
  const tiles = platformTiles(VIENNA);
  const statuses = ["created", "queued", "running", "finished", "failed", "canceled"];
  const figure = await mapFigure({
    title: "two grids and every status, with long labels",
    aoi: VIENNA,
    tiles: tiles.map((geometry, i) => ({ geometry, status: statuses[i % 6] })),
    layers: [
      { name: "a layer with a rather long name for a legend", color: "#c0392b", features: [] },
      { name: "another long-named layer of buildings", color: "#555", features: [] },
    ],
    rasters: [{
      width: 2,
      height: 2,
      bbox: [16.2, 48.1, 16.4, 48.2],
      values: [0.1, 0.5, 0.7, 0.9],
      resolution: [0.1, 0.05],
      level: 0,
    }],
    rasterLabel: "NDVI (unitless)",
  });
  const svg = svgOf(figure);
  const texts = [...svg.querySelectorAll("text")].map((t: Element) => t.textContent);
  assert.ok(texts.includes("16.4°E") && texts.includes("48.2°N"), texts.join(" | "));
  assert.ok(texts.some((t: string | null) => /^\d+ k?m$/.test(t ?? "")), "a scale bar label");
  assert.ok(svg.querySelector('g[aria-label="locator"] rect'), "a locator inset");
  assert.ok(svg.querySelector('g[aria-label="locator"] path'), "countries in the locator");
  assert.ok(
    texts.includes("NDVI (unitless)") && texts.includes("0.100") && texts.includes("0.900"),
  );
  const boxes = textBoxes(svg);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      assert.ok(!overlap, `"${a.text}" overlaps "${b.text}"`);
    }
  }
});
