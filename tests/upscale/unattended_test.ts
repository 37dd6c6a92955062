import assert from "node:assert/strict";
import { apexBackend, ApexDispatch, connectApex } from "../../lib/platforms/apex/mod.ts";
import { type ApexTwin, apexTwin, type ApexTwinOptions } from "../../lib/sandbox/apex/twin.ts";
import type { Sandbox } from "../../lib/sandbox/server.ts";
import {
  JobManager,
  type JobManagerOptions,
  type ManagerEvent,
  RunStoppedError,
  TableMismatchError,
} from "../../lib/upscale/mod.ts";
import { countingFetch, hostileProxy, sandbox, tempDir } from "../helpers.ts";
import { PV_TILE_REQUEST } from "../fixtures.ts";

const request = PV_TILE_REQUEST;

function items(n: number, shift = 0) {
  return Array.from({ length: n }, (_, i) => ({
    key: `cell-${i}`,
    item: {
      west: 16 + i * 0.02 + shift,
      south: 48,
      east: 16.02 + i * 0.02 + shift,
      north: 48.02,
    } as unknown,
  }));
}

function twinSandbox(options: ApexTwinOptions & { timeScale?: number } = {}) {
  return sandbox({ timeScale: options.timeScale ?? 0.002, mounts: [apexTwin(options)] });
}

function options(sb: Sandbox, dir: string, extra: Partial<JobManagerOptions<unknown>> = {}) {
  const apex = connectApex({ sandbox: sb.url });
  return {
    backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
    dir,
    concurrency: 4,
    pollIntervalMs: 20,
    retryDelayMs: 10,
    outageBackoff: { baseMs: 100, capMs: 400 },
    ...extra,
  } satisfies JobManagerOptions<unknown>;
}

async function drain(manager: JobManager<unknown>, signal?: AbortSignal) {
  const events: ManagerEvent<unknown>[] = [];
  for await (const e of manager.run(signal)) events.push(e);
  return events;
}

const finished = (m: JobManager<unknown>) => {
  const c = m.counts();
  return c.done + c.failed + c.canceled;
};

Deno.test("unattended: a status outage longer than every retry is ridden out and reported", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using dir = await tempDir();
  const manager = await JobManager.open(items(6), options(sb, dir.path));
  // Starts once the first jobs run, and outlasts the HTTP core's own retries.
  let armed = false;
  const events: ManagerEvent<unknown>[] = [];
  for await (const e of manager.run()) {
    events.push(e);
    if (!armed && e.kind === "row" && e.row.phase === "active") {
      armed = true;
      sb.faults.add({
        prefix: "/apex/jobs_status",
        rate503: 1,
        retryAfterSeconds: 0,
        forMs: 6_000,
      });
    }
  }
  const platform = events.filter((e) => e.kind === "platform").map((e) =>
    e.kind === "platform" ? e.message : ""
  );
  assert.match(platform[0], /unreachable since \d\d:\d\d .*503/);
  assert.match(platform.at(-1)!, /reachable again after \d+ s/);
  assert.ok(events.some((e) => Object.keys(e.unreachable).length > 0), "progress knows the outage");
  assert.equal(manager.counts().done, 6);
  assert.equal(events.at(-1)!.kind, "end");
});

Deno.test("unattended: bad credentials stop the run with a message that says so", async () => {
  await using sb = await twinSandbox();
  await using dir = await tempDir();
  const apex = new ApexDispatch({ baseUrl: `${sb.url}/apex`, auth: "not-a-token" });
  const manager = await JobManager.open(items(2), {
    ...options(sb, dir.path),
    backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
  });
  await assert.rejects(
    drain(manager),
    (e: Error) =>
      e instanceof RunStoppedError && e.reason === "auth" &&
      /refuses the credentials/.test(e.message),
  );
  assert.equal(
    manager.table.rows().every((r) => r.phase === "pending" && r.attempts.length === 0),
    true,
  );
});

