import assert from "node:assert/strict";
import { apexBackend, connectApex } from "../../lib/platforms/apex/mod.ts";
import { type ApexTwin, apexTwin } from "../../lib/sandbox/apex/twin.ts";
import {
  exportTable,
  JobManager,
  JobTable,
  RunFolderLockedError,
  TableWriteError,
} from "../../lib/upscale/mod.ts";
import { parquetMetadata, parquetReadObjects } from "../deps/hyparquet.ts";
import { PV_TILE_REQUEST } from "../fixtures.ts";
import { sandbox, tempDir } from "../helpers.ts";

const python = "/usr/bin/python3";

function box(i: number) {
  return { west: 16 + i * 0.02, south: 48, east: 16.02 + i * 0.02, north: 48.02 };
}

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

/** Starts the upscaling script and resolves once it has printed `lines` lines. */
function startScript(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/upscale.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const seen: Array<{ lines: number; resolve: () => void }> = [];
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      out += chunk;
      const lines = out.split("\n").length;
      for (const s of seen) if (lines > s.lines) s.resolve();
    }
  })();
  return {
    printed(lines: number) {
      const { promise, resolve } = Promise.withResolvers<void>();
      seen.push({ lines, resolve });
      return promise;
    },
    async end() {
      const status = await child.status;
      await reading;
      return { code: status.code, out: out + await new Response(child.stderr).text() };
    },
  };
}

Deno.test("table: a second process on a run folder is refused in one line; the first loses nothing and no job is submitted twice; a read-only open and GDAL watch it live", async () => {
  await using sb = await sandbox({
    timeScale: 0.004,
    mounts: [apexTwin({ lifeCycle: { failShare: 0 } })],
  });
  await using dir = await tempDir();
  const args = [
    "--sandbox-url",
    sb.url,
    "--out",
    dir.path,
    "--run",
    "r1",
    "--poll-ms",
    "40",
    "--concurrency",
    "3",
    "--resume",
    "--no-mosaic",
    "--no-stac",
  ];
  const first = startScript(args);
  await first.printed(3);
  const second = await run(Deno.execPath(), ["run", "-A", "scripts/upscale.ts", ...args]);
  assert.equal(second.code, 1, second.out);
  const refusal = second.out.trim().split("\n").filter((l) => /in use/.test(l));
  assert.equal(refusal.length, 1, second.out);
  assert.match(
    refusal[0],
    /run folder .*r1 in use by process \d+ .*since \d\d:\d\d; open it read-only, or wait/,
  );

  const folder = `${dir.path}/r1`;
  const watcher = await JobTable.inFolder(folder, { readOnly: true });
  assert.equal(watcher.size, 12, "a read-only open sees every row while the run goes on");
  watcher.close();
  const live = await run("ogrinfo", ["-ro", "-so", `${folder}/jobs.gpkg`, "jobs"]);
  assert.equal(live.code, 0, live.out);
  assert.match(live.out, /Feature Count: 12/);

  const done = await first.end();
  assert.equal(done.code, 0, done.out);
  const table = await JobTable.inFolder(folder, { readOnly: true });
  assert.ok(table.rows().every((r) => r.phase === "done"), "the first run's writes all landed");
  table.close();
  const titles = [...sb.twin<ApexTwin>("/apex").store.jobs.values()].map((j) => j.title);
  assert.equal(titles.length, 12);
  assert.equal(new Set(titles).size, 12, "no job submitted twice");
});

Deno.test("table: in one process a manager that is not running is taken over; one that is running is not", async () => {
  await using sb = await sandbox({ timeScale: 0.002, mounts: [apexTwin({})] });
  await using dir = await tempDir();
  const backend = apexBackend(connectApex({ sandbox: sb.url }), {
    request: PV_TILE_REQUEST,
    dimension: "spatial_extent",
  });
  const items = [0, 1].map((i) => ({ key: `cell-${i}`, item: box(i) as unknown }));
  const old = await JobManager.open(items, { backend, dir: dir.path, pollIntervalMs: 20 });
  const again = await JobManager.open(items, { backend, dir: dir.path, pollIntervalMs: 20 });
  await assert.rejects(
    old.requeue({ phase: "failed" }).then(() => old.cancel("cell-0")),
    TableWriteError,
  );
  const running = again.run();
  await running.next();
  await assert.rejects(
    JobManager.open(items, { backend, dir: dir.path }),
    (e: Error) => e instanceof RunFolderLockedError && /a run in this process/.test(e.message),
  );
  for await (const _ of running);
  assert.equal(again.counts().done + again.counts().failed, 2);
});

