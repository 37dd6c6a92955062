import assert from "node:assert/strict";
import {
  ApexRequestError,
  connectApex,
  type UpscalingTaskRequest,
} from "../../lib/platforms/apex/mod.ts";
import type { ApexTwin } from "../../lib/sandbox/apex/twin.ts";
import type { HttpError } from "../../lib/http/errors.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { pvAt } from "../../lib/sandbox/files/pv_farms.ts";
import { downloadFile } from "../../lib/download/download.ts";
import { readRaster, valueAt } from "../../lib/plot/raster.ts";
import { projection } from "../../lib/geo/projection.ts";
import { countingFetch, sandbox, tempDir } from "../helpers.ts";
import { PV_UDP as PV, VIENNA } from "../fixtures.ts";

const SERVICE = { endpoint: "https://openeofed.dataspace.copernicus.eu", application: PV };
const JOB = {
  title: "PV farms",
  label: "openeo" as const,
  service: SERVICE,
  format: "gtiff" as const,
  parameters: {
    spatial_extent: { west: 16.342, south: 47.962, east: 16.414, north: 48.008 },
    temporal_extent: ["2023-05-01", "2023-09-30"],
  },
};

async function raw(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body) headers.set("content-type", "application/json");
  const r = await fetch(url, { ...init, headers });
  return { status: r.status, headers: r.headers, body: await r.json() };
}

Deno.test("apex: a unit job from submission to a downloaded, readable GeoTIFF", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const apex = connectApex({ sandbox: sb.url, clock });
  assert.deepEqual(await apex.health(), { status: "ok", database: { status: "ok" } });
  const job = await apex.submitUnitJob(JOB);
  assert.equal(job.submitted?.status, "created");
  assert.equal(job.submitted?.service.namespace, null, "optional fields are present as null");
  const first = await apex.getUnitJob(job.id);
  assert.match(first.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/, "naive UTC, no offset");
  await assert.rejects(
    job.results(),
    /unit job \d+ is created; its results exist once it is finished/,
  );

  const seen: string[] = [];
  for await (
    const s of job.watch({
      intervalMs: 1,
      sleep: () => Promise.resolve(clock.advance(20_000)),
    })
  ) seen.push(s.raw);
  assert.deepEqual(seen.slice(0, 3), ["created", "queued", "running"]);
  assert.ok(["finished", "failed"].includes(seen[3]) && seen.length === 4, seen.join());
  if (seen[3] === "failed") return;
  const collection = await job.results();
  assert.equal(collection.type, "Collection");
  assert.equal(collection.stac_version, "1.0.0");
  const asset = collection.assets!["openEO.tif"];
  assert.ok(asset.href.startsWith(sb.url));
  const saved = await downloadFile(asset.href, `${dir.path}/openEO.tif`, {
    size: asset["file:size"] as number,
  });
  const raster = await readRaster(saved.path);
  // openEO delivers Sentinel-2 based results in the UTM zone of the area, not in lon/lat.
  assert.equal(raster.crs, "EPSG:32633");
  const utm = projection("EPSG:32633");
  for (const corner of [[16.342, 47.962], [16.414, 48.008]] as [number, number][]) {
    const [x, y] = utm.forward(corner);
    assert.ok(
      x >= raster.bbox[0] && x <= raster.bbox[2] && y >= raster.bbox[1] && y <= raster.bbox[3],
    );
  }
  let checked = 0, wrong = 0;
  for (let lon = 16.343; lon < 16.414; lon += 0.0007) {
    for (let lat = 47.963; lat < 48.008; lat += 0.0007) {
      const v = valueAt(raster, lon, lat);
      const [x, y] = utm.forward([lon, lat]);
      const cx = raster.bbox[0] +
        (Math.floor((x - raster.bbox[0]) / raster.resolution[0]) + 0.5) * raster.resolution[0];
      const cy = raster.bbox[3] -
        (Math.floor((raster.bbox[3] - y) / raster.resolution[1]) + 0.5) * raster.resolution[1];
      if (v !== pvAt(...utm.inverse([cx, cy]))) wrong++;
      checked++;
    }
  }
  assert.ok(
    wrong <= checked / 500,
    `${wrong} of ${checked} pixels differ from the farms below them`,
  );
  assert.ok(checked > 1000);
  const overview = await readRaster(asset.href, { maxSide: 100 });
  assert.ok(overview.level > 0 && overview.width < raster.width, "a URL read takes an overview");
  await job.delete();
  await assert.rejects(
    apex.getUnitJob(job.id),
    (e: HttpError) => e.status === 404 && e.code === "JOB_NOT_FOUND",
  );
});