Deno.test("unattended: the user's deadline stops a run that a later run finishes", async () => {
  await using sb = await twinSandbox({ timeScale: 0.01 });
  await using dir = await tempDir();
  const first = await JobManager.open(items(4), options(sb, dir.path, { deadlineMs: 300 }));
  await assert.rejects(
    drain(first),
    (e: Error) =>
      e instanceof RunStoppedError && e.reason === "deadline" &&
      /run again to go on/.test(e.message),
  );
  const jobsBefore = sb.twin<ApexTwin>("/apex").store.jobs.size;
  const second = await JobManager.open(items(4), options(sb, dir.path));
  await drain(second);
  assert.equal(finished(second), 4);
  const jobs = [...sb.twin<ApexTwin>("/apex").store.jobs.values()];
  assert.ok(jobsBefore >= 1);
  for (const { key } of items(4)) {
    const row = second.table.get(key)!;
    assert.equal(
      jobs.filter((j) => j.title.includes(`[eojobs:${key}#`)).length,
      row.attempts.length,
    );
  }
});

for (const limitAnswer of ["openeo", "dispatch"] as const) {
  Deno.test(`unattended: a ${limitAnswer === "openeo" ? "400 ConcurrentJobLimit" : "500-wrapped limit"} answer is backpressure, not failure`, async () => {
    await using sb = await twinSandbox({
      concurrentJobLimit: 2,
      limitAnswer,
      lifeCycle: { failShare: 0 },
    });
    await using dir = await tempDir();
    const manager = await JobManager.open(items(8), options(sb, dir.path, { limitProbeMs: 200 }));
    const events = await drain(manager);
    assert.equal(manager.counts().done, 8, JSON.stringify(manager.summary().failed));
    const store = sb.twin<ApexTwin>("/apex").store;
    const attempts = manager.table.rows().reduce((n, r) => n + r.attempts.length, 0);
    assert.equal(attempts, store.jobs.size, "every attempt is a job the platform made");
    assert.equal(attempts, 8, "no attempt was spent on a limit answer");
    const end = events.at(-1)!;
    assert.ok(
      end.kind === "end" && end.summary.limitAnswers > 0,
      "the limit was hit and waited out",
    );
    const maxActive = Math.max(...events.map((e) => e.counts.active + e.counts.submitting));
    assert.ok(maxActive <= 4);
  });
}

Deno.test("unattended: downloads run in their own pool and never hold a job slot", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using dir = await tempDir();
  sb.faults.add({ prefix: "/apex/assets", latencyMs: 600 });
  const manager = await JobManager.open(items(4), options(sb, dir.path, { concurrency: 1 }));
  const events = await drain(manager);
  assert.ok(
    events.some((e) => e.counts.downloading >= 1 && e.counts.active + e.counts.submitting >= 1),
    "a job ran while another's files were downloading",
  );
  assert.equal(manager.counts().done, 4);
});

Deno.test("unattended: failed rows are requeued by phase with a fresh attempt budget", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0.5 } });
  await using dir = await tempDir();
  const first = await JobManager.open(
    items(8),
    options(sb, dir.path, { maxAttempts: 1, download: false }),
  );
  await drain(first);
  const failed = first.table.rows().filter((r) => r.phase === "failed");
  assert.ok(failed.length > 0);
  for (const row of failed) {
    assert.equal(row.failure, "job");
    assert.match(row.reason!, /openEO batch job .* failed: /, "the platform's reason is kept");
  }
  const again = await JobManager.open(
    items(8),
    options(sb, dir.path, { maxAttempts: 1, download: false }),
  );
  assert.deepEqual(
    (await again.requeue({ phase: "failed" })).sort(),
    failed.map((r) => r.key).sort(),
  );
  await drain(again);
  for (const row of failed) assert.equal(again.table.get(row.key)!.attempts.length, 2);
  assert.deepEqual(
    again.summary().failed.map((f) => f.key).every((k) => failed.some((r) => r.key === k)),
    true,
  );
});