Deno.test("table: the job table is a valid GeoPackage that GDAL and geopandas read, and its exports are CSV with WKT, GeoJSON and GeoParquet", async () => {
  await using sb = await sandbox({
    timeScale: 0.002,
    mounts: [apexTwin({ lifeCycle: { failShare: 0.3 } })],
  });
  await using dir = await tempDir();
  const backend = apexBackend(connectApex({ sandbox: sb.url }), {
    request: PV_TILE_REQUEST,
    dimension: "spatial_extent",
  });
  const manager = await JobManager.open(
    Array.from({ length: 6 }, (_, i) => ({ key: `cell-${i}`, item: box(i) as unknown })),
    { backend, dir: dir.path, pollIntervalMs: 20, retryDelayMs: 10, maxAttempts: 1 },
  );
  for await (const _ of manager.run());
  const gpkg = `${dir.path}/jobs.gpkg`;
  const valid = await run(python, [
    "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
    gpkg,
  ]);
  assert.equal(valid.code, 0, valid.out);
  const info = await run("ogrinfo", ["-ro", "-al", "-q", gpkg, "jobs"]);
  assert.match(info.out, /key \(String\) = cell-5/);
  assert.match(info.out, /phase \(String\) = (done|failed)/);
  assert.match(info.out, /POLYGON \(\(16\.1 48/);
  const failed = manager.table.rows().filter((r) => r.phase === "failed");

  const csv = await exportTable(manager.table, `${dir.path}/jobs.csv`);
  const geojson = await exportTable(manager.table, `${dir.path}/jobs.geojson`);
  const parquet = await exportTable(manager.table, `${dir.path}/jobs.parquet`);
  const fromCsv = await run("ogrinfo", [
    "-ro",
    "-al",
    "-so",
    "-oo",
    "GEOM_POSSIBLE_NAMES=wkt",
    "-oo",
    "KEEP_GEOM_COLUMNS=NO",
    csv,
  ]);
  assert.match(fromCsv.out, /Extent: \(16\.0+, 48\.0+\) - \(16\.12/);
  assert.match(fromCsv.out, /Feature Count: 6/);
  const fromJson = await run("ogrinfo", ["-ro", "-al", "-so", geojson]);
  assert.match(fromJson.out, /Feature Count: 6/);

  const bytes = await Deno.readFile(parquet);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const meta = parquetMetadata(file);
  const geo = JSON.parse(meta.key_value_metadata!.find((kv) => kv.key === "geo")!.value!);
  assert.equal(geo.version, "1.1.0");
  assert.equal(geo.columns.geometry.encoding, "WKB");
  assert.deepEqual(geo.columns.geometry.geometry_types, ["Polygon"]);
  const rows = await parquetReadObjects({ file });
  assert.equal(rows.length, 6);
  // hyparquet takes the file for GeoParquet by its `geo` metadata and decodes the WKB itself.
  const polygon = rows[5].geometry as { type: string; coordinates: number[][][] };
  assert.equal(polygon.type, "Polygon");
  assert.deepEqual(polygon.coordinates[0][0], [16.1, 48]);
  assert.equal(rows[5].key, "cell-5");
  assert.equal(rows.filter((r) => r.phase === "failed").length, failed.length);

  const py = await run(python, [
    "-c",
    `import sys\ntry:\n  import geopandas\nexcept ImportError:\n  print("no geopandas"); sys.exit(0)\n` +
    `g = geopandas.read_file(sys.argv[1], layer="jobs")\nprint(len(g), g.crs.to_epsg(), g.geometry.iloc[0].geom_type)`,
    gpkg,
  ]);
  assert.equal(py.code, 0, py.out);
  if (!py.out.includes("no geopandas")) assert.match(py.out, /^6 4326 Polygon/);
  manager.table.close();
});

Deno.test("table: items that JSON cannot hold are refused up front, naming the key", async () => {
  await using dir = await tempDir();
  const backend = {
    name: "none",
    submit: () => Promise.reject(new Error("not reached")),
    statuses: () => Promise.resolve(new Map()),
    findByTag: () => Promise.resolve(new Map()),
    results: () => Promise.resolve([]),
  };
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  for (const item of [{ n: 10n }, cycle]) {
    await assert.rejects(
      JobManager.open([{ key: "ok", item: {} }, { key: "tile-7", item }], {
        backend,
        dir: dir.path,
      }),
      /work item "tile-7": its item cannot be stored .*BigInt|work item "tile-7": its item cannot be stored .*circular/,
    );
  }
});
