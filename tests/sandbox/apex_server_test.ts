/**
 * The APEx twin answers as the Dispatch API server (v0.7.2: FastAPI, Starlette, PyJWT) does,
 * status codes and bodies included: tokens without an audience, the order of the auth and
 * validation checks, pydantic's lenient path ids, Starlette's 405 and 307, the synchronous
 * run's pass-through status, and a task status that stays put once terminal.
 */
import assert from "node:assert/strict";
import { connectApex } from "../../lib/platforms/apex/mod.ts";
import type { ApexTwin } from "../../lib/sandbox/apex/twin.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { sandbox } from "../helpers.ts";
import { PV_UDP } from "../fixtures.ts";

const JOB = {
  title: "PV farms",
  label: "openeo",
  service: { endpoint: "https://openeofed.dataspace.copernicus.eu", application: PV_UDP },
  format: "gtiff",
  parameters: { spatial_extent: { west: 16.34, south: 47.96, east: 16.41, north: 48.0 } },
};

async function call(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const r = await fetch(url, { ...init, headers, redirect: "manual" });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: r.status, headers: r.headers, body: body as Record<string, unknown> };
}

function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")));
}

Deno.test("apex server: tokens carry no audience; a token that names one is refused", async () => {
  await using sb = await sandbox();
  const token = await connectApex({ sandbox: sb.url }).session!.getToken();
  assert.equal(claims(token).aud, undefined);
  // A Sen2Cube token (audience "account", another realm) is no APEx token.
  const form = new URLSearchParams({
    grant_type: "password",
    client_id: "iq-web-client",
    username: "demo",
    password: "demo",
  });
  const other =
    await (await fetch(`${sb.url}/auth/realms/sen2cube-at/protocol/openid-connect/token`, {
      method: "POST",
      body: form,
    })).json();
  assert.equal(claims(other.access_token).aud, "account");
  const refused = await call(`${sb.url}/apex/jobs_status`, { token: other.access_token });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error_code, "AUTHENTICATION_FAILED");
});

Deno.test("apex server: missing header first, then validation, then the token", async () => {
  await using sb = await sandbox();
  const base = `${sb.url}/apex`;
  const badBody = { method: "POST", body: JSON.stringify({ title: 1 }) };
  const noHeader = await call(`${base}/unit_jobs`, badBody);
  assert.equal(noHeader.status, 401);
  assert.deepEqual(noHeader.body, { detail: "Not authenticated" });
  const noHeaderBadId = await call(`${base}/unit_jobs/abc`);
  assert.equal(noHeaderBadId.status, 401);
  const badTokenBadBody = await call(`${base}/unit_jobs`, { ...badBody, token: "x.y.z" });
  assert.equal(badTokenBadBody.status, 422);
  assert.equal(badTokenBadBody.body.error_code, "VALIDATION_ERROR");
  const badTokenGoodBody = await call(`${base}/unit_jobs`, {
    method: "POST",
    body: JSON.stringify(JOB),
    token: "x.y.z",
  });
  assert.equal(badTokenGoodBody.status, 401);
  assert.equal(badTokenGoodBody.body.error_code, "AUTHENTICATION_FAILED");
  const broken = await call(`${base}/unit_jobs`, { method: "POST", body: "{,", token: "x.y.z" });
  assert.equal(broken.status, 422);
  const [error] = (broken.body.details as { errors: Array<Record<string, unknown>> }).errors;
  assert.deepEqual(error, {
    type: "json_invalid",
    loc: ["body", 1],
    msg: "JSON decode error",
    input: {},
  });
});

Deno.test("apex server: /params validates its body like every other (422, not 500)", async () => {
  await using sb = await sandbox();
  const token = await connectApex({ sandbox: sb.url }).session!.getToken();
  const missing = await call(`${sb.url}/apex/params`, {
    method: "POST",
    body: JSON.stringify({ service: JOB.service }),
    token,
  });
  assert.equal(missing.status, 422);
  const errors =
    (missing.body.details as { errors: Array<{ loc: string[]; type: string }> }).errors;
  assert.deepEqual(errors.map((e) => [e.type, e.loc.join(".")]), [["missing", "body.label"]]);
  const ok = await call(`${sb.url}/apex/params`, {
    method: "POST",
    body: JSON.stringify({ label: "openeo", service: JOB.service }),
    token,
  });
  assert.equal(ok.status, 200);
});

