/**
 * `deno run -A scripts/beod_extract.ts`: the BrightEarth On Demand extraction tutorial from a
 * terminal: project, AOI, extraction scenario, progress, download (zip or tree) and a map.
 *
 * @module
 */
import "./permissions.ts";
import {
  type BrightEarth,
  connectBeod,
  describePlace,
  embeddedSandbox,
  liveDisplay,
  mapFigure,
  parseAoi,
  readFeatures,
  runFolder,
  type ScenarioRequest,
  unzipTo,
} from "../mod.ts";

import {
  aoiArgument,
  parseCli,
  runArgument,
  sandboxUrlArgument,
  usage as exitWith,
} from "./cli.ts";

const HELP = `Usage: npx --yes deno@2.9.6 run -A scripts/beod_extract.ts [options]

Runs a BEOD extraction-mono scenario over an AOI and downloads the results.
Without credentials it runs against the embedded sandbox.

  --aoi AREA         the AOI: a WKT or GeoJSON file, or the text itself
                     (default: the tutorial's, near Sophia Antipolis)
  --crs N            output CRS: 3857 (default) or 4326
  --formats LIST     vector formats (default shapefile,geopackage,geojson)
  --out DIR          where runs go (default out/beod): each run gets a folder of its
                     own (DIR/RUN), each scenario a folder in it
  --run NAME         the run's folder name (default: a new one from the time)
  --sandbox          run against the embedded sandbox even when credentials are set
  --sandbox-url URL  run against a sandbox that is already running
  -h, --help         this text

Credentials: BEOD_EMAIL and BEOD_PASSWORD in the environment.`;

const SCRIPT = { name: "beod_extract", help: HELP };
const usage = (message: string): never => exitWith(SCRIPT, message);
const values = parseCli(SCRIPT, {
  aoi: { type: "string" },
  crs: { type: "string", default: "3857" },
  formats: { type: "string", default: "shapefile,geopackage,geojson" },
  out: { type: "string", default: "out/beod" },
  run: { type: "string" },
  sandbox: { type: "boolean", default: false },
  "sandbox-url": { type: "string" },
});
const SOPHIA = "POLYGON (( 6.9526850935291 43.6127384923652, 6.94943181004093 43.6123795674845, " +
  "6.94656582220611 43.611370079773, 6.95060918882712 43.6056268939605, 6.95587640971274 43.605649329347, " +
  "6.95759600241363 43.6079825638504, 6.95877338119982 43.6099231178373, 6.95855649563394 43.6117963099847, " +
  "6.9526850935291 43.6127384923652 ))";
const crs = Number(values.crs);
if (crs !== 3857 && crs !== 4326) usage(`--crs "${values.crs}": use 3857 or 4326`);
runArgument(SCRIPT, values.run);
const aoi = values.aoi ? await aoiArgument(SCRIPT, "aoi", values.aoi) : parseAoi(SOPHIA);
const place = describePlace(aoi);
if (place.warning) console.error(`warning: --aoi: ${place.warning}`);

const email = Deno.env.get("BEOD_EMAIL"), password = Deno.env.get("BEOD_PASSWORD");
const sandboxUrl = values["sandbox-url"] === undefined
  ? undefined
  : await sandboxUrlArgument(SCRIPT, values["sandbox-url"]);
if (email && !password && !values.sandbox && !sandboxUrl) {
  usage("BEOD_EMAIL is set but BEOD_PASSWORD is not; set both, or pass --sandbox");
}
const sandbox = !sandboxUrl && (values.sandbox || !email) ? await embeddedSandbox() : undefined;
const beod: BrightEarth = sandbox || sandboxUrl
  ? connectBeod({ sandbox: sandboxUrl ?? sandbox!.url })
  : connectBeod({ email, password });
console.log(
  sandbox
    ? `Using the embedded sandbox at ${sandbox.url} (no BEOD_EMAIL set).`
    : "Using api.beod.luxcarta.cloud.",
);

try {
  const me = await beod.me();
  console.log(`User ${me.id}, ${me.credits} credits.`);
  const projectId = await beod.createProject("eojobs extraction");
  await beod.createAoi(projectId, aoi);
  const request: ScenarioRequest = {
    name: "eojobs extraction",
    source_image_type: "basemap",
    source_image_id: 1,
    augmented: false,
    output_crs: crs as 3857 | 4326,
    vector_formats: values.formats,
    raster_formats: "geotiff",
    three_d_formats: "3d_tiles",
    dl_models: [],
  };
  const scenario = await beod.createScenario(projectId, "extraction-mono", request);
  console.log(`Project ${projectId}, scenario ${scenario.id}, activity ${scenario.activityId}.`);
  const line = liveDisplay();
  let last;
  for await (const s of scenario.watch({ intervalMs: sandbox ? 300 : 5_000 })) {
    await line.update(`activity ${scenario.activityId}: ${s.raw} ${s.progress ?? 0}%`);
    last = s;
  }
  line.done();
  if (last?.raw !== "SUCCESSFUL") {
    throw new Error(`the scenario ended ${last?.raw}: ${last?.message ?? "no details"}`);
  }
  const run = await runFolder(values.out, { name: values.run });
  const dir = `${run.path}/scenario-${scenario.id}`;
  const files = await scenario.download(dir);
  console.log(`Downloaded ${files.length} file(s) to ${dir}.`);
  const zip = files.find((f) => f.path.endsWith(".zip"));
  if (zip) console.log(`Unzipped ${(await unzipTo(zip.path, dir)).length} files.`);
  const layers = [];
  for (const [name, color] of [["road", "#555"], ["tree", "#2a9d3a"], ["building", "#c0392b"]]) {
    const features = [];
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}/EXPORT/${name}/geojson/${name}.geojson`;
      if (entry.isDirectory) {
        features.push(...readFeatures(
          await Deno.readTextFile(path).catch(() => '{"type":"FeatureCollection","features":[]}'),
        ));
      }
    }
    layers.push({ name, color, features });
  }
  if (layers.some((l) => l.features.length)) {
    const figure = await mapFigure({ title: `Extraction ${scenario.id}`, aoi, layers });
    console.log(`Map: ${await figure.save(`${dir}/map.svg`)}`);
  } else console.log("No GeoJSON among the formats: add geojson to --formats for a map.");
} catch (error) {
  console.error(`beod_extract: ${(error as Error).message}`);
  Deno.exitCode = 1;
} finally {
  await sandbox?.close();
}
