/**
 * `deno run -A scripts/upscale.ts`: upscaling from a terminal. Splits an AOI into tiles and
 * runs one job per tile, either with the client-side job manager (default; resumable) or as one
 * APEx upscale task; downloads results and draws the status map and the mosaic.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { apexFromCli } from "./apex_cli.ts";
import {
  apexBackend,
  type AreaGeometry,
  type BaseJobRequest,
  bboxOf,
  downloadFile,
  JobManager,
  kmGrid,
  liveDisplay,
  mapFigure,
  parseAoi,
  platformTiles,
  progressLine,
  readRaster,
} from "../mod.ts";

const HELP = `Usage: deno run -A scripts/upscale.ts [options]

Runs PV farm detection over every tile of an area, with at most N jobs at a time.
Without credentials it runs against the embedded sandbox.

  --aoi FILE           the area: GeoJSON or WKT (default: the tutorial's Vienna box)
  --grid G             20x20km (default) or 250x250km: the platform's grid;
                       km:SIZE or km:SIZE:EPSG:3035: true-km cells with stable ids
  --mode M             manager (default): client-side jobs, resumable with --resume;
                       task: one server-side APEx upscale task
  --concurrency N      jobs at once, manager mode (default 4)
  --attempts N         attempts per tile, manager mode (default 3)
  --out DIR            run folder: job table, results, maps (default out/upscale)
  --resume             continue the run in --out after an interruption
  --poll-ms MS         status poll interval (default 2000; 300 on the sandbox)
  --sandbox            run against the embedded sandbox even when credentials are set
  --sandbox-url URL    run against a sandbox that is already running
  --token TOKEN        an APEx access token (or set APEX_ACCESS_TOKEN)
  --sign-in FLOW       sign in to the real service: browser or device
  -h, --help           this text`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    aoi: { type: "string" },
    grid: { type: "string", default: "20x20km" },
    mode: { type: "string", default: "manager" },
    concurrency: { type: "string", default: "4" },
    attempts: { type: "string", default: "3" },
    out: { type: "string", default: "out/upscale" },
    resume: { type: "boolean", default: false },
    "poll-ms": { type: "string" },
    sandbox: { type: "boolean", default: false },
    "sandbox-url": { type: "string" },
    token: { type: "string" },
    "sign-in": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
function usage(message: string): never {
  console.error(`upscale: ${message}\nRun with --help for the options.`);
  Deno.exit(2);
}
const positive = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} "${text}": give a whole number of 1 or more`);
  return n;
};
const concurrency = positive("concurrency", values.concurrency);
const attempts = positive("attempts", values.attempts);
if (values.mode !== "manager" && values.mode !== "task") {
  usage(`--mode "${values.mode}": use manager or task`);
}
const flow = values["sign-in"];
if (flow && flow !== "browser" && flow !== "device") {
  usage(`--sign-in "${flow}": use browser or device`);
}

const VIENNA =
  "POLYGON ((16.14820803974601 48.3081456959695, 16.14820803974601 48.0326396134746, " +
  "16.70922281740272 48.0326396134746, 16.70922281740272 48.3081456959695, 16.14820803974601 48.3081456959695))";
let aoi: AreaGeometry;
try {
  aoi = parseAoi(values.aoi ? await Deno.readTextFile(values.aoi) : VIENNA);
} catch (error) {
  usage(`--aoi ${values.aoi ?? "(default)"}: ${(error as Error).message}`);
}

let tiles: Array<{ key: string; geometry: AreaGeometry }>;
const grid = values.grid;
const km = grid.match(/^km:(\d+(?:\.\d+)?)(?::(EPSG:\d+))?$/);
if (grid === "20x20km" || grid === "250x250km") {
  tiles = platformTiles(aoi, { grid }).map((geometry, i) => ({
    key: `tile-${String(i + 1).padStart(3, "0")}`,
    geometry,
  }));
} else if (km) {
  tiles = kmGrid(aoi, { sizeKm: Number(km[1]), crs: km[2] ?? "utm" }).map((t) => ({
    key: t.id,
    geometry: t.geometry,
  }));
} else usage(`--grid "${grid}": use 20x20km, 250x250km, km:20 or km:20:EPSG:3035`);

const { apex, embedded, sandboxUrl, where } = await apexFromCli({
  sandbox: values.sandbox,
  sandboxUrl: values["sandbox-url"],
  token: values.token,
  signIn: flow,
});
const pollMs = values["poll-ms"]
  ? positive("poll-ms", values["poll-ms"])
  : sandboxUrl
  ? 300
  : 2_000;
console.log(`${tiles.length} tiles (${grid}); ${where}; results in ${values.out}`);

const request: BaseJobRequest = {
  title: "PV farm detection",
  label: "openeo",
  service: {
    endpoint: "https://openeofed.dataspace.copernicus.eu",
    application:
      "https://raw.githubusercontent.com/ESA-APEx/apex_algorithms/refs/heads/main/algorithm_catalog/eurac/eurac_pv_farm_detection/openeo_udp/eurac_pv_farm_detection.json",
  },
  format: "gtiff",
  parameters: { temporal_extent: ["2023-05-01", "2023-09-30"] },
};

const controller = new AbortController();
Deno.addSignalListener(
  "SIGINT",
  () => controller.abort(new Error("interrupted; run again with --resume to go on")),
);
const line = liveDisplay();
let finalTiles: Array<
  {
    key: string;
    jobId?: string;
    geometry: AreaGeometry;
    status: string;
    label: string;
    file?: string;
  }
> = [];
try {
  if (values.mode === "manager") {
    const tablePath = `${values.out}/jobs.jsonl`;
    const exists = await Deno.stat(tablePath).then(() => true, () => false);
    if (exists && !values.resume) {
      usage(
        `${values.out} already holds a run; pass --resume to continue it, or choose another --out`,
      );
    }
    const manager = await JobManager.open(
      tiles.map((t) => ({ key: t.key, item: t.geometry as unknown })),
      {
        backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
        dir: values.out,
        concurrency,
        maxAttempts: attempts,
        pollIntervalMs: pollMs,
        retryDelayMs: sandboxUrl ? 200 : 5_000,
      },
    );
    for await (const event of manager.run(controller.signal)) {
      await line.update(progressLine(event.counts, event.total, event.etaMs));
    }
    line.done();
    const { JobTable } = await import("../lib/upscale/table.ts");
    const table = await JobTable.open(tablePath);
    finalTiles = table.rows().map((r) => ({
      key: r.key,
      jobId: r.attempts.at(-1)?.jobId,
      geometry: r.item as AreaGeometry,
      status: r.phase === "done" ? "finished" : r.phase === "failed" ? "failed" : "running",
      label: `${r.key}: ${r.phase}${
        r.attempts.length > 1 ? ` after ${r.attempts.length} attempts` : ""
      }`,
      file: r.files?.find((f) => f.endsWith(".tif")),
    }));
    table.close();
  } else {
    const task = await apex.submitUpscaleTask({
      ...request,
      dimension: { name: "spatial_extent", values: tiles.map((t) => t.geometry) },
    });
    console.log(`Upscale task ${task.id} submitted.`);
    const files = new Map<number, string>();
    const started = Date.now();
    let last;
    for await (
      const u of task.watch({
        socketIntervalSeconds: sandboxUrl ? 0.3 : 10,
        signal: controller.signal,
      })
    ) {
      // Results are fetched as each job finishes, as the tutorial's map shows them.
      for (
        const { job } of u.changed.filter((c) =>
          c.job.status === "finished" && !files.has(c.job.id)
        )
      ) {
        const i = u.task.jobs.indexOf(job);
        const asset = (await apex.unitJob(job.id).assets(controller.signal))["openEO.tif"];
        const file = `${tiles[i].key}/openEO.tif`;
        await downloadFile(asset.href, `${values.out}/${file}`, {
          size: asset["file:size"] as number,
          signal: controller.signal,
        });
        files.set(job.id, file);
      }
      const done = u.counts.succeeded + u.counts.failed + u.counts.canceled;
      const eta = done > 0 && done < tiles.length
        ? ((Date.now() - started) / done) * (tiles.length - done)
        : undefined;
      await line.update(
        progressLine(
          {
            pending: u.counts.queued,
            submitting: 0,
            active: u.counts.running,
            downloading: 0,
            done: u.counts.succeeded,
            failed: u.counts.failed + u.counts.canceled,
          },
          tiles.length,
          eta,
        ) +
          ` (task ${task.id}: ${u.raw})`,
      );
      last = u;
    }
    line.done();
    finalTiles = (last?.task.jobs ?? []).map((job, i) => ({
      geometry: tiles[i].geometry,
      status: job.status,
      label: `${tiles[i].key}: job ${job.id} ${job.status}`,
      file: files.get(job.id),
      key: tiles[i].key,
      jobId: String(job.id),
    }));
  }
  const status = await mapFigure({ title: "Tile status", aoi, tiles: finalTiles });
  const rasters = await Promise.all(
    finalTiles.filter((t) => t.file).map((t) =>
      readRaster(`${values.out}/${t.file}`, { maxSide: 300 })
    ),
  );
  const mosaic = await mapFigure({ title: "PV farm mosaic", aoi, tiles: finalTiles, rasters });
  console.log(`Status map: ${await status.save(`${values.out}/status.svg`)}`);
  console.log(
    `Mosaic:     ${await mosaic.save(`${values.out}/mosaic.svg`)}, ${await mosaic.save(
      `${values.out}/mosaic.html`,
    )}`,
  );
  const csv = ["tile,job_id,status,file,west,south,east,north"].concat(
    finalTiles.map((t) =>
      [t.key, t.jobId ?? "", t.status, t.file ?? "", ...bboxOf(t.geometry)].join(",")
    ),
  ).join("\n") + "\n";
  await Deno.writeTextFile(`${values.out}/jobs.csv`, csv);
  console.log(
    `Job table:  ${values.out}/jobs.csv${
      values.mode === "manager" ? `, ${values.out}/jobs.jsonl` : ""
    }`,
  );
  const failed = finalTiles.filter((t) => t.status === "failed").length;
  console.log(`${finalTiles.length - failed} tiles finished, ${failed} failed.`);
} catch (error) {
  line.done();
  console.error(`upscale: ${(error as Error).message}`);
  Deno.exitCode = 1;
} finally {
  await embedded?.close();
}
