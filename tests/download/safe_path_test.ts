import assert from "node:assert/strict";
import { downloadAll, safeRelativePath, UnsafePathError } from "../../lib/download/mod.ts";
import { dispositionFileName } from "../../lib/download/safe_path.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { hostileProxy, recordingServer, sandbox, tempDir, up42JobThrough } from "../helpers.ts";

const HOSTILE = [
  "../../../x",
  "a/../../x",
  "/etc/passwd",
  "C:\\Windows\\x",
  "C:x",
  "a\\..\\..\\x",
  "..",
  ".",
  "",
  "a//b",
  "a/./b",
  "bad\u0000name",
  "line\nbreak",
  "CON",
  "nul.tif",
  "x".repeat(256),
];

Deno.test("safeRelativePath refuses every way out of the folder and keeps ordinary names", () => {
  for (const name of HOSTILE) {
    assert.throws(
      () => safeRelativePath(name, "asset key"),
      (e: Error) =>
        e instanceof UnsafePathError && e.message.startsWith("asset key ") &&
        e.message.includes("refused before anything was written"),
      JSON.stringify(name),
    );
  }
  for (const name of ["openEO.tif", "tile-1/openEO.tif", "a b/ü.gpkg", "..hidden", "x..y"]) {
    assert.equal(safeRelativePath(name, "asset key"), name);
  }
});

Deno.test("Content-Disposition names are checked like any server-named file", () => {
  assert.equal(dispositionFileName('attachment; filename="result.tif"'), "result.tif");
  assert.equal(
    dispositionFileName("attachment; filename*=UTF-8''r%C3%A9sultat.tif"),
    "résultat.tif",
  );
  assert.equal(dispositionFileName("inline"), undefined);
  for (
    const bad of [
      'attachment; filename="../x"',
      "attachment; filename*=UTF-8''..%2Fx",
      'attachment; filename="a/b"',
    ]
  ) {
    assert.throws(() => dispositionFileName(bad), UnsafePathError, bad);
  }
});

Deno.test("downloadAll refuses a bad path before fetching or writing anything", async () => {
  await using dir = await tempDir();
  await using server = await recordingServer();
  await assert.rejects(
    downloadAll([
      { url: `${server.url}/a`, path: "ok.tif" },
      { url: `${server.url}/b`, path: "../escape.tif" },
    ], { dir: `${dir.path}/inner` }),
    UnsafePathError,
  );
  assert.equal(server.requests.length, 0);
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

Deno.test("up42: an asset key that climbs out of the folder is refused and nothing lands outside it", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  await using proxy = await hostileProxy(sb.url, (path, body) => {
    if (!path.endsWith("/v2/assets/stac/search")) return body;
    const page = body as {
      features: Array<
        { properties: { "up42-system:job_id"?: string }; assets: Record<string, unknown> }
      >;
    };
    for (const f of page.features.filter((f) => f.properties["up42-system:job_id"])) {
      f.assets = Object.fromEntries(
        Object.values(f.assets).map((a, i) => [i === 0 ? "../../escaped.tif" : `ok-${i}`, a]),
      );
    }
    return page;
  });
  const { job } = await up42JobThrough(sb.url, `${proxy.url}/up42`, clock);
  const inner = `${dir.path}/a/b`;
  await assert.rejects(
    job.download(inner),
    (e: Error) => e instanceof UnsafePathError && e.message.includes('"../../escaped.tif"'),
  );
  const everything = [...Deno.readDirSync(dir.path)].map((e) => e.name);
  assert.deepEqual(everything, [], "nothing written anywhere under the temp folder");
});

Deno.test("a file name that fits only without the download's .part is refused up front", () => {
  assert.equal(safeRelativePath(`${"a".repeat(250)}`, "asset key"), "a".repeat(250));
  assert.throws(
    () => safeRelativePath(`dir/${"a".repeat(252)}`, "asset key"),
    /asset key.*file name longer than 250 bytes \(255 with the \.part a download adds\)/,
  );
  assert.equal(safeRelativePath(`${"d".repeat(255)}/x.tif`, "asset key").length, 261);
});
