/**
 * `deno run -A scripts/apex_job.ts`: the first-unit-job tutorial from a terminal. Submits one
 * job to the APEx Dispatch API, follows it, downloads its result and draws it.
 *
 * @module
 */
import "./permissions.ts";
import { apexFromCli } from "./apex_cli.ts";
import {
  apiUrlArgument,
  parseCli,
  runArgument,
  sandboxUrlArgument,
  usage as exitWith,
} from "./cli.ts";
import {
  type BaseJobRequest,
  describePlace,
  downloadFile,
  liveDisplay,
  lonLatBBox,
  mapFigure,
  pathInside,
  readRaster,
  runFolder,
} from "../mod.ts";

const HELP = `Usage: npx --yes deno@2.9.6 run -A scripts/apex_job.ts [options]

Submits one processing job to the APEx Dispatch API, watches it, downloads the result and
draws it. Without credentials it runs against the embedded sandbox.

  --sandbox            run against the embedded sandbox even when credentials are set
  --sandbox-url URL    run against a sandbox that is already running
  --token TOKEN        an APEx access token (or set APEX_ACCESS_TOKEN)
  --api-url URL        the APEx Dispatch API (default https://dispatch-api.apex.esa.int)
  --sign-in FLOW       sign in to the real service: browser or device
  --bbox W,S,E,N       area (default 12,41,13,42, the tutorial's)
  --format F           gtiff (default) or geojson
  --out DIR            where runs go (default out/apex_job): each run gets a
                       folder of its own, DIR/RUN
  --run NAME           the run's folder name (default: a new one from the time)
  -h, --help           this text`;

const SCRIPT = { name: "apex_job", help: HELP };
const usage = (message: string): never => exitWith(SCRIPT, message);
const values = parseCli(SCRIPT, {
  sandbox: { type: "boolean", default: false },
  "sandbox-url": { type: "string" },
  "api-url": { type: "string" },
  token: { type: "string" },
  "sign-in": { type: "string" },
  bbox: { type: "string", default: "12,41,13,42" },
  format: { type: "string", default: "gtiff" },
  out: { type: "string", default: "out/apex_job" },
  run: { type: "string" },
});
runArgument(SCRIPT, values.run);
const bbox = values.bbox.split(",").map(Number);
if (
  bbox.length !== 4 || bbox.some((v) => !Number.isFinite(v)) || bbox[0] >= bbox[2] ||
  bbox[1] >= bbox[3]
) {
  usage(
    `--bbox "${values.bbox}": give west,south,east,north in degrees, west < east and south < north`,
  );
}
if (bbox[0] < -180 || bbox[2] > 180 || bbox[1] < -90 || bbox[3] > 90) {
  usage(
    `--bbox "${values.bbox}": longitudes go from -180 to 180 and latitudes from -90 to 90`,
  );
}
const [w0, s0, e0, n0] = bbox;
const place = describePlace({
  type: "Polygon",
  coordinates: [[[w0, s0], [e0, s0], [e0, n0], [w0, n0], [w0, s0]]],
});
if (place.warning) console.error(`warning: --bbox: ${place.warning}`);
if (values.format !== "gtiff" && values.format !== "geojson") {
  usage(`--format "${values.format}": use gtiff or geojson`);
}
const flow = values["sign-in"];
if (flow && flow !== "browser" && flow !== "device") {
  usage(`--sign-in "${flow}": use browser or device`);
}

const { apex, embedded: sandbox, where } = await apexFromCli({
  sandbox: values.sandbox,
  sandboxUrl: values["sandbox-url"] === undefined
    ? undefined
    : await sandboxUrlArgument(SCRIPT, values["sandbox-url"]),
  token: values.token,
  signIn: flow,
  apiUrl: apiUrlArgument(SCRIPT, values["api-url"]),
});
console.log(`Using ${where}.`);

try {
  const request: BaseJobRequest = {
    title: "Vegetation index",
    label: "ogc_api_process",
    service: {
      endpoint: "https://processes.example.test",
      application: "/processes/vegetation-index",
      namespace: "apex",
    },
    parameters: { bbox, resolution: 10, bands: ["B04", "B08"] },
    format: values.format as "gtiff" | "geojson",
  };
  const job = await apex.submitUnitJob(request);
  console.log(`Submitted job ${job.id}.`);
  const line = liveDisplay();
  for await (const s of job.watch({ intervalMs: 500, maxIntervalMs: 5_000 })) {
    await line.update(`job ${job.id}: ${s.raw}`);
  }
  line.done();
  const collection = await job.results();
  const { path: out } = await runFolder(values.out, { name: values.run });
  for (const [name, asset] of Object.entries(collection.assets ?? {})) {
    const saved = await downloadFile(asset.href, pathInside(out, name, "STAC asset key"), {
      size: asset["file:size"] as number | undefined,
    });
    console.log(`Downloaded ${saved.path} (${saved.bytes} bytes).`);
    if (name.endsWith(".tif")) {
      const raster = await readRaster(saved.path, { maxSide: 800 });
      const [w, s, e, n] = lonLatBBox(raster);
      const figure = await mapFigure({
        title: `${request.title}: job ${job.id}`,
        rasters: [raster],
        aoi: { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
      });
      console.log(
        `Map: ${await figure.save(`${out}/map.svg`)}, ${await figure.save(
          `${out}/map.html`,
        )}`,
      );
    }
  }
} catch (error) {
  console.error(`apex_job: ${(error as Error).message}`);
  Deno.exitCode = 1;
} finally {
  await sandbox?.close();
}