Deno.test("apex: 401 shapes, ownership 404s, 422 envelopes and the correlation id", async () => {
  await using sb = await sandbox();
  const base = `${sb.url}/apex`;
  const none = await raw(`${base}/unit_jobs/1`);
  assert.equal(none.status, 401);
  assert.deepEqual(none.body, { detail: "Not authenticated" });
  assert.equal(none.headers.get("www-authenticate"), "Bearer");
  const bad = await raw(`${base}/unit_jobs/1`, {
    token: "not-a-jwt",
    headers: { "x-correlation-id": "abc-123" },
  });
  assert.equal(bad.status, 401);
  assert.deepEqual(bad.body, {
    status: "error",
    error_code: "AUTHENTICATION_FAILED",
    message: "Could not validate credentials. Please retry signing in.",
    details: null,
    request_id: "abc-123",
  });
  assert.equal(bad.headers.get("x-correlation-id"), "abc-123");

  const demo = connectApex({ sandbox: sb.url });
  const alice = connectApex({
    sandbox: sb.url,
    signIn: (await import("../../lib/auth/grants.ts")).password({
      username: "alice",
      password: "alice",
    }),
  });
  const job = await demo.submitUnitJob(JOB);
  await assert.rejects(
    alice.getUnitJob(job.id),
    (e: HttpError) => e.status === 404 && e.code === "JOB_NOT_FOUND",
  );
  await assert.rejects(
    alice.getUpscaleTask(99),
    (e: HttpError) => e.status === 404 && e.code === "TASK_NOT_FOUND",
  );
  const token = await demo.session!.getToken();
  const notInt = await raw(`${base}/unit_jobs/abc`, { token });
  assert.equal(notInt.status, 422);
  assert.equal(notInt.body.error_code, "VALIDATION_ERROR");
  assert.equal(notInt.body.message, "Request validation failed.");
  assert.deepEqual(notInt.body.details.errors[0].loc, ["path", "job_id"]);
  const missing = await raw(`${base}/unit_jobs`, {
    method: "POST",
    token,
    body: JSON.stringify({ title: "x", format: "tif" }),
  });
  assert.equal(missing.status, 422);
  const locs = missing.body.details.errors.map((e: { loc: string[] }) => e.loc.join("."));
  assert.deepEqual(locs, ["body.label", "body.service", "body.parameters", "body.format"]);
  assert.equal(
    missing.body.details.errors[3].msg,
    "Input should be 'geojson', 'gtiff', 'netcdf' or 'json'",
  );
  const grid = await raw(`${base}/tiles`, {
    method: "POST",
    body: JSON.stringify({ aoi: VIENNA, grid: "1x1km" }),
  });
  assert.equal(grid.status, 422);
  assert.equal(grid.body.details.errors[0].msg, "Input should be '20x20km' or '250x250km'");
  const open = await raw(`${base}/tiles`, {
    method: "POST",
    body: JSON.stringify({
      aoi: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] },
      grid: "20x20km",
    }),
  });
  assert.match(open.body.details.errors[0].msg, /same start and end/);
  const unknown = await raw(`${base}/nothing`);
  assert.deepEqual([unknown.status, unknown.body], [404, { detail: "Not Found" }]);
});