Deno.test("apex server: a synchronous run passes openEO's 200 through", async () => {
  await using sb = await sandbox();
  const token = await connectApex({ sandbox: sb.url }).session!.getToken();
  const r = await fetch(`${sb.url}/apex/sync_jobs`, {
    method: "POST",
    body: JSON.stringify(JOB),
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 200);
  assert.ok((await r.arrayBuffer()).byteLength > 100);
});

Deno.test("apex server: 405 with Allow on a known path, 307 for a trailing slash, 404 else", async () => {
  await using sb = await sandbox();
  const token = await connectApex({ sandbox: sb.url }).session!.getToken();
  const put = await call(`${sb.url}/apex/unit_jobs`, { method: "PUT", token });
  assert.equal(put.status, 405);
  assert.deepEqual(put.body, { detail: "Method Not Allowed" });
  assert.equal(put.headers.get("allow"), "POST");
  const post = await call(`${sb.url}/apex/unit_jobs/1`, { method: "POST" });
  assert.equal(post.status, 405);
  // Starlette answers with the methods of the first route whose path fits: the GET route.
  assert.equal(post.headers.get("allow"), "GET");
  const slash = await call(`${sb.url}/apex/unit_jobs/?x=1`, { token });
  assert.equal(slash.status, 307);
  assert.equal(slash.headers.get("location"), `${sb.url}/apex/unit_jobs?x=1`);
  const unknown = await call(`${sb.url}/apex/nothing`, { token });
  assert.equal(unknown.status, 404);
});

Deno.test("apex server: path ids parse like pydantic; beyond 64 bits the database fails", async () => {
  await using sb = await sandbox();
  const apex = connectApex({ sandbox: sb.url });
  const token = await apex.session!.getToken();
  const job = await apex.submitUnitJob(JOB as never);
  for (const id of [`${job.id}.0`, `%20${job.id}`, `+${job.id}`]) {
    const r = await call(`${sb.url}/apex/unit_jobs/${id}`, { token });
    assert.equal(r.status, 200, id);
    assert.equal(r.body.id, job.id);
  }
  const fraction = await call(`${sb.url}/apex/unit_jobs/1.5`, { token });
  assert.equal(fraction.status, 422);
  const huge = await call(`${sb.url}/apex/unit_jobs/99999999999999999999`, { token });
  assert.equal(huge.status, 500);
  assert.equal(huge.body.error_code, "INTERNAL_ERROR");
  const nobody = await call(`${sb.url}/apex/unit_jobs/9223372036854775807`, { token });
  assert.equal(nobody.status, 404);
});

Deno.test("apex server: a task's status stays put once terminal, even after its jobs go", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const apex = connectApex({ sandbox: sb.url, clock });
  const task = await apex.submitUpscaleTask({
    ...JOB,
    dimension: { name: "spatial_extent", values: [JOB.parameters.spatial_extent] },
  } as never);
  clock.advance(24 * 3600_000);
  const done = await apex.getUpscaleTask(task.id);
  assert.ok(done.status === "finished" || done.status === "failed", done.status);
  const twin = sb.twin<ApexTwin>("/apex");
  for (const child of done.jobs) await apex.deleteUnitJob(child.id);
  assert.equal(twin.store.jobs.size, 0);
  const after = await apex.getUpscaleTask(task.id);
  assert.equal(after.status, done.status);
  assert.equal(after.updated, done.updated);
});

Deno.test("apex server: websocket handshakes are checked, and the token at every poll", async () => {
  await using sb = await sandbox({ timeScale: 0.05 });
  const apex = connectApex({ sandbox: sb.url });
  const token = await apex.session!.getToken();
  const ws = sb.url.replace("http", "ws");
  const handshake = async (path: string) => {
    const r = await fetch(`${sb.url}/apex${path}`, { headers: { upgrade: "websocket" } });
    await r.body?.cancel();
    return r.status;
  };
  assert.equal(await handshake(`/ws/jobs_status?token=${token}&interval=0.5`), 403);
  assert.equal(await handshake(`/ws/jobs_status?token=${token}&filter=everything`), 403);
  assert.equal(await handshake(`/ws/upscale_tasks/abc?token=${token}`), 403);
  const plain = await fetch(`${sb.url}/apex/ws/jobs_status?token=${token}`);
  assert.equal(plain.status, 404);
  await plain.body?.cancel();
  await assert.rejects(
    (async () => {
      for await (
        const _ of apex.upscaleTask(1).socket({ socketIntervalSeconds: 0.5 })(
          new AbortController().signal,
        )
      );
    })(),
    /socketIntervalSeconds: 0.5 is not a whole number/,
  );
  // A token that expires while the stream runs: loading, error, close 1011.
  const socket = new WebSocket(`${ws}/apex/ws/jobs_status?token=${token}&interval=1`);
  const types: string[] = [];
  const closed = await new Promise<CloseEvent>((resolve) => {
    socket.onmessage = (e) => {
      const m = JSON.parse(e.data);
      types.push(m.type);
      if (m.type === "status" && types.filter((t) => t === "status").length === 1) {
        sb.oidc.expireTokens();
      }
    };
    socket.onclose = resolve;
  });
  assert.deepEqual(types, ["init", "loading", "status", "loading", "error"]);
  assert.equal(closed.code, 1011);
  assert.equal(closed.reason, "AUTHENTICATION_FAILED");
});

Deno.test("apex server: optional STAC fields the server has no value for are null, not missing", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const apex = connectApex({ sandbox: sb.url, clock });
  const job = await apex.submitUnitJob(JOB as never);
  clock.advance(24 * 3600_000);
  const token = await apex.session!.getToken();
  const r = await fetch(`${sb.url}/apex/unit_jobs/${job.id}/results`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 200, "the sandbox's seed lets this job finish");
  const collection = await r.json();
  assert.ok("title" in collection && collection.title === null, "collection title");
  assert.equal(collection.links[0].title, null);
  const [asset] = Object.values(collection.assets) as Array<Record<string, unknown>>;
  assert.equal(asset.title, null);
  assert.equal(asset.description, null);
});
