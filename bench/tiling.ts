/**
 * Tiling benchmark: a country (Germany), a continent with a long coast (Australia) and the
 * largest case (Africa, mainland and islands), Natural Earth outlines from npm `world-atlas`,
 * split with the platform grid (`platformTiles`, 20x20km) and a true-km grid (`kmGrid`, 20 km in
 * the UTM zone of the centre, as the reference lays it). Each split runs in a process of its own
 * (its peak RSS is its own) and is timed beside the reference split measured in the same run: the APEx Dispatch server's own algorithm, shapely and pyproj in-process
 * (`bench/tiling_reference.py`, Debian's python3-shapely and python3-pyproj). Prints cells, both
 * times, the ratio (goal: >= 20x for Africa) and each split's peak RSS (goal: < 300 MB).
 *
 * Run: `deno task bench:tiling`
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import countries from "../lib/deps/world_countries_50m.ts";
import { merge } from "../lib/deps/topojson.ts";
import { type AreaGeometry, kmGrid, platformTiles, type Position } from "../core.ts";
import { utmCrs } from "../lib/geo/projection.ts";
import { bboxOf } from "../lib/geo/types.ts";

helpRequested(
  "deno task bench:tiling\n\nTiling Germany, Australia and Africa on both grids against shapely + pyproj, in the same run; peak RSS.",
);

type Topology = { objects: { countries: { geometries: Array<{ properties: { name: string } }> } } };
const topology = countries as unknown as Topology;

const AFRICA = new Set(
  ("Algeria|Angola|Benin|Botswana|Burkina Faso|Burundi|Cameroon|Cabo Verde|Central African Rep.|" +
    "Chad|Comoros|Congo|Dem. Rep. Congo|Côte d'Ivoire|Djibouti|Egypt|Eq. Guinea|Eritrea|eSwatini|" +
    "Ethiopia|Gabon|Gambia|Ghana|Guinea|Guinea-Bissau|Kenya|Lesotho|Liberia|Libya|Madagascar|" +
    "Malawi|Mali|Mauritania|Mauritius|Morocco|Mozambique|Namibia|Niger|Nigeria|Rwanda|" +
    "São Tomé and Principe|Senegal|Seychelles|Sierra Leone|Somalia|Somaliland|South Africa|" +
    "S. Sudan|Sudan|Tanzania|Togo|Tunisia|Uganda|W. Sahara|Zambia|Zimbabwe").split("|"),
);

/** The outer rings of a (multi)polygon: lakes and holes add nothing to a timing. */
function outerRings(
  geometry: { type: string; coordinates: unknown },
  keep = Infinity,
): AreaGeometry {
  const polygons =
    (geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates) as Position[][][];
  const size = (p: Position[][]) => p[0].length;
  return {
    type: "MultiPolygon",
    coordinates: [...polygons].sort((a, b) => size(b) - size(a)).slice(0, keep).map((p) => [p[0]]),
  };
}

const all = topology.objects.countries.geometries;
const merged = (names: (name: string) => boolean) =>
  merge(countries as never, all.filter((g) => names(g.properties.name)) as never) as unknown as {
    type: string;
    coordinates: unknown;
  };
const germany = outerRings(merged((n) => n === "Germany"), 3);
const australia = outerRings(merged((n) => n === "Australia"), 1);
const africa = outerRings(merged((n) => AFRICA.has(n)));

const python = ["python3", "/usr/bin/python3"];
async function reference(
  area: AreaGeometry,
  crs: string,
  size: number,
  anchor: "corner" | "origin",
): Promise<{ seconds: number; cells: number } | undefined> {
  const file = await Deno.makeTempFile({ suffix: ".geojson" });
  await Deno.writeTextFile(file, JSON.stringify(area));
  try {
    for (const interpreter of python) {
      const out = await new Deno.Command(interpreter, {
        args: [
          new URL("./tiling_reference.py", import.meta.url).pathname,
          file,
          crs,
          String(size),
          anchor,
        ],
        stdout: "piped",
        stderr: "null",
      }).output().catch(() => undefined);
      if (out?.code === 0) return JSON.parse(new TextDecoder().decode(out.stdout));
    }
    return undefined;
  } finally {
    await Deno.remove(file);
  }
}

const vertices = (a: AreaGeometry) =>
  (a.coordinates as Position[][][]).reduce((n, p) => n + p[0].length, 0);
const AREAS: Record<string, AreaGeometry> = {
  Germany: germany,
  Australia: australia,
  Africa: africa,
};
/** The one CRS the reference uses for the km grid: the UTM zone of the area's centre. */
const centreZone = (area: AreaGeometry) => {
  const [w, s, e, n] = bboxOf(area);
  return utmCrs([(w + e) / 2, (s + n) / 2]);
};

/** One split in this process: its cells, seconds and the process's peak RSS (VmHWM). */
async function splitHere(name: string, grid: "platform" | "km") {
  const area = AREAS[name];
  const t0 = performance.now();
  const cells = grid === "platform"
    ? platformTiles(area, { grid: "20x20km" }).length
    : kmGrid(area, { sizeKm: 20, crs: centreZone(area) }).length;
  const seconds = (performance.now() - t0) / 1000;
  const status = await Deno.readTextFile("/proc/self/status");
  const peak = Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) * 1024;
  return { cells, seconds, peak };
}

if (Deno.args[0] === "--one") {
  console.log(JSON.stringify(await splitHere(Deno.args[1], Deno.args[2] as "platform" | "km")));
  Deno.exit(0);
}

/** One split in a process of its own, so that its peak memory is its own. */
async function split(name: string, grid: "platform" | "km") {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--one", name, grid],
    stderr: "inherit",
  }).output();
  if (out.code !== 0) throw new Error(`${name} ${grid}: exit ${out.code}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    cells: number;
    seconds: number;
    peak: number;
  };
}

console.log(
  "area       grid                 vertices   cells   eojobs   reference   ratio   peak RSS",
);
async function run(name: string, grid: "platform" | "km"): Promise<void> {
  const area = AREAS[name];
  const utm = centreZone(area);
  const { cells, seconds, peak } = await split(name, grid);
  const ref = grid === "platform"
    ? await reference(area, "EPSG:3857", 20_000, "corner")
    : await reference(area, utm, 20_000, "origin");
  const label = grid === "platform" ? "platform 20x20km" : `20 km (${utm})`;
  console.log(
    `${name.padEnd(10)} ${label.padEnd(20)} ${String(vertices(area)).padStart(8)} ${
      String(cells).padStart(7)
    } ${seconds.toFixed(2).padStart(7)} s ${
      ref ? `${ref.seconds.toFixed(2).padStart(9)} s` : "    (none)"
    } ${ref ? `${(ref.seconds / seconds).toFixed(1).padStart(6)}x` : "      -"} ${
      (peak / 2 ** 20).toFixed(0).padStart(6)
    } MiB${ref && ref.cells !== cells ? `  (reference made ${ref.cells} cells)` : ""}`,
  );
}

for (const name of Object.keys(AREAS)) {
  await run(name, "platform");
  await run(name, "km");
}
console.log(
  "\ngoal: Africa >= 20x the reference with the platform grid, peak RSS < 300 MB (each split in" +
    " a process of its own; the km grid in the one UTM zone the reference uses)." +
    (await reference(germany, "EPSG:3857", 20_000, "corner")
      ? ""
      : "\nno reference: install python3-shapely and python3-pyproj (Debian) to measure ratios"),
);
