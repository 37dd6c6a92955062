/**
 * Tiling benchmark: splits a country-sized AOI (Germany) and a continent-sized one (Australia),
 * both Natural Earth outlines from npm `world-atlas`, with the platform grid and a true-km
 * grid. Prints cells per second and peak memory.
 *
 * Run: `deno task bench:tiling`
 *
 * @module
 */
import countries from "../lib/deps/world_countries_50m.ts";
import land from "../lib/deps/world_land.ts";
import { feature } from "../lib/deps/topojson.ts";
import { type AreaGeometry, kmGrid, platformTiles, type Position } from "../mod.ts";

type Topology = { objects: Record<string, never> };

function largestParts(
  geometry: { type: string; coordinates: unknown },
  keep: number,
): AreaGeometry {
  const polygons =
    (geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates) as Position[][][];
  const size = (p: Position[][]) => p[0].length;
  // Outer rings only: Natural Earth's small islands and lakes add nothing to a timing.
  return {
    type: "MultiPolygon",
    coordinates: [...polygons].sort((a, b) => size(b) - size(a)).slice(0, keep).map((p) => [p[0]]),
  };
}

const germany =
  (feature(countries as never, (countries as unknown as Topology).objects.countries) as unknown as {
    features: Array<
      { properties: { name: string }; geometry: { type: string; coordinates: unknown } }
    >;
  }).features.find((f) => f.properties.name === "Germany")!;
const landParts =
  (feature(land as never, (land as unknown as Topology).objects.land) as unknown as {
    features: Array<{ geometry: { type: string; coordinates: Position[][][] } }>;
  }).features[0].geometry.coordinates;
const australia = landParts
  .filter((p) => p[0].every(([x, y]) => x > 110 && x < 160 && y > -45 && y < -9))
  .sort((a, b) => b[0].length - a[0].length)[0];

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 5);

function run(label: string, vertices: number, split: () => unknown[]) {
  peak = Math.max(peak, Deno.memoryUsage().rss);
  const t0 = performance.now();
  const cells = split().length;
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(44)} ${String(vertices).padStart(6)} vertices ${
      String(cells).padStart(6)
    } cells ` +
      `${(cells / seconds).toFixed(0).padStart(7)} cells/s ${
        seconds.toFixed(2).padStart(6)
      } s  peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
}

const de = largestParts(germany.geometry, 3);
const deVertices = de.coordinates.reduce((n, p) => n + p[0].length, 0);
const au: AreaGeometry = { type: "Polygon", coordinates: [australia[0]] };
run(
  "Germany, platform 20x20km (Mercator)",
  deVertices,
  () => platformTiles(de, { grid: "20x20km" }),
);
run("Germany, true 20 km (UTM 32N)", deVertices, () => kmGrid(de, { sizeKm: 20 }));
run(
  "Germany, true 10 km (EPSG:3035)",
  deVertices,
  () => kmGrid(de, { sizeKm: 10, crs: "EPSG:3035" }),
);
run(
  "Australia, platform 250x250km (Mercator)",
  australia[0].length,
  () => platformTiles(au, { grid: "250x250km" }),
);
run("Australia, true 100 km (UTM)", australia[0].length, () => kmGrid(au, { sizeKm: 100 }));
run(
  "Australia, platform 20x20km (Mercator)",
  australia[0].length,
  () => platformTiles(au, { grid: "20x20km" }),
);
clearInterval(sampler);
