/**
 * `deno run -A scripts/upscale.ts`: upscaling from a terminal. Splits an AOI into tiles and
 * runs one job per tile, either with the client-side job manager (default; resumable) or as one
 * APEx upscale task; downloads results and draws the status map and the mosaic.
 *
 * @module
 */
import "./permissions.ts";
import { apexFromCli } from "./apex_cli.ts";
import {
  aoiArgument,
  apiUrlArgument,
  parseCli,
  runArgument,
  sandboxUrlArgument,
  usage as exitWith,
  wholeNumber,
} from "./cli.ts";
import {
  apexBackend,
  type AreaGeometry,
  type BaseJobRequest,
  bboxOf,
  clientCredentials,
  describePlace,
  downloadFile,
  JobManager,
  kmGrid,
  liveDisplay,
  mapFigure,
  OidcSession,
  parseAoi,
  platformTiles,
  progressLine,
  projection,
  publishStac,
  RasterMosaic,
  readRaster,
  runFolder,
  RunStoppedError,
  summaryText,
  toWkt,
  writeRunData,
} from "../mod.ts";

const HELP = `Usage: npx --yes deno@2.9.6 run -A scripts/upscale.ts [options]

Runs PV farm detection over every tile of an area, with at most N jobs at a time.
Without credentials it runs against the embedded sandbox.

  --aoi AREA           the area: a GeoJSON or WKT file, or the text itself
                       (default: the tutorial's Vienna box)
  --grid G             20x20km (default) or 250x250km: the platform's grid;
                       km:SIZE or km:SIZE:EPSG:3035: true-km cells with stable ids
  --mode M             manager (default): client-side jobs, resumable with --resume;
                       task: one server-side APEx upscale task
  --concurrency N      jobs at once, manager mode (default 4); fewer when the
                       platform answers that your concurrent-job limit is reached
  --downloads N        downloads at once, manager mode (default 4)
  --attempts N         jobs per tile when the platform says a job failed (default 3)
  --cancel-after S     cancel a job that runs longer than S seconds (manager mode)
  --deadline S         stop after S seconds; --resume goes on later (manager mode)
  --out DIR            where runs go: each run gets its own folder DIR/RUN with
                       tiles, mosaic, STAC, job table and maps (default out/upscale)
  --run NAME           the run's folder name (default: a new one from the time);
                       a new run never writes into another run's folder
  --resume             continue a run (--run NAME, else the latest in --out),
                       after an interruption or to retry failed downloads (a new
                       run when there is none); the task mode follows its task
  --requeue WHAT       with --resume: run rows again: failed, canceled, or keys
                       (tile-003,tile-007); failed downloads download again
  --new-table          start a fresh job table in the run (the old one is kept)
  --merge              with --resume: take tiles that changed, run them again
  --no-mosaic          do not write the mosaic (mosaic.tif, a COG, and mosaic.vrt)
  --mosaic-crs CRS     the mosaic's CRS (default: the tiles' common one, else
                       the one most tiles share)
  --no-stac            do not write the STAC folder (stac/collection.json)
  --publish URL        publish the STAC collection to this STAC API
                       (Transactions extension); "sandbox" for the embedded one
  --store URL          upload asset files to this object store (HTTP PUT);
                       default for --publish sandbox: the sandbox's store
  --publish-token T    bearer token for the catalogue and store (or set
                       STAC_ACCESS_TOKEN); the sandbox signs in by itself
  --allow-failures     exit 0 even when tiles failed
  --yes                submit even when the area makes more than 500 tiles
  --poll-ms MS         status poll interval (default 2000; 300 on the sandbox)
  --sandbox            run against the embedded sandbox even when credentials are set
  --sandbox-url URL    run against a sandbox that is already running
  --token TOKEN        an APEx access token (or set APEX_ACCESS_TOKEN)
  --api-url URL        the APEx Dispatch API (default https://dispatch-api.apex.esa.int)
  --sign-in FLOW       sign in to the real service: browser or device
  -h, --help           this text`;