Deno.test("unattended: downloads that failed for good are retried on resume without a new job", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using dir = await tempDir();
  // A storage that serves every file with a wrong checksum, until it is mended.
  let broken = true;
  await using proxy = await hostileProxy(sb.url, (path, body) => {
    if (!broken || !path.endsWith("/results")) return body;
    const c = body as { assets: Record<string, Record<string, unknown>> };
    for (const a of Object.values(c.assets)) a["file:checksum"] = "1220" + "0".repeat(64);
    return body;
  });
  const apex = new ApexDispatch({
    baseUrl: `${proxy.url}/apex`,
    auth: connectApex({ sandbox: sb.url }).http.auth!,
  });
  const open = (extra: Partial<JobManagerOptions<unknown>> = {}) =>
    JobManager.open(items(3), {
      ...options(sb, dir.path, extra),
      backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
    });
  const first = await open({ maxDownloadTries: 2 });
  await drain(first);
  for (const row of first.table.rows()) {
    assert.equal(row.phase, "failed");
    assert.equal(row.failure, "download");
    assert.match(row.reason!, /checksum mismatch/);
  }
  const leftovers = [...Deno.readDirSync(dir.path)].filter((e) => e.isDirectory)
    .flatMap((d) => [...Deno.readDirSync(`${dir.path}/${d.name}`)]);
  assert.deepEqual(leftovers, [], "no half or corrupt file");
  const jobs = sb.twin<ApexTwin>("/apex").store.jobs.size;
  broken = false;
  const second = await open();
  assert.equal(second.counts().downloading, 3, "failed downloads are back in line on resume");
  await drain(second);
  assert.equal(second.counts().done, 3);
  assert.equal(sb.twin<ApexTwin>("/apex").store.jobs.size, jobs, "no job was submitted again");
});

Deno.test("unattended: a table knows its platform, and changed items are reported", async () => {
  await using a = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using b = await twinSandbox();
  await using dir = await tempDir();
  await drain(await JobManager.open(items(2), options(a, dir.path, { download: false })));
  await assert.rejects(
    JobManager.open(items(2), options(b, dir.path)),
    (e: Error) =>
      e instanceof TableMismatchError && e.message.includes(a.url) && e.message.includes(b.url) &&
      /mode "new"/.test(e.message),
  );
  const fresh = await JobManager.open(
    items(2),
    options(b, dir.path, { mode: "new", download: false }),
  );
  assert.ok(
    fresh.previousTable && (await Deno.stat(fresh.previousTable)).isFile,
    "the old table is kept",
  );
  assert.equal(fresh.counts().pending, 2);
  const events = await drain(fresh);
  const end = events.at(-1)!;
  assert.ok(end.kind === "end" && end.counts.done === 2);

  const nothing = await drain(
    await JobManager.open(items(2), options(b, dir.path, { download: false })),
  );
  assert.equal(nothing.length, 1, "a finished table still reports its final counts");
  assert.ok(nothing[0].kind === "end" && nothing[0].summary.counts.done === 2);

  await assert.rejects(
    JobManager.open(items(2, 0.5), options(b, dir.path)),
    (e: Error) =>
      e instanceof TableMismatchError &&
      /2 item\(s\) changed under an existing key \(cell-0, cell-1\)/.test(e.message),
  );
  const merged = await JobManager.open(
    items(2, 0.5),
    options(b, dir.path, { mode: "merge", download: false }),
  );
  assert.deepEqual(merged.changedKeys, ["cell-0", "cell-1"]);
  await drain(merged);
  assert.ok(merged.table.rows().every((r) => r.attempts.length === 2 && r.phase === "done"));
});

Deno.test("unattended: cancel stops following a job; the APEx record is dropped and nothing is resubmitted", async () => {
  await using sb = await twinSandbox({ timeScale: 0.05 });
  await using dir = await tempDir();
  const manager = await JobManager.open(items(2), options(sb, dir.path));
  const store = sb.twin<ApexTwin>("/apex").store;
  let user = "";
  for await (const e of manager.run()) {
    if (e.kind === "row" && e.row.phase === "active" && e.row.key === "cell-0") {
      user = store.jobs.get(Number(e.row.attempts[0].jobId))!.user;
      await manager.cancel("cell-0");
      await manager.cancel("cell-1");
    }
  }
  const row = manager.table.get("cell-0")!;
  assert.equal(row.phase, "canceled");
  assert.match(row.error!, /forgot job \d+, but the job itself may run on/);
  assert.equal(store.jobs.has(Number(row.attempts[0].jobId)), false, "the record is gone");
  assert.equal(store.running(user, Date.now()) >= 1, true, "the platform job runs on and counts");
  assert.equal(manager.table.get("cell-1")!.phase, "canceled");
  assert.ok(manager.table.rows().every((r) => r.attempts.length <= 1), "nothing resubmitted");
});

