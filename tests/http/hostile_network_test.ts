import assert from "node:assert/strict";
import { downloadFile } from "../../lib/download/download.ts";
import { HttpClient } from "../../lib/http/client.ts";
import { AnswerTooLargeError, NetworkError, UnsafeUrlError } from "../../lib/http/errors.ts";
import { SocketClosedError, socketMessages } from "../../lib/http/websocket.ts";
import { connectApex } from "../../lib/platforms/apex/mod.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { countingFetch, finishedApexJob, sandbox, tempDir } from "../helpers.ts";

Deno.test("hostile network: a JSON body that stalls is a transient error naming the URL after the idle time-out, then retried", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const { job, apex } = await finishedApexJob(sb, clock);
  const auth = apex.http.auth!;
  sb.faults.add({ prefix: `/apex/unit_jobs/${job.id}`, stallBodyRate: 1, times: 1 });
  const http = new HttpClient({ baseUrl: `${sb.url}/apex/`, auth, idleTimeoutMs: 300 });
  const started = performance.now();
  const answer = await http.json<{ status: string }>(`unit_jobs/${job.id}`);
  assert.equal(answer.status, "finished", "the retry got the whole answer");
  assert.ok(performance.now() - started < 3_000, "no hang past the idle time-out");

  sb.faults.add({ prefix: `/apex/unit_jobs/${job.id}`, stallBodyRate: 1 });
  const once = new HttpClient({
    baseUrl: `${sb.url}/apex/`,
    auth,
    idleTimeoutMs: 200,
    retry: { retries: 1 },
  });
  await assert.rejects(
    once.json(`unit_jobs/${job.id}`),
    (e: Error) =>
      e instanceof NetworkError && e.message.includes(`/apex/unit_jobs/${job.id}`) &&
      /no byte for/.test(String((e.cause as Error)?.message ?? e.message)),
  );
});

Deno.test("hostile network: a download whose body stalls resumes after the idle time-out; a trickle is slow, not idle", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { href, apex } = await finishedApexJob(sb, clock);
  const auth = apex.http.auth!;
  const bytes = new Uint8Array(await (await fetch(href)).arrayBuffer());
  const path = new URL(href).pathname;
  sb.faults.add({ prefix: path, stallBodyRate: 1, times: 2 });
  const http = new HttpClient({ baseUrl: sb.url, idleTimeoutMs: 250 });
  const started = performance.now();
  const r = await downloadFile(href, `${dir.path}/a.tif`, { http });
  assert.deepEqual(await Deno.readFile(r.path), bytes);
  assert.ok(r.resumed >= 1, "the stalled transfer was resumed from its .part");
  assert.ok(performance.now() - started < 5_000);

  sb.faults.add({ prefix: "/apex/jobs_status", trickleRate: 1, trickleBytesPerSecond: 400 });
  const slow = new HttpClient({ baseUrl: `${sb.url}/apex/`, auth, idleTimeoutMs: 400 });
  const t0 = performance.now();
  const statuses = await slow.json<Record<string, unknown>>("jobs_status");
  assert.ok(performance.now() - t0 >= 100, "the body trickled");
  assert.ok(Array.isArray(statuses.processing_jobs), "a trickling body arrives whole");
});

Deno.test("hostile network: an HTML page, an empty body, JSON cut short or null under a 200 are retried, and named when they persist", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const { job, apex } = await finishedApexJob(sb, clock);
  const auth = apex.http.auth!;
  for (const odd of ["html", "empty", "truncated", "null"] as const) {
    sb.faults.clear();
    sb.faults.add({ prefix: `/apex/unit_jobs/${job.id}`, oddRate: 1, odd, times: 2 });
    const http = new HttpClient({ baseUrl: `${sb.url}/apex/`, auth });
    const answer = await http.json<{ status: string }>(`unit_jobs/${job.id}`);
    assert.equal(answer.status, "finished", `${odd}: retried to the real answer`);
    sb.faults.add({ prefix: `/apex/unit_jobs/${job.id}`, oddRate: 1, odd });
    await assert.rejects(
      new HttpClient({ baseUrl: `${sb.url}/apex/`, auth, retry: { retries: 1 } }).json(
        `unit_jobs/${job.id}`,
      ),
      (e: Error) =>
        e instanceof NetworkError && e.message.includes(`unit_jobs/${job.id}`) &&
        /not JSON \((an HTML page|an empty body|JSON cut short|null)/.test(
          String((e.cause as Error)?.message),
        ),
      odd,
    );
  }
});