const SCRIPT = { name: "upscale", help: HELP };
const usage = (message: string): never => exitWith(SCRIPT, message);
const values = parseCli(SCRIPT, {
  aoi: { type: "string" },
  grid: { type: "string", default: "20x20km" },
  mode: { type: "string", default: "manager" },
  concurrency: { type: "string", default: "4" },
  downloads: { type: "string", default: "4" },
  attempts: { type: "string", default: "3" },
  "cancel-after": { type: "string" },
  deadline: { type: "string" },
  out: { type: "string", default: "out/upscale" },
  run: { type: "string" },
  "no-mosaic": { type: "boolean", default: false },
  "mosaic-crs": { type: "string" },
  "no-stac": { type: "boolean", default: false },
  publish: { type: "string" },
  store: { type: "string" },
  "publish-token": { type: "string" },
  resume: { type: "boolean", default: false },
  requeue: { type: "string" },
  "new-table": { type: "boolean", default: false },
  merge: { type: "boolean", default: false },
  "allow-failures": { type: "boolean", default: false },
  yes: { type: "boolean", default: false },
  "poll-ms": { type: "string" },
  sandbox: { type: "boolean", default: false },
  "sandbox-url": { type: "string" },
  "api-url": { type: "string" },
  token: { type: "string" },
  "sign-in": { type: "string" },
});
const positive = (name: string, text: string) => wholeNumber(SCRIPT, name, text);
const concurrency = positive("concurrency", values.concurrency);
const attempts = positive("attempts", values.attempts);
const downloads = positive("downloads", values.downloads);
const seconds = (name: string) =>
  values[name as "deadline"] === undefined
    ? undefined
    : positive(name, values[name as "deadline"]!) * 1000;
const cancelAfterMs = seconds("cancel-after");
const deadlineMs = seconds("deadline");
if (values.requeue !== undefined && !values.resume) usage("--requeue goes with --resume");
if (values.merge && !values.resume) usage("--merge goes with --resume");
if (values["new-table"] && values.resume) usage("--new-table and --resume exclude each other");
if (values.mode !== "manager" && values.mode !== "task") {
  usage(`--mode "${values.mode}": use manager or task`);
}
runArgument(SCRIPT, values.run);
if (values["mosaic-crs"] !== undefined) {
  try {
    projection(values["mosaic-crs"]);
  } catch (error) {
    usage(`--mosaic-crs ${(error as Error).message.replace(/^crs: /, "")}`);
  }
}
if (values.publish !== undefined && values["no-stac"]) {
  usage("--publish needs the STAC folder; drop --no-stac");
}
if (
  values.publish !== undefined && values.publish !== "sandbox" &&
  !/^https?:\/\//.test(values.publish)
) {
  usage(
    `--publish "${values.publish}": give the STAC API's URL (http:// or https://) or "sandbox"`,
  );
}
const flow = values["sign-in"];
if (flow && flow !== "browser" && flow !== "device") {
  usage(`--sign-in "${flow}": use browser or device`);
}

const VIENNA =
  "POLYGON ((16.14820803974601 48.3081456959695, 16.14820803974601 48.0326396134746, " +
  "16.70922281740272 48.0326396134746, 16.70922281740272 48.3081456959695, 16.14820803974601 48.3081456959695))";
const aoi: AreaGeometry = values.aoi
  ? await aoiArgument(SCRIPT, "aoi", values.aoi)
  : parseAoi(VIENNA);
const place = describePlace(aoi);
if (place.warning) console.error(`warning: --aoi: ${place.warning}`);
const sandboxUrlGiven = values["sandbox-url"] === undefined
  ? undefined
  : await sandboxUrlArgument(SCRIPT, values["sandbox-url"]);

let tiles: Array<{ key: string; geometry: AreaGeometry }> = [];
const grid = values.grid;
const km = grid.match(/^km:(\d+(?:\.\d+)?)(?::(EPSG:\d+))?$/);
try {
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
} catch (error) {
  usage(`--grid ${grid}: ${(error as Error).message}`);
}
if (tiles.length === 0) usage(`--aoi: the area covers no cell of the ${grid} grid; check the area`);
const MANY_TILES = 500;
if (tiles.length > MANY_TILES && !values.yes) {
  const question = `${tiles.length} tiles (${grid}) would each become a job. Submit them all?`;
  if (!Deno.stdin.isTerminal() || !confirm(question)) {
    usage(
      `the area makes ${tiles.length} tiles, more than ${MANY_TILES}; pass --yes to submit them ` +
        `all, or use a smaller --aoi or a coarser --grid`,
    );
  }
}

