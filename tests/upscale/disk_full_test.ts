/**
 * A full disk, on a small tmpfs mounted for the test (root only; elsewhere the test says why it
 * is skipped): the error names the file and says the disk is full, the platform is never blamed,
 * no partial file is left, and after space is freed the run goes on without a second job.
 */
import assert from "node:assert/strict";
import { DownloadError, downloadFile } from "../../lib/download/download.ts";
import { apexBackend, connectApex } from "../../lib/platforms/apex/mod.ts";
import { type ApexTwin, apexTwin } from "../../lib/sandbox/apex/twin.ts";
import { JobManager, JobTable, RunStoppedError, TableWriteError } from "../../lib/upscale/mod.ts";
import { recordingServer, sandbox, tempDir } from "../helpers.ts";
import { PV_TILE_REQUEST } from "../fixtures.ts";

async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
      stderr: "null",
      stdout: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  }
}

async function unmount(dir: string) {
  await new Deno.Command("umount", { args: [dir] }).output();
}

/** Fills the file system under `dir` but for about `leave` bytes; returns the filler's path. */
async function fill(dir: string, leave: number): Promise<string> {
  const path = `${dir}/filler`;
  using file = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(16 << 10);
  let size = 0;
  try {
    while (true) size += await file.write(chunk);
  } catch { /* full */ }
  await file.truncate(Math.max(0, size - leave));
  return path;
}

function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(`${d}/${e.name}`);
      else if (/\.(part|tmp)$/.test(e.name)) found.push(`${d}/${e.name}`);
    }
  };
  walk(dir);
  return found;
}

const probe = await Deno.makeTempDir();
const canMount = Deno.uid() === 0 && await mountTmpfs(probe, "64k");
if (canMount) await unmount(probe);
await Deno.remove(probe);

Deno.test({
  name:
    "disk full: a download or a new job table names its file and the full disk, and leaves no partial file",
  ignore: !canMount,
  async fn() {
    await using dir = await tempDir();
    assert.ok(await mountTmpfs(dir.path, "1m"));
    try {
      const body = new Uint8Array(3 << 20).fill(1);
      await using server = await recordingServer(() => new Response(body));
      const path = `${dir.path}/tile-1/openEO.tif`;
      await assert.rejects(() => downloadFile(`${server.url}/openEO.tif`, path), (e: Error) => {
        assert.ok(e instanceof DownloadError, `${e.name}: ${e.message}`);
        assert.match(e.message, new RegExp(`^${path}: the disk is full .*free some space`));
        return true;
      });
      assert.deepEqual(leftovers(dir.path), []);

      await fill(dir.path, 0);
      await assert.rejects(
        () => JobTable.inFolder(`${dir.path}/run`),
        (e: Error) => {
          assert.ok(e instanceof TableWriteError, `${e.name}: ${e.message}`);
          assert.match(e.message, new RegExp(`^${dir.path}/run/jobs.gpkg: the disk is full`));
          return true;
        },
      );
      const run = [...Deno.readDirSync(`${dir.path}/run`)].map((e) => e.name);
      assert.ok(!run.some((n) => n.startsWith("jobs.gpkg")), `no half table left: ${run}`);
    } finally {
      await unmount(dir.path);
    }
  },
});

Deno.test({
  name:
    "disk full: the manager stops naming the file, never the platform; once space is freed the run ends with no job twice",
  ignore: !canMount,
  async fn() {
    await using sb = await sandbox({
      timeScale: 0.002,
      mounts: [apexTwin({ lifeCycle: { failShare: 0 } })],
    });
    await using dir = await tempDir();
    assert.ok(await mountTmpfs(dir.path, "2m"));
    try {
      const run = `${dir.path}/run`;
      const items = Array.from({ length: 6 }, (_, i) => ({
        key: `cell-${i}`,
        item: { west: 16 + i * 0.02, south: 48, east: 16.02 + i * 0.02, north: 48.02 } as unknown,
      }));
      const options = {
        backend: apexBackend(connectApex({ sandbox: sb.url }), {
          request: PV_TILE_REQUEST,
          dimension: "spatial_extent",
        }),
        dir: run,
        concurrency: 3,
        pollIntervalMs: 20,
        retryDelayMs: 10,
      };
      const first = await JobManager.open(items, options);
      const filler = await fill(dir.path, 24 << 10);
      await assert.rejects(
        async () => {
          for await (const _ of first.run()) { /* until it stops */ }
        },
        (e: Error) => {
          assert.ok(e instanceof RunStoppedError, `${e.name}: ${e.message}`);
          assert.equal(e.reason, "disk");
          assert.match(e.message, new RegExp(`${run}/\\S+: the disk is full`));
          assert.doesNotMatch(e.message, /refused|APEx/);
          return true;
        },
      );
      assert.deepEqual(leftovers(dir.path), []);

      await Deno.remove(filler);
      const second = await JobManager.open(items, options);
      for await (const _ of second.run()) { /* to the end */ }
      assert.equal(second.counts().done, 6);
      const titles = [...sb.twin<ApexTwin>("/apex").store.jobs.values()].map((j) => j.title);
      assert.equal(new Set(titles).size, titles.length, `no job submitted twice: ${titles}`);
      assert.deepEqual(leftovers(dir.path), []);
    } finally {
      await unmount(dir.path);
    }
  },
});