Deno.test("unattended: jobs that run longer than cancelAfterMs are canceled and fail with the reason", async () => {
  await using sb = await twinSandbox({ timeScale: 0.05 });
  await using dir = await tempDir();
  const manager = await JobManager.open(items(2), options(sb, dir.path, { cancelAfterMs: 300 }));
  await drain(manager);
  for (const row of manager.table.rows()) {
    assert.equal(row.phase, "failed");
    assert.equal(row.failure, "timeout");
    assert.match(row.reason!, /ran longer than cancelAfterMs/);
  }
});

Deno.test("unattended: Retry-After on a refused submission is honoured", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using dir = await tempDir();
  sb.faults.add({
    prefix: "/apex/unit_jobs",
    method: "POST",
    rate429: 1,
    retryAfterSeconds: 1,
    times: 1,
  });
  const counted = countingFetch();
  const apex = new ApexDispatch({
    baseUrl: `${sb.url}/apex`,
    auth: connectApex({ sandbox: sb.url }).http.auth!,
    http: { fetch: counted },
  });
  const times: number[] = [];
  const timed = ((input: RequestInfo | URL, init?: RequestInit) => {
    if ((init?.method ?? "GET") === "POST") times.push(Date.now());
    return counted(input, init);
  }) as typeof fetch;
  const manager = await JobManager.open(items(2), {
    ...options(sb, dir.path, { download: false }),
    backend: apexBackend(
      new ApexDispatch({
        baseUrl: `${sb.url}/apex`,
        auth: apex.http.auth!,
        http: { fetch: timed },
      }),
      { request, dimension: "spatial_extent" },
    ),
  });
  await drain(manager);
  assert.ok(times.length >= 3);
  assert.ok(
    times[1] - times[0] >= 950,
    `the second POST waited ${times[1] - times[0]} ms, not the 1 s asked`,
  );
  assert.equal(manager.counts().done, 2);
});

Deno.test("unattended: no poll interval goes below the platform's floor", async () => {
  await using sb = await twinSandbox({ timeScale: 0.01 });
  const apex = connectApex({ sandbox: sb.url });
  const job = await apex.submitUnitJob({
    ...request,
    parameters: { spatial_extent: items(1)[0].item },
  });
  const counted = countingFetch();
  const watched = new ApexDispatch({
    baseUrl: `${sb.url}/apex`,
    auth: apex.http.auth!,
    http: { fetch: counted },
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException("enough", "AbortError")), 500);
  let snapshots = 0;
  await assert.rejects(
    (async () => {
      for await (
        const _ of watched.unitJob(job.id).watch({ intervalMs: 0, signal: controller.signal })
      ) snapshots++;
    })(),
    (e: Error) => e.name === "AbortError",
    "only the abort ends the watch",
  );
  const polls = counted.calls.length;
  assert.ok(polls >= 4, `${polls} polls in 0.5 s: the watch must poll, at the floor`);
  assert.ok(polls <= 12, `${polls} polls in 0.5 s at a 50 ms sandbox floor`);
  assert.ok(snapshots >= 1, "the watch yielded the job's status");
  const gaps = counted.times.slice(1).map((t, i) => t - counted.times[i]);
  assert.ok(
    gaps.every((g) => g >= 40),
    `no gap below the 50 ms floor (less a timer's slack): ${gaps.map(Math.round)}`,
  );
});

Deno.test("unattended: a checksum mismatch is caught and leaves no file", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using dir = await tempDir();
  await using proxy = await hostileProxy(sb.url, (path, body) => {
    if (!path.endsWith("/results")) return body;
    const c = body as { assets: Record<string, Record<string, unknown>> };
    for (const a of Object.values(c.assets)) a["file:checksum"] = "1220" + "ab".repeat(32);
    return body;
  });
  const apex = new ApexDispatch({
    baseUrl: `${proxy.url}/apex`,
    auth: connectApex({ sandbox: sb.url }).http.auth!,
  });
  const manager = await JobManager.open(items(1), {
    ...options(sb, dir.path, { maxDownloadTries: 1 }),
    backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
  });
  await drain(manager);
  const row = manager.table.get("cell-0")!;
  assert.equal(row.failure, "download");
  assert.match(row.reason!, /checksum mismatch: file:checksum says sha2-256 a?b/);
  assert.deepEqual([...Deno.readDirSync(`${dir.path}/cell-0`)], []);
});