const apiUrl = apiUrlArgument(SCRIPT, values["api-url"]);
const run = await runFolder(values.out, {
  name: values.run,
  resume: values.resume || values["new-table"],
}).catch((
  error,
) => usage(`--run: ${error.message}; pass --resume to continue it, or choose another --run`));
// The embedded sandbox keeps its jobs in the run's folder, so that --resume finds them.
const { apex, embedded, sandboxUrl, where } = await apexFromCli({
  sandbox: values.sandbox,
  sandboxUrl: sandboxUrlGiven,
  token: values.token,
  signIn: flow,
  apiUrl,
  statePath: `${run.path}/sandbox.json`,
}).catch(async (error) => {
  await run.discard();
  console.error(`upscale: ${error.message}`);
  Deno.exit(1);
});
const pollMs = values["poll-ms"]
  ? positive("poll-ms", values["poll-ms"])
  : sandboxUrl
  ? 300
  : 2_000;
const out = run.path, runName = run.name;
console.log(
  `${tiles.length} tiles (${grid}) around ${place.text}; ${where}; results in ${out}`,
);

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

/** The mosaic, the STAC folder and, with --publish, the catalogue: the run as data. */
async function resultsAsData(
  done: Array<{ key: string; file?: string; jobId?: string; seconds?: number }>,
) {
  if (values["no-mosaic"] && values["no-stac"]) return;
  if (done.length === 0) {
    console.log("No tile finished: no mosaic and no STAC.");
    return;
  }
  const data = await writeRunData({
    folder: out,
    id: `pv-farms-${runName}`.toLowerCase(),
    title: `PV farm detection, run ${runName}`,
    description:
      `PV farm detection (eurac_pv_farm_detection) over ${place.text}, one item per ${grid} tile.`,
    interval: request.parameters.temporal_extent as [string, string],
    tiles: done.map((t) => ({
      key: t.key,
      path: `${out}/${t.file}`,
      jobId: t.jobId,
      jobUrl: t.jobId ? String(apex.http.url(`unit_jobs/${t.jobId}`)) : undefined,
      platform: "APEx Dispatch API",
      durationSeconds: t.seconds,
    })),
    mosaic: values["no-mosaic"] ? false : { crs: values["mosaic-crs"] },
    stac: !values["no-stac"],
    providers: [
      { name: "Eurac Research", roles: ["producer", "licensor"], url: "https://www.eurac.edu" },
      { name: "ESA APEx", roles: ["processor", "host"], url: "https://apex.esa.int" },
    ],
    keywords: ["photovoltaic", "PV farms", "Sentinel-2", "openEO"],
    synthetic: embedded !== undefined || sandboxUrl !== undefined,
  });
  for (const note of data.notes) console.log(`Note: ${note}`);
  for (const s of data.skipped) console.log(`  skipped ${s.key}: ${s.reason}`);
  if (data.mosaic) {
    const m = data.mosaic;
    console.log(
      `Mosaic:     ${m.path} (COG, ${m.crs}, ${m.width} x ${m.height} px of ${m.resolution} ${
        projection(m.crs).geographic ? "°" : "m"
      }, ${m.tiles.length} tiles)${m.vrt ? `, ${m.vrt}` : ""}`,
    );
  }
  if (data.collection) console.log(`STAC:       ${data.collection} (${data.items} items)`);
  if (values.publish === undefined || !data.collection) return;
  const toSandbox = values.publish === "sandbox";
  if (toSandbox && !sandboxUrl) {
    usage("--publish sandbox needs the sandbox (no credentials, --sandbox or --sandbox-url)");
  }
  const catalog = toSandbox ? `${sandboxUrl}/stac/` : values.publish;
  const storeUrl = values.store ?? (toSandbox ? `${sandboxUrl}/store/` : undefined);
  const token = values["publish-token"] ?? Deno.env.get("STAC_ACCESS_TOKEN");
  const auth = token ?? (toSandbox
    ? new OidcSession({
      issuer: `${sandboxUrl}/auth/realms/apex`,
      clientId: "apex-catalogue-publisher",
      clientSecret: "sandbox-publisher",
      signIn: clientCredentials(),
      cache: false,
    })
    : usage("--publish: give --publish-token or set STAC_ACCESS_TOKEN"));
  const published = await publishStac(data.collection, {
    catalog,
    auth,
    store: storeUrl ? { url: storeUrl, auth } : undefined,
    signal: controller.signal,
  });
  console.log(
    `Published:  ${published.url} (collection ${published.collection}; items: ${published.items.created} created, ${published.items.updated} updated; ${published.uploaded} files uploaded)`,
  );
}

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
    reason?: string;
    seconds?: number;
    attempts?: number;
    file?: string;
  }
