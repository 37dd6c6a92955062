import assert from "node:assert/strict";
import { downloadAll, DownloadError, downloadFile } from "../../lib/download/download.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { countingFetch, finishedApexJob, recordingServer, sandbox, tempDir } from "../helpers.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { HttpClient } from "../../lib/http/client.ts";

/** A finished APEx job's GeoTIFF asset: its URL and its bytes. */
async function asset(sb: Awaited<ReturnType<typeof sandbox>>, clock: ManualClock) {
  const { href } = await finishedApexJob(sb, clock);
  return { href, bytes: new Uint8Array(await (await fetch(href)).arrayBuffer()) };
}

function http(fetch?: typeof globalThis.fetch) {
  return new HttpClient({ baseUrl: "http://127.0.0.1/", fetch, sleep: () => Promise.resolve() });
}

Deno.test("download: a transfer cut halfway resumes with Range and ends complete", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { href, bytes } = await asset(sb, clock);
  sb.faults.add({ prefix: "/apex/assets", cutRate: 1, times: 2 });
  const counted = countingFetch();
  const seen: number[] = [];
  const r = await downloadFile(href, `${dir.path}/a/openEO.tif`, {
    http: http(counted),
    size: bytes.length,
    onProgress: (p) => seen.push(p.received),
  });
  assert.equal(r.resumed, 2);
  assert.deepEqual(await Deno.readFile(r.path), bytes);
  assert.equal(counted.calls[0].headers.get("range"), null);
  assert.match(counted.calls[1].headers.get("range")!, /^bytes=\d+-$/);
  assert.ok(seen.at(-1) === bytes.length && seen.every((v, i) => i === 0 || v >= seen[i - 1]));
  assert.deepEqual([...Deno.readDirSync(`${dir.path}/a`)].map((e) => e.name), ["openEO.tif"]);
});

Deno.test("download: a .part left by a killed run is continued, a complete file is skipped", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { href, bytes } = await asset(sb, clock);
  const path = `${dir.path}/openEO.tif`;
  await Deno.writeFile(`${path}.part`, bytes.subarray(0, 1000));
  const counted = countingFetch();
  const r = await downloadFile(href, path, { http: http(counted) });
  assert.equal(r.resumed, 1);
  assert.equal(counted.calls[0].headers.get("range"), "bytes=1000-");
  assert.deepEqual(await Deno.readFile(path), bytes);
  const again = await downloadFile(href, path, { http: http(counted), size: bytes.length });
  assert.ok(again.skipped);
  assert.equal(counted.calls.length, 1, "nothing fetched for a complete file of the known size");
  await Deno.writeFile(path, new Uint8Array(bytes.length));
  const unknown = await downloadFile(href, path, { http: http(counted) });
  assert.ok(!unknown.skipped, "without a size, a file already there is no proof: fetched again");
  assert.deepEqual(await Deno.readFile(path), bytes);
});

Deno.test("download: a size mismatch is an error and leaves no file behind", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { href, bytes } = await asset(sb, clock);
  const path = `${dir.path}/openEO.tif`;
  await assert.rejects(
    downloadFile(href, path, { size: bytes.length + 5 }),
    (e: Error) =>
      e instanceof DownloadError && /size mismatch: expected \d+ bytes, got \d+/.test(e.message),
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

Deno.test("download: an abort keeps the .part for later and never the final name", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { href, bytes } = await asset(sb, clock);
  const path = `${dir.path}/openEO.tif`;
  const controller = new AbortController();
  await assert.rejects(
    downloadFile(href, path, {
      signal: controller.signal,
      onProgress: () => controller.abort(new Error("stop")),
    }),
    /stop/,
  );
  assert.equal(await Deno.stat(path).catch(() => undefined), undefined);
  const r = await downloadFile(href, path);
  assert.deepEqual(await Deno.readFile(r.path), bytes);
});

Deno.test("download: several files in parallel keep their folders; paths may not escape", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const { href, bytes } = await asset(sb, clock);
  const results = await downloadAll(
    ["x/1.tif", "x/2.tif", "y/3.tif", "4.tif"].map((p) => ({
      url: href,
      path: p,
      size: bytes.length,
    })),
    { dir: dir.path, concurrency: 3 },
  );
  assert.equal(results.length, 4);
  for (const p of ["x/1.tif", "x/2.tif", "y/3.tif", "4.tif"]) {
    assert.equal((await Deno.stat(`${dir.path}/${p}`)).size, bytes.length);
  }
  await assert.rejects(
    downloadAll([{ url: href, path: "../evil.tif" }], { dir: dir.path }),
    /download path "\.\.\/evil\.tif" has a "\.\." segment that leaves or skips its folder/,
  );
});

Deno.test("download: a size learnt from a failed attempt is not held against the next one", async () => {
  await using dir = await tempDir();
  let n = 0;
  await using server = await recordingServer(() => {
    n++;
    // The first answer promises 1024 bytes and breaks off; the file then changes to 5000 bytes
    // and the server ignores Range.
    if (n === 1) {
      return new Response(
        new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array(100));
            c.error(new Error("cut"));
          },
        }),
        { headers: { "content-length": "1024" } },
      );
    }
    return new Response(new Uint8Array(5000));
  });
  const r = await downloadFile(`${server.url}/f`, `${dir.path}/f.bin`);
  assert.equal(r.bytes, 5000);
  assert.equal((await Deno.stat(`${dir.path}/f.bin`)).size, 5000);
});

Deno.test("download: an HTTP error leaves no .part behind; a broken transfer keeps it to resume", async () => {
  await using dir = await tempDir();
  await Deno.writeFile(`${dir.path}/gone.tif.part`, new Uint8Array(10));
  await using server = await recordingServer((r) =>
    new URL(r.url).pathname === "/gone" ? new Response("gone", { status: 410 }) : new Response(
      new ReadableStream({
        pull(c) {
          c.enqueue(new Uint8Array(10));
          c.error(new Error("cut"));
        },
      }),
      { headers: { "content-length": "100" } },
    )
  );
  await assert.rejects(downloadFile(`${server.url}/gone`, `${dir.path}/gone.tif`), HttpError);
  await assert.rejects(Deno.stat(`${dir.path}/gone.tif.part`), Deno.errors.NotFound);
  await assert.rejects(
    downloadFile(`${server.url}/cut`, `${dir.path}/cut.tif`, { resumes: 1 }),
    DownloadError,
  );
  assert.ok((await Deno.stat(`${dir.path}/cut.tif.part`)).isFile, "kept for a later resume");
});

Deno.test("download: a checksum mismatch removes the file; a match keeps it", async () => {
  await using dir = await tempDir();
  const bytes = new TextEncoder().encode("hello");
  await using server = await recordingServer(() => new Response(bytes));
  const good = "1220" + "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  assert.equal(
    (await downloadFile(`${server.url}/x`, `${dir.path}/ok.txt`, { checksum: good })).bytes,
    5,
  );
  await assert.rejects(
    downloadFile(`${server.url}/x`, `${dir.path}/bad.txt`, { checksum: "1220" + "0".repeat(64) }),
    /checksum mismatch/,
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["ok.txt"]);
  await assert.rejects(
    downloadFile(`${server.url}/x`, `${dir.path}/c.txt`, { checksum: "md5:abc" }),
    /not a sha2-256 multihash/,
  );
});
