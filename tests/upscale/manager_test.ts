import assert from "node:assert/strict";
import { apexBackend, connectApex } from "../../lib/platforms/apex/mod.ts";
import type { ApexTwin } from "../../lib/sandbox/apex/twin.ts";
import { JobManager } from "../../lib/upscale/manager.ts";
import { progressLine } from "../../lib/upscale/progress.ts";
import { sandbox, tempDir } from "../helpers.ts";
import { PV_TILE_REQUEST } from "../fixtures.ts";

const request = PV_TILE_REQUEST;
const items = Array.from({ length: 6 }, (_, i) => ({
  key: `cell-${i}`,
  item: { west: 16 + i * 0.02, south: 48, east: 16.02 + i * 0.02, north: 48.02 } as unknown,
}));

Deno.test("manager: an answer lost after the job was created is healed without a second job", async () => {
  await using sb = await sandbox({ timeScale: 0.002 });
  await using dir = await tempDir();
  sb.faults.add({ prefix: "/apex/unit_jobs", lostAnswerRate: 1, times: 3 });
  const apex = connectApex({ sandbox: sb.url });
  const manager = await JobManager.open(items, {
    backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
    dir: dir.path,
    concurrency: 6,
    pollIntervalMs: 20,
    retryDelayMs: 10,
    maxAttempts: 5,
  });
  const phases = new Map<string, string[]>();
  for await (const e of manager.run()) {
    if (e.kind !== "row") continue;
    phases.set(e.row.key, [...(phases.get(e.row.key) ?? []), e.row.phase]);
  }
  const jobs = [...sb.twin<ApexTwin>("/apex").store.jobs.values()];
  for (const { key } of items) {
    const titles = jobs.filter((j) => j.title.includes(`[eojobs:${key}#`)).map((j) => j.title);
    assert.equal(new Set(titles).size, titles.length, `${key} submitted twice: ${titles}`);
  }
  assert.ok([...phases.values()].every((p) => p.at(-1) === "done" || p.at(-1) === "failed"));
  const healed = [...phases.values()].filter((p) =>
    p.includes("submitting") && p.filter((x) => x === "submitting").length >= 2
  );
  assert.ok(healed.length >= 1, "some submissions were unclear and reconciled");
});

Deno.test("manager: concurrency is respected and failures are retried up to the limit", async () => {
  await using sb = await sandbox({ timeScale: 0.002 });
  await using dir = await tempDir();
  const apex = connectApex({ sandbox: sb.url });
  let maxActive = 0;
  const manager = await JobManager.open(items, {
    backend: apexBackend(apex, { request, dimension: "spatial_extent" }),
    dir: dir.path,
    concurrency: 2,
    pollIntervalMs: 20,
    retryDelayMs: 10,
    download: false,
  });
  let last;
  for await (const e of manager.run()) {
    maxActive = Math.max(maxActive, e.counts.active + e.counts.submitting);
    last = e;
  }
  assert.ok(maxActive <= 2, `at most 2 at once, saw ${maxActive}`);
  assert.equal(last!.counts.done + last!.counts.failed, 6);
  assert.ok(manager.table.rows().every((r) => r.attempts.length >= 1 && r.attempts.length <= 3));
  assert.match(
    progressLine(last!.counts, 6),
    /^\[#{20}\] \d\/6 done, 0 running, 0 waiting, \d failed$/,
  );
});

Deno.test("manager: bad keys are refused up front", async () => {
  await using dir = await tempDir();
  const backend = { name: "none" } as never;
  await assert.rejects(
    JobManager.open([{ key: "a/b", item: 1 }], { backend, dir: dir.path }),
    /letters, digits/,
  );
  await assert.rejects(
    JobManager.open([{ key: "a", item: 1 }, { key: "a", item: 2 }], { backend, dir: dir.path }),
    /twice/,
  );
  await assert.rejects(
    JobManager.open([{ key: "k".repeat(300), item: 1 }], { backend, dir: dir.path }),
    /300 characters, more than 200; use a shorter key/,
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)], [], "nothing written for refused items");
});
