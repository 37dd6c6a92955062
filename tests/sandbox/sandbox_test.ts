import assert from "node:assert/strict";
import { parseFault } from "../../lib/sandbox/main.ts";
import { sandbox, tempDir } from "../helpers.ts";
import { connectBeod } from "../../lib/platforms/beod/mod.ts";

Deno.test("deno task sandbox --port 0 prints where it listens, and its permissions suffice for every twin", async () => {
  const task = JSON.parse(await Deno.readTextFile("deno.json")).tasks.sandbox.split(" ").slice(2);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...task, "--port", "0", "--time-scale", "0.001"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const m = text.match(/^sandbox listening on (http:\/\/127\.0\.0\.1:(\d+))\n/);
    assert.ok(m, `unexpected first line: ${text}`);
    const health = await fetch(`${m[1]}/health`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    // A BEOD extraction writes a GeoPackage through node:sqlite: the task must allow that.
    const beod = connectBeod({ sandbox: m[1] });
    const project = await beod.createProject("cli");
    await beod.createAoi(
      project,
      "POLYGON ((6.95 43.605, 6.955 43.605, 6.955 43.61, 6.95 43.605))",
    );
    const scenario = await beod.createScenario(project, "extraction-mono", {
      name: "cli",
      source_image_type: "basemap",
      source_image_id: 1,
      augmented: false,
      output_crs: 4326,
      vector_formats: "geopackage",
      raster_formats: "geotiff",
      three_d_formats: "3d_tiles",
      dl_models: [],
    });
    for await (const _ of scenario.watch({ intervalMs: 20 }));
    await using dir = await tempDir();
    const [zip] = await scenario.download(dir.path);
    assert.ok(zip.bytes > 1000);
    reader.releaseLock();
  } finally {
    child.kill();
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
});

Deno.test("the sandbox binds 127.0.0.1 only and serves discovery per realm", async () => {
  await using sb = await sandbox();
  assert.match(sb.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const config = await (await fetch(`${sb.issuer("apex")}/.well-known/openid-configuration`))
    .json();
  assert.equal(config.issuer, sb.issuer("apex"));
  assert.ok(config.code_challenge_methods_supported.includes("S256"));
  assert.ok(config.device_authorization_endpoint.endsWith("/protocol/openid-connect/auth/device"));
  const jwks = await (await fetch(config.jwks_uri)).json();
  assert.equal(jwks.keys[0].alg, "RS256");
  const unknown = await fetch(`${sb.url}/auth/realms/nope/.well-known/openid-configuration`);
  assert.equal(unknown.status, 404);
  assert.match((await unknown.json()).error_description, /nope/);
});

Deno.test("token endpoint: Keycloak fields, JWT claims and OAuth errors", async () => {
  await using sb = await sandbox({ lifetimes: { accessSeconds: 1 } });
  const token = (body: Record<string, string>, type = "application/x-www-form-urlencoded") =>
    fetch(`${sb.issuer("sen2cube-at")}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": type },
      body: type.includes("json") ? JSON.stringify(body) : new URLSearchParams(body),
    });
  const ok = await (await token({
    grant_type: "password",
    client_id: "iq-web-client",
    username: "demo",
    password: "demo",
  })).json();
  for (
    const f of [
      "access_token",
      "expires_in",
      "refresh_expires_in",
      "refresh_token",
      "token_type",
      "scope",
      "session_state",
    ]
  ) {
    assert.ok(f in ok, f);
  }
  assert.equal(ok.expires_in, 1);
  const claims = JSON.parse(
    atob(ok.access_token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/")),
  );
  for (const c of ["iss", "sub", "aud", "exp", "preferred_username", "email"]) {
    assert.ok(c in claims, c);
  }
  assert.equal(claims.iss, sb.issuer("sen2cube-at"));

  const json = await token({ grant_type: "password" }, "application/json");
  assert.equal(json.status, 400);
  assert.equal((await json.json()).error, "invalid_request");
  const noGrant = await token({ client_id: "iq-web-client" });
  assert.deepEqual(await noGrant.json(), {
    error: "invalid_request",
    error_description: "Missing form parameter: grant_type",
  });
  const badClient = await token({
    grant_type: "password",
    client_id: "x",
    username: "demo",
    password: "demo",
  });
  assert.equal(badClient.status, 401);
  assert.equal((await badClient.json()).error, "invalid_client");
  const badGrant = await token({ grant_type: "magic", client_id: "iq-web-client" });
  assert.equal((await badGrant.json()).error, "unsupported_grant_type");
});

Deno.test("authorization endpoint: unknown client and non-loopback redirect are refused", async () => {
  await using sb = await sandbox();
  const auth = (params: Record<string, string>) =>
    fetch(`${sb.issuer("apex")}/protocol/openid-connect/auth?${new URLSearchParams(params)}`);
  const unknown = await auth({
    client_id: "nobody",
    redirect_uri: "http://127.0.0.1:1/cb",
    response_type: "code",
  });
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /Client not found/);
  const remote = await auth({
    client_id: "apex-dispatcher-api-prod",
    redirect_uri: "https://evil.example/cb",
    response_type: "code",
  });
  assert.equal(remote.status, 400);
  assert.match(await remote.text(), /redirect_uri/);
});

Deno.test("expireTokens makes every access token fail verification", async () => {
  await using sb = await sandbox();
  const r = await fetch(`${sb.issuer("apex")}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "apex-dispatcher-api-prod",
      username: "demo",
      password: "demo",
    }),
  });
  const { access_token } = await r.json();
  assert.ok(await sb.oidc.verifyAccess("apex", access_token));
  sb.oidc.expireTokens();
  assert.equal(await sb.oidc.verifyAccess("apex", access_token), undefined);
});