Deno.test("unattended: one manager drives two backends, each with its own slots; rows keep theirs", async () => {
  await using a = await twinSandbox({ lifeCycle: { failShare: 0 }, concurrentJobLimit: 1 });
  await using b = await twinSandbox({ lifeCycle: { failShare: 0 }, concurrentJobLimit: 1 });
  await using dir = await tempDir();
  const backends = () => ({
    a: {
      backend: apexBackend(connectApex({ sandbox: a.url }), {
        request,
        dimension: "spatial_extent",
      }),
      concurrency: 1,
    },
    b: {
      backend: apexBackend(connectApex({ sandbox: b.url }), {
        request,
        dimension: "spatial_extent",
      }),
      concurrency: 1,
    },
  });
  const work = [...items(5), { ...items(6)[5], backend: "b" }];
  const manager = await JobManager.open(work, {
    ...options(a, dir.path, { download: false }),
    backend: undefined,
    backends: backends(),
  });
  const events = await drain(manager);
  assert.equal(manager.counts().done, 6);
  const rows = manager.table.rows();
  assert.equal(manager.table.get("cell-5")!.backend, "b", "a pinned item runs where it is pinned");
  assert.ok(
    rows.some((r) => r.backend === "a") && rows.some((r) => r.backend === "b"),
    "both were used",
  );
  for (const [name, sb] of [["a", a], ["b", b]] as const) {
    const jobs = sb.twin<ApexTwin>("/apex").store.jobs.size;
    assert.equal(jobs, rows.filter((r) => r.backend === name).length, `${name} ran its own rows`);
  }
  // Replay the events: never more than one job at once on either backend.
  const phase = new Map<string, { backend?: string; phase: string }>();
  for (const e of events) {
    if (e.kind !== "row") continue;
    phase.set(e.row.key, { backend: e.row.backend, phase: e.row.phase });
    for (const name of ["a", "b"]) {
      const running = [...phase.values()].filter((r) =>
        r.backend === name && (r.phase === "active" || r.phase === "submitting")
      ).length;
      assert.ok(running <= 1, `${running} jobs at once on ${name}`);
    }
  }
  const reopened = await JobManager.open(work, {
    ...options(a, dir.path, { download: false }),
    backend: undefined,
    backends: backends(),
  });
  assert.deepEqual(reopened.table.rows().map((r) => r.backend), rows.map((r) => r.backend));
  reopened.table.close();
});

Deno.test("unattended: stalled answers never hold a run past its deadline", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  await using dir = await tempDir();
  // Every status read stalls for good: only the deadline can end the run.
  sb.faults.add({ prefix: "/apex/jobs_status", stallRate: 1 });
  sb.faults.add({ prefix: "/apex/unit_jobs", stallBodyRate: 1, method: "GET" });
  const manager = await JobManager.open(items(3), options(sb, dir.path, { deadlineMs: 1_500 }));
  const started = performance.now();
  await assert.rejects(
    drain(manager),
    (e: Error) => e instanceof RunStoppedError && e.reason === "deadline",
  );
  const took = performance.now() - started;
  assert.ok(took < 4_000, `stopped ${Math.round(took)} ms after the start with a 1.5 s deadline`);
  sb.faults.clear();
  const again = await JobManager.open(items(3), options(sb, dir.path));
  await drain(again);
  assert.equal(again.counts().done, 3, "a later run goes on");
});

Deno.test("unattended: odd 200 answers to status reads (HTML, empty, cut short, null, the wrong shape) do not stop the run", async () => {
  for (const odd of ["html", "empty", "truncated", "null", "shape"] as const) {
    await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
    await using dir = await tempDir();
    sb.faults.add({ prefix: "/apex/jobs_status", oddRate: 0.5, odd });
    sb.faults.add({ prefix: "/apex/unit_jobs", oddRate: 0.3, odd, method: "GET" });
    const manager = await JobManager.open(items(4), options(sb, dir.path));
    await drain(manager);
    assert.equal(manager.counts().done, 4, `${odd}: every row done`);
    assert.ok(sb.faults.injected("odd") >= 2, `${odd}: odd answers were served`);
    const titles = [...sb.twin<ApexTwin>("/apex").store.jobs.values()].map((j) => j.title);
    assert.equal(new Set(titles).size, titles.length, `${odd}: no job submitted twice`);
  }
});