> = [];
try {
  if (values.mode === "manager") {
    const manager = await JobManager.open(
      tiles.map((t) => ({ key: t.key, item: t.geometry as unknown })),
      {
        backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
        dir: out,
        concurrency,
        downloadConcurrency: downloads,
        maxAttempts: attempts,
        pollIntervalMs: pollMs,
        retryDelayMs: sandboxUrl ? 200 : 5_000,
        cancelAfterMs,
        deadlineMs,
        mode: values["new-table"] ? "new" : values.merge ? "merge" : "resume",
      },
    );
    if (manager.previousTable) {
      console.log(`The old job table was kept as ${manager.previousTable}.`);
    }
    if (manager.changedKeys.length > 0) {
      console.log(
        `${manager.changedKeys.length} tile(s) changed and run again: ${
          manager.changedKeys.join(", ")
        }`,
      );
    }
    if (values.requeue !== undefined) {
      const what = values.requeue;
      const keys = what === "failed" || what === "canceled" ? undefined : what.split(",");
      const requeued = await manager.requeue(
        keys ? { keys } : { phase: what as "failed" | "canceled" },
      ).catch((error) => usage(`--requeue ${what}: ${error.message}`));
      console.log(`Requeued ${requeued.length} tile(s).`);
    }
    for await (const event of manager.run(controller.signal)) {
      if (event.kind === "platform") {
        line.done();
        console.log(event.message);
      }
      await line.update(
        progressLine(event.counts, event.total, event.etaMs, { unreachable: event.unreachable }),
      );
      if (event.kind === "end") {
        line.done();
        console.log(summaryText(event.summary));
      }
    }
    finalTiles = manager.table.rows().map((r) => ({
      key: r.key,
      jobId: r.attempts.at(-1)?.jobId,
      geometry: r.item as AreaGeometry,
      status: r.phase === "done"
        ? "finished"
        : r.phase === "failed"
        ? "failed"
        : r.phase === "canceled"
        ? "canceled"
        : "running",
      label: `${r.key}: ${r.phase}${
        r.attempts.length > 1 ? ` after ${r.attempts.length} jobs` : ""
      }${r.phase === "failed" ? ` (${r.reason ?? r.error})` : ""}`,
      reason: r.phase === "failed" ? r.reason ?? r.error : undefined,
      seconds: r.durationMs === undefined ? undefined : Math.round(r.durationMs / 100) / 10,
      attempts: r.attempts.length,
      file: r.files?.find((f) => f.endsWith(".tif")),
    }));
  } else {
    // The task's id is written before anything else, so a re-run with --resume follows the same
    // task instead of submitting a second one.
    const taskFile = `${out}/task.json`;
    const platform = apex.http.baseUrl.href;
    const previous = await Deno.readTextFile(taskFile).then(
      (t) => JSON.parse(t) as { id: number; platform?: string },
      () => undefined,
    );
    let known: number | undefined;
    if (previous) {
      const same = previous.platform === platform;
      if (values.resume && same) known = previous.id;
      else if (values.resume) {
        usage(
          `--resume: ${taskFile} holds task ${previous.id} of ${
            previous.platform ?? "another platform"
          }, not of ${platform}; pass --new-table to start afresh`,
        );
      } else if (values["new-table"] || embedded) {
        // An embedded sandbox is new at every run: its old task cannot be followed.
        const kept = `${taskFile}.${Date.now()}`;
        await Deno.rename(taskFile, kept);
        console.log(`${taskFile} held task ${previous.id} of an earlier run; kept as ${kept}.`);
      } else {
        usage(
          `${out} already holds task ${previous.id}; pass --resume to follow it, ` +
            `--new-table to start afresh, or choose another --run`,
        );
      }
    }
    const task = known !== undefined ? apex.upscaleTask(known) : await apex.submitUpscaleTask({
      ...request,
      dimension: { name: "spatial_extent", values: tiles.map((t) => t.geometry) },
    });
    if (known === undefined) {
      await Deno.writeTextFile(taskFile, JSON.stringify({ id: task.id, platform }));
      console.log(`Upscale task ${task.id} submitted.`);
    } else console.log(`Following upscale task ${task.id} again.`);
    const files = new Map<number, string>();
    const started = Date.now();
    let last;
    for await (
      const u of task.watch({
        socketIntervalSeconds: sandboxUrl ? 1 : 10,
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
        await downloadFile(asset.href, `${out}/${file}`, {
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
            failed: u.counts.failed,
            canceled: u.counts.canceled,
          },
          tiles.length,
          eta,
        ) +
          ` (task ${task.id}: ${u.raw})`,
      );
      last = u;
    }
    line.done();
    const jobs = last?.task.jobs ?? [];
    const reasons = await Promise.all(
      jobs.map((job) =>
        job.status === "failed" ? apex.unitJob(job.id).failureReason(controller.signal) : undefined
      ),
    );
    finalTiles = jobs.map((job, i) => ({
      geometry: tiles[i].geometry,
      status: job.status,
      label: `${tiles[i].key}: job ${job.id} ${job.status}${reasons[i] ? ` (${reasons[i]})` : ""}`,
      reason: reasons[i],
      file: files.get(job.id),
      key: tiles[i].key,
      jobId: String(job.id),
    }));
    for (const t of finalTiles.filter((t) => t.status === "failed")) {
      console.log(
        `  ${t.key}: job ${t.jobId} failed: ${t.reason ?? "the platform gives no reason"}`,
      );
    }
  }
  // One figure at a time, saved and let go, so their DOMs never add up.
  const statusFile = await (await mapFigure({ title: "Tile status", aoi, tiles: finalTiles }))
    .save(`${out}/status.svg`);
  // One mosaic grid, filled a tile at a time: memory stays flat however many tiles there are.
  const withFiles = finalTiles.filter((t) => t.file);
  const mosaicGrid = new RasterMosaic(bboxOf(aoi), { maxSide: 1600 });
  const tileSide = Math.max(16, Math.min(300, Math.ceil(3200 / Math.sqrt(withFiles.length || 1))));
  for (const t of withFiles) {
    mosaicGrid.add(await readRaster(`${out}/${t.file}`, { maxSide: tileSide }));
  }
  const mosaic = await mapFigure({
    title: "PV farm mosaic",
    aoi,
    tiles: finalTiles,
    rasters: mosaicGrid.count > 0 ? [mosaicGrid.raster()] : [],
    rasterLabel: "PV farm detected (mask)",
  });
  console.log(`Status map: ${statusFile}`);
  console.log(
    `Mosaic map: ${await mosaic.save(`${out}/mosaic.svg`)}, ${await mosaic.save(
      `${out}/mosaic.html`,
    )}`,
  );
  const cell = (v: unknown) => {
    const text = v === undefined ? "" : String(v);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  // A WKT column, so that QGIS, GDAL and geopandas read the table as a layer of tiles.
  const csv = ["tile,job_id,status,reason,seconds,attempts,file,west,south,east,north,wkt"].concat(
    finalTiles.map((t) =>
      [
        t.key,
        t.jobId,
        t.status,
        t.reason,
        t.seconds,
        t.attempts,
        t.file,
        ...bboxOf(t.geometry),
        toWkt(t.geometry),
      ].map(cell).join(",")
    ),
  ).join("\n") + "\n";
  await Deno.writeTextFile(`${out}/jobs.csv`, csv);
  console.log(
    `Job table:  ${out}/jobs.csv${
      values.mode === "manager" ? `, ${out}/jobs.gpkg (GeoPackage)` : ""
    }`,
  );
  await resultsAsData(withFiles);
  const failed = finalTiles.filter((t) => t.status === "failed").length;
  console.log(`${finalTiles.length - failed} tiles finished, ${failed} failed.`);
  if (failed > 0 && !values["allow-failures"]) {
    console.log(
      `Exit code 1: ${failed} tile(s) failed (--allow-failures to exit 0; ` +
        (values.mode === "manager"
          ? `--resume --requeue failed to run them again).`
          : `see the reasons above).`),
    );
    Deno.exitCode = 1;
  }
} catch (error) {
  line.done();
  // A run that never reached the platform has nothing to resume: its folder goes too.
  if (error instanceof RunStoppedError && error.reason === "unreachable") await run.discard();
  console.error(`upscale: ${(error as Error).message}`);
  Deno.exitCode = 1;
} finally {
  await embedded?.close();
}
