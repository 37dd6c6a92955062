import assert from "node:assert/strict";
import { HttpClient, HttpError, NetworkError } from "../../lib/http/mod.ts";
import { countingFetch, recordingServer, sandbox, sleepRecorder } from "../helpers.ts";

Deno.test("retries honour Retry-After and stop at the retry cap", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", rate429: 1, retryAfterSeconds: 2 });
  const counted = countingFetch();
  const sleep = sleepRecorder();
  const http = new HttpClient({
    baseUrl: sb.url,
    fetch: counted,
    sleep,
    retry: { retries: 3, baseMs: 100, capMs: 1_000, random: () => 0.5 },
  });
  const error = await http.json("/health").catch((e) => e);
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterMs, 2000);
  assert.equal(counted.calls.length, 4, "first try and three retries");
  assert.deepEqual(sleep.waits, [2000, 2000, 2000], "Retry-After wins over the shorter backoff");
});

Deno.test("transient 503s are ridden out with capped, jittered backoff", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", rate503: 1, times: 3, retryAfterSeconds: 0 });
  const sleep = sleepRecorder();
  const http = new HttpClient({
    baseUrl: sb.url,
    sleep,
    retry: { retries: 5, baseMs: 100, capMs: 300, random: () => 0.999 },
  });
  assert.deepEqual(await http.json("/health"), { status: "ok" });
  assert.deepEqual(sleep.waits, [99, 199, 299]);
});

Deno.test("a Retry-After longer than the limit is not waited out", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", rate429: 1, retryAfterSeconds: 3600 });
  const sleep = sleepRecorder();
  const http = new HttpClient({ baseUrl: sb.url, sleep });
  await assert.rejects(
    http.json("/health"),
    (e: HttpError) => e.status === 429 && e.retryAfterMs === 3_600_000,
  );
  assert.deepEqual(sleep.waits, []);
});

Deno.test("an unsafe POST is never retried; a POST marked safe is", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", rate503: 1, times: 1 });
  const counted = countingFetch();
  const http = new HttpClient({ baseUrl: sb.url, fetch: counted, sleep: sleepRecorder() });
  await assert.rejects(
    http.json("/health", { json: { a: 1 } }),
    (e: HttpError) => e.status === 503,
  );
  assert.equal(counted.calls.length, 1);
  sb.faults.add({ prefix: "/health", rate503: 1, times: 1 });
  const answer = await http.request("/health", {
    json: { a: 1 },
    retrySafe: true,
    accept: [404, 405],
  });
  await answer.body?.cancel();
  assert.equal(counted.calls.length, 3);
});

Deno.test("an aborted signal stops a request and its wait at once", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", rate503: 1, retryAfterSeconds: 30 });
  const http = new HttpClient({ baseUrl: sb.url });
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(new Error("user stopped")), 50);
  await assert.rejects(http.json("/health", { signal: controller.signal }), /user stopped/);
  assert.ok(performance.now() - started < 1_000);
  const already = AbortSignal.abort(new Error("before"));
  await assert.rejects(http.json("/health", { signal: already }), /before/);
});

Deno.test("a dropped connection is retried for GET and reported for POST", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", dropRate: 1, times: 1 });
  const http = new HttpClient({ baseUrl: sb.url, sleep: sleepRecorder() });
  assert.deepEqual(await http.json("/health"), { status: "ok" });
  sb.faults.add({ prefix: "/health", dropRate: 1, times: 1 });
  await assert.rejects(http.json("/health", { method: "POST", json: {} }), NetworkError);
});

Deno.test("a request time-out becomes a NetworkError naming the URL, not the token", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", latencyMs: 300 });
  const http = new HttpClient({
    baseUrl: sb.url,
    auth: "secret-token",
    timeoutMs: 50,
    retry: { retries: 0 },
  });
  const error = await http.json("/health", { query: { token: "also-secret" } }).catch((e) => e);
  assert.ok(error instanceof NetworkError);
  assert.ok(error.timedOut);
  assert.match(error.message, /\/health\?token=\*\*\* timed out/);
  assert.ok(!error.message.includes("secret"));
});