Deno.test("unattended: an hour's Retry-After, in seconds or as a date from a skewed clock, is cut to maxRetryAfterMs and the event says until when", async () => {
  for (const asDate of [false, true]) {
    await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
    await using dir = await tempDir();
    const manager = await JobManager.open(
      items(2),
      options(sb, dir.path, { maxRetryAfterMs: 500 }),
    );
    let armed = false;
    const messages: string[] = [];
    const started = performance.now();
    for await (const e of manager.run()) {
      if (e.kind === "platform") messages.push(e.message);
      if (!armed && e.kind === "row" && e.row.phase === "active") {
        armed = true;
        sb.faults.add({
          prefix: "/apex/jobs_status",
          rate503: 1,
          retryAfterSeconds: 3600,
          retryAfterDate: asDate,
          dateSkewSeconds: asDate ? 3600 : 0,
          times: 3,
        });
      }
    }
    assert.equal(manager.counts().done, 2);
    assert.ok(performance.now() - started < 10_000, "no hour-long wait");
    const down = messages.find((m) => /unreachable/.test(m)) ?? "";
    assert.match(down, /retrying at \d\d:\d\d:\d\d, Retry-After 3600 s cut to 1 s/);
  }
});

Deno.test("unattended: a refused connection stops a run at once only until the platform has answered; after that it is an outage", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  await using dir = await tempDir();
  const never = connectApex({ sandbox: sb.url, baseUrl: `http://127.0.0.1:${port}/apex` });
  const manager = await JobManager.open(items(2), {
    ...options(sb, dir.path),
    backend: apexBackend(never, { request, dimension: "spatial_extent" }),
  });
  await assert.rejects(
    drain(manager),
    (e: Error) =>
      e instanceof RunStoppedError && e.reason === "unreachable" &&
      new RegExp(`127\\.0\\.0\\.1:${port} refused the connection`).test(e.message),
  );
  assert.ok(
    ![...Deno.readDirSync(dir.path)].some((e) => e.name.startsWith("jobs.")),
    "a run that never reached the platform leaves no table",
  );

  // The same platform, answering at first and then gone: an outage, ridden out to the deadline.
  const proxy = await hostileProxy(sb.url, (_path, body) => body);
  const flaky = connectApex({ sandbox: sb.url, baseUrl: `${proxy.url}/apex` });
  const second = await JobManager.open(items(2), {
    ...options(sb, dir.path, { deadlineMs: 2_500 }),
    backend: apexBackend(flaky, { request, dimension: "spatial_extent" }),
  });
  const events: ManagerEvent<unknown>[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of second.run()) {
        events.push(e);
        if (e.kind === "row" && e.row.phase === "active") await proxy[Symbol.asyncDispose]();
      }
    })(),
    (e: Error) => e instanceof RunStoppedError && e.reason === "deadline",
  );
  assert.ok(
    events.some((e) => e.kind === "platform" && /unreachable since/.test(e.message)),
    "said to be an outage",
  );
});

Deno.test("unattended: a result file the platform names too long for the disk (the .part suffix counted) fails its row at once, naming it, with no retries", async () => {
  await using sb = await twinSandbox({ lifeCycle: { failShare: 0 } });
  const long = `${"a".repeat(248)}.tif`;
  await using proxy = await hostileProxy(sb.url, (path, body) => {
    if (!/\/unit_jobs\/\d+\/results$/.test(path)) return body;
    const collection = body as { assets?: Record<string, unknown> };
    if (!collection?.assets) return body;
    return { ...collection, assets: { [long]: Object.values(collection.assets)[0] } };
  });
  await using dir = await tempDir();
  const apex = connectApex({ sandbox: sb.url, baseUrl: `${proxy.url}/apex` });
  const manager = await JobManager.open(items(1), {
    ...options(sb, dir.path),
    backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
  });
  await drain(manager);
  const [row] = manager.table.rows();
  assert.equal(row.phase, "failed");
  assert.equal(row.failure, "download");
  assert.match(row.reason!, /file name longer than 250 bytes \(255 with the \.part/);
  const results = proxy.requests.filter((r) => /\/results$/.test(new URL(r.url).pathname));
  assert.equal(results.length, 1, "asked once, not once per retry");
  assert.deepEqual([...Deno.readDirSync(dir.path)].filter((e) => e.isDirectory), []);
});