Deno.test("apex: the client refuses a bad request before sending anything", async () => {
  await using sb = await sandbox();
  const counted = countingFetch();
  const apex = connectApex({ sandbox: sb.url });
  const apexCounted = new (await import("../../lib/platforms/apex/client.ts")).ApexDispatch({
    baseUrl: `${sb.url}/apex`,
    auth: "unused",
    http: { fetch: counted },
  });
  for (
    const [patch, field] of [
      [{ format: "tif" }, "format"],
      [{ label: "openEO" }, "label"],
      [{ title: " " }, "title"],
      [{ service: { endpoint: "", application: PV } }, "service.endpoint"],
      [{ parameters: [] }, "parameters"],
    ] as const
  ) {
    await assert.rejects(
      apexCounted.submitUnitJob({ ...JOB, ...patch } as never),
      (e: Error) => e instanceof ApexRequestError && e.field === field,
    );
  }
  await assert.rejects(
    apexCounted.submitUpscaleTask({ ...JOB, dimension: { name: "spatial_extent", values: [] } }),
    (e: Error) => e instanceof ApexRequestError && e.field === "dimension.values",
  );
  await assert.rejects(
    apex.tiles({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [0, 0]]] }),
    /aoi.coordinates\[0\]/,
  );
  assert.equal(counted.calls.length, 0);
});

Deno.test("apex: a failed job submission is not repeated", async () => {
  await using sb = await sandbox();
  const apex = connectApex({ sandbox: sb.url });
  await apex.health();
  sb.faults.add({ prefix: "/apex/unit_jobs", rate503: 1, times: 1 });
  await assert.rejects(apex.submitUnitJob(JOB), (e: HttpError) => e.status === 503);
  assert.equal((await apex.jobsStatus()).processing_jobs.length, 0);
  await apex.submitUnitJob(JOB);
  assert.equal((await apex.jobsStatus()).processing_jobs.length, 1);
});

Deno.test("apex: params, sync jobs and the jobs_status filters", async () => {
  await using sb = await sandbox();
  const apex = connectApex({ sandbox: sb.url });
  const params = await apex.params("openeo", SERVICE);
  assert.deepEqual(params.map((p) => [p.name, p.type]), [["spatial_extent", "bounding-box"], [
    "temporal_extent",
    "date-interval",
  ]]);
  await assert.rejects(
    apex.params("openeo", { endpoint: "x", application: "https://nowhere/udp.json" }),
    (e: HttpError) => e.status === 500 && /retrieving service parameters/.test(e.message),
  );
  const sync = await apex.syncJob({ ...JOB, format: "geojson" });
  assert.equal(sync.status, 200);
  const fc = await sync.json();
  assert.equal(fc.type, "FeatureCollection");
  const task = await apex.submitUpscaleTask({
    ...JOB,
    dimension: {
      name: "temporal_extent",
      values: [["2023-01-01", "2023-02-01"], ["2023-02-01", "2023-03-01"]],
    },
  });
  await apex.submitUnitJob(JOB);
  const status = await apex.jobsStatus();
  assert.equal(status.upscaling_tasks.length, 1);
  assert.equal(status.upscaling_tasks[0].id, task.id);
  assert.equal(status.processing_jobs.length, 1, "child jobs are never listed");
  assert.deepEqual((await apex.jobsStatus(["upscaling"])).processing_jobs, []);
  const token = await apex.session!.getToken();
  const bad = await raw(`${sb.url}/apex/jobs_status?filter=everything`, { token });
  assert.equal(bad.status, 422);
});

const taskRequest = (values: unknown[]): UpscalingTaskRequest => ({
  title: "Upscaling - PV Detection",
  label: "openeo",
  service: SERVICE,
  format: "gtiff",
  parameters: { temporal_extent: ["2023-05-01", "2023-09-30"] },
  dimension: { name: "spatial_extent", values },
});