Deno.test("fault specs from the command line", () => {
  assert.deepEqual(parseFault("/apex:503=0.2,latency=150"), {
    prefix: "/apex",
    rate503: 0.2,
    latencyMs: 150,
  });
  assert.throws(() => parseFault("apex:503=1"), /PREFIX:key=value/);
  assert.throws(() => parseFault("/apex:teapot=1"), /unknown key "teapot"/);
});

Deno.test("faults: latency is added and a share of requests fails", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", latencyMs: 120 });
  const t0 = performance.now();
  await (await fetch(`${sb.url}/health`)).body?.cancel();
  assert.ok(performance.now() - t0 >= 110);
  sb.faults.clear();
  const remove = sb.faults.add({ prefix: "/health", rate503: 0.5 });
  const statuses = [];
  for (let i = 0; i < 40; i++) {
    const r = await fetch(`${sb.url}/health`);
    statuses.push(r.status);
    await r.body?.cancel();
  }
  remove();
  const failed = statuses.filter((s) => s === 503).length;
  assert.ok(failed > 8 && failed < 32, `about half failed: ${failed}`);
  assert.throws(() => sb.faults.add({ prefix: "/x", rate429: 2 }), /rate429/);
});

Deno.test("sandbox controls over HTTP: faults and expiring every token", async () => {
  await using sb = await sandbox();
  const token = await (await fetch(`${sb.issuer("apex")}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "apex-dispatcher-api-prod",
      username: "demo",
      password: "demo",
    }),
  })).json();
  const added = await fetch(`${sb.url}/_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ prefix: "/health", rate503: 1, times: 1 }),
  });
  assert.equal(added.status, 201);
  await added.body?.cancel();
  const failing = await fetch(`${sb.url}/health`);
  assert.equal(failing.status, 503);
  await failing.body?.cancel();
  const bad = await fetch(`${sb.url}/_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ prefix: "health", rate503: 1 }),
  });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).message, /must start with "\/"/);
  const expired = await fetch(`${sb.url}/_sandbox/expire-tokens?refresh=true`, { method: "POST" });
  assert.deepEqual(await expired.json(), { expired: true, refresh: true });
  assert.equal(await sb.oidc.verifyAccess("apex", token.access_token), undefined);
  const refresh = await fetch(`${sb.issuer("apex")}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: "apex-dispatcher-api-prod",
      refresh_token: token.refresh_token,
    }),
  });
  assert.equal((await refresh.json()).error, "invalid_grant");
});

Deno.test("sandbox controls refuse requests a foreign web page sends", async () => {
  await using sb = await sandbox();
  const attempts: Array<[string, RequestInit]> = [
    ["/_sandbox/faults", {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "text/plain" },
      body: JSON.stringify({ prefix: "/", rate503: 1 }),
    }],
    ["/_sandbox/expire-tokens", { method: "POST", headers: { origin: "null" } }],
    ["/_sandbox/faults", { method: "DELETE", headers: { "sec-fetch-site": "cross-site" } }],
  ];
  for (const [path, init] of attempts) {
    const answer = await fetch(`${sb.url}${path}`, init);
    assert.equal(answer.status, 403, `${init.method} ${path}`);
    assert.match((await answer.json()).message, /refused/);
  }
  const health = await fetch(`${sb.url}/health`);
  assert.equal(health.status, 200, "no fault was injected");
  await health.body?.cancel();
  const same = await fetch(`${sb.url}/_sandbox/faults`, {
    method: "POST",
    headers: { origin: sb.url },
    body: JSON.stringify({ prefix: "/health", rate503: 1, times: 1 }),
  });
  assert.equal(same.status, 201, "the sandbox's own pages and scripts still may");
  await same.body?.cancel();
});