Deno.test("hostile network: redirects to file: are refused before anything is read; https to http is refused, loopback exempt", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { job, href } = await finishedApexJob(sb, clock);
  sb.faults.add({ prefix: "/apex/unit_jobs", redirectRate: 1, redirectTo: "file:///etc/passwd" });
  const apex = connectApex({ sandbox: sb.url, clock });
  await assert.rejects(apex.unitJob(job.id).status(), UnsafeUrlError);
  sb.faults.clear();
  sb.faults.add({
    prefix: new URL(href).pathname,
    redirectRate: 1,
    redirectTo: `file://${dir.path}/secret`,
  });
  await Deno.writeTextFile(`${dir.path}/secret`, "token");
  await assert.rejects(downloadFile(href, `${dir.path}/copy.tif`), UnsafeUrlError);
  assert.equal(await Deno.stat(`${dir.path}/copy.tif`).catch(() => undefined), undefined);

  // No https server here: a fetch that answers as one would, with a downgrade.
  const calls: string[] = [];
  const fake = ((input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push(url);
    const to = url.startsWith("https://platform.example/")
      ? "http://platform.example/next"
      : undefined;
    return Promise.resolve(
      to ? new Response(null, { status: 302, headers: { location: to } }) : Response.json({}),
    );
  }) as typeof fetch;
  const http = new HttpClient({ baseUrl: "https://platform.example/", fetch: fake });
  await assert.rejects(
    http.json("x"),
    (e: Error) => e instanceof UnsafeUrlError && /redirect from https/.test(e.message),
  );
  assert.deepEqual(calls, ["https://platform.example/x"], "the downgraded URL is never fetched");
  const local = new HttpClient({
    baseUrl: "https://platform.example/",
    fetch: ((input: RequestInfo | URL) =>
      Promise.resolve(
        String(input).startsWith("https:")
          ? new Response(null, { status: 302, headers: { location: `${sb.url}/health` } })
          : fetch(input),
      )) as typeof fetch,
  });
  assert.deepEqual(await local.json("x"), { status: "ok" }, "a redirect to loopback is allowed");
});

Deno.test("hostile network: an answer past the size limit is its own error, never retried", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const { apex } = await finishedApexJob(sb, clock);
  const auth = apex.http.auth!;
  const counted = countingFetch();
  const http = new HttpClient({
    baseUrl: `${sb.url}/apex/`,
    auth,
    maxAnswerBytes: 64,
    fetch: counted,
  });
  await auth.getToken();
  await assert.rejects(
    http.json("jobs_status"),
    (e: Error) =>
      e instanceof AnswerTooLargeError && /64-byte limit .*maxAnswerBytes/.test(e.message),
  );
  assert.equal(counted.calls.length, 1);
});

Deno.test("hostile network: a websocket that goes silent is closed after its idle time and said to be silent", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => socket.send(JSON.stringify({ type: "status" }));
    return response;
  });
  try {
    const got: unknown[] = [];
    const started = performance.now();
    await assert.rejects(
      (async () => {
        for await (
          const m of socketMessages(`ws://127.0.0.1:${server.addr.port}/`, undefined, {
            idleMs: 300,
          })
        ) got.push(m);
      })(),
      (e: Error) => e instanceof SocketClosedError && /silent for/.test(e.message),
    );
    assert.equal(got.length, 1);
    assert.ok(performance.now() - started < 3_000);
  } finally {
    await server.shutdown();
  }
});

Deno.test("hostile network: valid JSON of the wrong shape under a 200 is retried like an odd body, then named with what is wrong", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const { job, apex } = await finishedApexJob(sb, clock);
  sb.faults.add({ prefix: `/apex/unit_jobs/${job.id}`, oddRate: 1, odd: "shape", times: 2 });
  assert.equal((await apex.getUnitJob(job.id)).status, "finished", "retried to the real answer");
  sb.faults.add({ prefix: "/apex/jobs_status", oddRate: 1, odd: "shape", times: 1 });
  const listed = await apex.jobsStatus();
  assert.ok(listed.processing_jobs.some((j) => j.id === job.id), "a list is never read as empty");
  sb.faults.add({ prefix: `/apex/unit_jobs/${job.id}`, oddRate: 1, odd: "shape" });
  await assert.rejects(
    () => apex.getUnitJob(job.id),
    (e: Error) =>
      e instanceof NetworkError && e.message.includes(`unit_jobs/${job.id}`) &&
      /the answer has the wrong shape \(field id is missing \(an object with message, status\)/
        .test(e.message),
  );
});