Deno.test("apex: an upscale task over the Vienna tiles, followed over the websocket to the end", async () => {
  await using sb = await sandbox({ timeScale: 0.002 });
  const apex = connectApex({ sandbox: sb.url });
  const tiles = await apex.tiles(VIENNA);
  const task = await apex.submitUpscaleTask(taskRequest(tiles.geometries));
  assert.deepEqual(task.submitted, {
    id: task.id,
    title: "Upscaling - PV Detection",
    label: "openeo",
    status: "created",
  });
  const updates = [];
  for await (const u of task.watch({ socketIntervalSeconds: 1 })) updates.push(u);
  const last = updates[updates.length - 1];
  assert.ok(updates.every((u) => u.source === "websocket"));
  assert.ok(["finished", "failed"].includes(last.raw));
  assert.equal(last.task.jobs.length, 12);
  last.task.jobs.forEach((j, i) => {
    assert.equal(j.title, `Upscaling - PV Detection - Processing Job ${i + 1}`);
    assert.deepEqual(j.parameters.spatial_extent, tiles.geometries[i]);
    assert.deepEqual(j.parameters.temporal_extent, ["2023-05-01", "2023-09-30"]);
  });
  const changes = updates.flatMap((u) => u.changed).filter((c) => c.job.id === last.task.jobs[0].id)
    .map((c) => c.job.status);
  const order = ["created", "queued", "running", "finished", "failed"];
  const ranks = changes.map((c) => Math.min(order.indexOf(c), 3));
  assert.ok(
    ranks.every((r, i) => i === 0 || r > ranks[i - 1]),
    `each change moves forward: ${changes}`,
  );
  assert.ok(["finished", "failed"].includes(changes[changes.length - 1]));
  assert.equal(last.counts.succeeded + last.counts.failed, 12);
  const twin = sb.twin<ApexTwin>("/apex");
  for (let i = 0; i < 50 && twin.openSockets > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(twin.openSockets, 0, "the client closes the socket at the end");
});

Deno.test("apex: websocket drops reconnect, token expiry re-authenticates, a dead socket falls back to polling", async () => {
  await using sb = await sandbox({ timeScale: 0.004 });
  const twin = sb.twin<ApexTwin>("/apex");
  const apex = connectApex({ sandbox: sb.url });
  const task = await apex.submitUpscaleTask(
    taskRequest(
      [1, 2, 3].map((i) => ({ west: 16 + i / 10, south: 48, east: 16.05 + i / 10, north: 48.05 })),
    ),
  );
  const sources: string[] = [];
  let dropped = 0;
  for await (
    const u of task.watch({
      socketIntervalSeconds: 1,
      intervalMs: 50,
      sleep: (ms, s) =>
        new Promise((r, j) => s?.aborted ? j(s.reason) : setTimeout(r, Math.min(ms, 50))),
    })
  ) {
    sources.push(u.source);
    if (dropped === 0) {
      dropped++;
      sb.oidc.expireTokens();
      twin.dropSockets();
    } else if (dropped === 1 && u.source === "websocket") {
      dropped++;
      sb.faults.add({ prefix: "/apex/ws", rate503: 1 });
      twin.dropSockets();
    }
  }
  assert.equal(dropped, 2, "reconnected with a fresh token after the first drop");
  assert.equal(sources[0], "websocket");
  assert.equal(
    sources[sources.length - 1],
    "poll",
    "polling took over when the socket could not come back",
  );
});

Deno.test("apex: the task socket refuses a missing token and reports a bad one", async () => {
  await using sb = await sandbox();
  const noToken = await fetch(`${sb.url}/apex/ws/upscale_tasks/1`, {
    headers: { upgrade: "websocket" },
  });
  assert.equal(noToken.status, 403);
  await noToken.body?.cancel();
  const ws = new WebSocket(
    `${sb.url.replace("http", "ws")}/apex/ws/upscale_tasks/1?token=bad&interval=1`,
  );
  const messages: { type: string; message: string }[] = [];
  const closed = await new Promise<CloseEvent>((resolve) => {
    ws.onmessage = (e) => messages.push(JSON.parse(e.data));
    ws.onclose = resolve;
  });
  assert.deepEqual(messages.map((m) => m.type), ["init", "loading", "error"]);
  assert.equal(closed.code, 1011);
  assert.equal(closed.reason, "AUTHENTICATION_FAILED");
});

Deno.test("apex: the jobs_status websocket pushes the user's tasks and jobs", async () => {
  await using sb = await sandbox();
  const apex = connectApex({ sandbox: sb.url });
  await apex.submitUnitJob(JOB);
  const token = await apex.session!.getToken();
  const { socketMessages } = await import("../../lib/http/websocket.ts");
  const types: string[] = [];
  for await (
    const m of socketMessages<
      { type: string; data: { processing_jobs: unknown[]; upscaling_tasks: unknown[] } }
    >(
      apex.socketUrl("ws/jobs_status", token, { interval: 1, filter: "processing" }),
    )
  ) {
    types.push(m.type);
    if (m.type === "status") {
      assert.equal(m.data.processing_jobs.length, 1);
      assert.deepEqual(m.data.upscaling_tasks, []);
      break;
    }
  }
  assert.deepEqual(types, ["init", "loading", "status"]);
});
