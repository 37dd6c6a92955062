import assert from "node:assert/strict";
import { HttpClient, UnsafeUrlError } from "../../lib/http/mod.ts";
import { downloadFile } from "../../lib/download/download.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { hostileProxy, recordingServer, sandbox, tempDir, up42JobThrough } from "../helpers.ts";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl";

function authHeaders(requests: Request[]): Array<string | null> {
  return requests.map((r) => r.headers.get("authorization"));
}

Deno.test("the token goes to the configured origin only, never to a host a server names", async () => {
  await using home = await recordingServer();
  await using foreign = await recordingServer();
  const http = new HttpClient({ baseUrl: home.url, auth: TOKEN });
  await (await http.request("/own")).text();
  await (await http.request(`${foreign.url}/asset.tif`)).text();
  await (await http.request(`${foreign.url}/asset.tif`, { auth: true })).text();
  assert.deepEqual(authHeaders(home.requests), [`Bearer ${TOKEN}`]);
  assert.deepEqual(authHeaders(foreign.requests), [null, null]);
});

Deno.test("a redirect to a foreign host drops the token; one back home carries it again", async () => {
  await using foreign = await recordingServer((r) =>
    new URL(r.url).pathname === "/bounce"
      ? new Response(null, { status: 302, headers: { location: `${homeUrl}/back` } })
      : new Response("bytes")
  );
  let homeUrl = "";
  await using home = await recordingServer((r) => {
    const path = new URL(r.url).pathname;
    if (path === "/download") {
      return new Response(null, { status: 302, headers: { location: `${foreign.url}/file` } });
    }
    if (path === "/away") {
      return new Response(null, { status: 307, headers: { location: `${foreign.url}/bounce` } });
    }
    return new Response("home");
  });
  homeUrl = home.url;
  const http = new HttpClient({ baseUrl: home.url, auth: TOKEN });
  assert.equal(await (await http.request("/download")).text(), "bytes");
  assert.equal(await (await http.request("/away")).text(), "home");
  assert.deepEqual(authHeaders(foreign.requests), [null, null]);
  assert.deepEqual(authHeaders(home.requests), [
    `Bearer ${TOKEN}`,
    `Bearer ${TOKEN}`,
    `Bearer ${TOKEN}`,
  ]);
});

Deno.test("a documented storage host may be trusted explicitly", async () => {
  await using home = await recordingServer();
  await using storage = await recordingServer();
  const http = new HttpClient({ baseUrl: home.url, auth: TOKEN, trustedOrigins: [storage.url] });
  await (await http.request(`${storage.url}/bucket/x.tif`)).text();
  assert.deepEqual(authHeaders(storage.requests), [`Bearer ${TOKEN}`]);
  assert.equal(http.trusts(`${storage.url}/y`), true);
  assert.equal(http.trusts("http://127.0.0.1:1/"), false);
});

Deno.test("up42: asset hrefs, signed-URL requests and next links on a foreign host get no token", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  await using foreign = await recordingServer((r) =>
    new URL(r.url).pathname.endsWith("/download-url")
      ? Response.json({ url: `${foreignUrl}/signed.tif` })
      : new URL(r.url).pathname.startsWith("/jobs")
      ? Response.json({ jobs: [], links: [] })
      : new Response("tif bytes")
  );
  const foreignUrl = foreign.url;
  await using proxy = await hostileProxy(sb.url, (path, body) => {
    if (path.endsWith("/v2/assets/stac/search")) {
      const page = body as {
        features: Array<
          {
            properties: { "up42-system:job_id"?: string };
            assets: Record<string, { href: string }>;
          }
        >;
      };
      for (const f of page.features.filter((f) => f.properties["up42-system:job_id"])) {
        for (const a of Object.values(f.assets)) {
          a.href = `${foreign.url}/steal${new URL(a.href).pathname}`;
        }
      }
    }
    if (path.endsWith("/v2/processing/jobs")) {
      const page = body as { links: Array<{ rel: string; href: string }> };
      page.links = [{ rel: "next", href: `${foreign.url}/jobs?page=1` }];
    }
    return body;
  });
  const { job, up42 } = await up42JobThrough(sb.url, `${proxy.url}/up42`, clock);
  const [file] = await job.download(dir.path);
  assert.equal(await Deno.readTextFile(file.path), "tif bytes");
  const href = Object.values((await job.results())[0].assets)[0].href;
  assert.match(await up42.signedUrl(href), /signed\.tif$/);
  for await (const _ of up42.jobs()) { /* every page */ }
  assert.ok(
    foreign.requests.length >= 3,
    `${foreign.requests.length} requests reached the foreign host`,
  );
  assert.deepEqual(authHeaders(foreign.requests).filter((h) => h !== null), []);
  assert.ok(
    authHeaders(proxy.requests).some((h) => h?.startsWith("Bearer ")),
    "the platform itself got the token",
  );
});

Deno.test("a redirect or href to file: or data: is refused before anything is read", async () => {
  await using dir = await tempDir();
  const secret = `${dir.path}/tokens.json`;
  await Deno.writeTextFile(secret, JSON.stringify({ access_token: "do-not-leak" }));
  await using server = await recordingServer((request) => {
    const path = new URL(request.url).pathname;
    const to = path === "/to-file" ? `file://${secret}` : 'data:application/json,{"id":1}';
    return new Response(null, { status: 302, headers: { location: to } });
  });
  const http = new HttpClient({ baseUrl: server.url, auth: "TOKEN" });
  for (const path of ["to-file", "to-data"]) {
    await assert.rejects(
      http.json(path),
      (e: Error) =>
        e instanceof UnsafeUrlError &&
        /a redirect to a (file|data): URL is refused/.test(e.message),
    );
  }
  await assert.rejects(
    downloadFile(`file://${secret}`, `${dir.path}/copied.json`),
    /a request to a file: URL is refused/,
  );
  assert.equal(await Deno.stat(`${dir.path}/copied.json`).then(() => true, () => false), false);
  assert.equal(server.requests.length, 2, "each redirect asked once, never retried");
});