Deno.test("401 with a token provider: invalidate once and retry with a fresh token", async () => {
  await using sb = await sandbox();
  const issued: string[] = [];
  const provider = {
    getToken: () => Promise.resolve(issued.length === 1 ? "bad" : `t${issued.length}`),
    invalidate: (t: string) => void issued.push(t),
  };
  issued.push("start");
  const http = new HttpClient({ baseUrl: sb.url, auth: provider });
  const error = await http.json(`/auth/realms/apex/protocol/openid-connect/userinfo`).catch((e) =>
    e
  );
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 401);
  assert.equal(error.code, "invalid_token");
  assert.deepEqual(issued, ["start", "bad"], "invalidated once, then gave up");
  assert.ok(!error.message.includes("t2"));
});

Deno.test("HttpError reads the platforms' error bodies", () => {
  const apex = new HttpError({
    status: 422,
    method: "POST",
    url: "http://h/apex/tiles",
    body: {
      status: "error",
      error_code: "VALIDATION_ERROR",
      message: "Request validation failed.",
      details: {
        errors: [{
          type: "enum",
          loc: ["body", "grid"],
          msg: "Input should be '20x20km'",
          input: "x",
        }],
      },
      request_id: "abc",
    },
  });
  assert.equal(apex.code, "VALIDATION_ERROR");
  assert.match(apex.message, /body\.grid: Input should be '20x20km'/);
  assert.equal(apex.requestId, "abc");
  const jsonapi = new HttpError({
    status: 400,
    method: "GET",
    url: "http://h/v1/inference",
    body: {
      errors: [{ detail: "bad filter", source: { parameter: "filter" }, title: "Bad Request" }],
    },
  });
  assert.match(jsonapi.message, /bad filter/);
  const up42 = new HttpError({
    status: 400,
    method: "POST",
    url: "http://h/v2/processing/processes/x/validation",
    body: { errors: [{ name: "InvalidSchema", message: "Missing 'title'" }] },
  });
  assert.match(up42.message, /InvalidSchema: Missing 'title'/);
});

Deno.test("a body that breaks off is read again within the retry budget, with backoff", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", dropRate: 1, times: 3 });
  const sleep = sleepRecorder();
  const http = new HttpClient({ baseUrl: sb.url, sleep, retry: { retries: 4, baseMs: 100 } });
  assert.deepEqual(await http.json("/health"), { status: "ok" });
  assert.equal(sleep.waits.length, 3, "three broken bodies, three waits");
  sb.faults.add({ prefix: "/health", dropRate: 1, times: 10 });
  await assert.rejects(http.json("/health"), NetworkError);
});

Deno.test("Retry-After as an HTTP date is read against the server's own clock", async () => {
  const skew = 3_600_000;
  let calls = 0;
  await using server = await recordingServer(() => {
    calls++;
    if (calls > 1) return Response.json({ ok: true });
    const serverClock = Date.now() + skew;
    return new Response("busy", {
      status: 503,
      headers: {
        date: new Date(serverClock).toUTCString(),
        "retry-after": new Date(serverClock + 2_000).toUTCString(),
      },
    });
  });
  const sleep = sleepRecorder();
  const http = new HttpClient({ baseUrl: server.url, sleep });
  assert.deepEqual(await http.json("x"), { ok: true });
  assert.equal(sleep.waits.length, 1);
  // Whole seconds in HTTP dates: about 2 s, not an hour.
  assert.ok(sleep.waits[0] >= 1_000 && sleep.waits[0] <= 3_000, `waited ${sleep.waits[0]} ms`);
});

Deno.test("an HTML page or JSON cut short under a 200 is retried as a transient failure", async () => {
  let calls = 0;
  await using server = await recordingServer((request) => {
    calls++;
    if (new URL(request.url).pathname === "/always") return new Response("<html>gateway</html>");
    return calls === 1 ? new Response('{"status": "runn') : Response.json({ status: "running" });
  });
  const sleep = sleepRecorder();
  const http = new HttpClient({ baseUrl: server.url, sleep, retry: { retries: 2 } });
  assert.deepEqual(await http.json("job"), { status: "running" });
  await assert.rejects(
    http.json("always"),
    (e: Error) =>
      e instanceof NetworkError &&
      /\/always .*the answer is not JSON \(an HTML page, \d+ bytes\)/.test(e.message),
  );
  assert.equal(sleep.waits.length, 3, "one retry, then two more for the page that stays HTML");
});
