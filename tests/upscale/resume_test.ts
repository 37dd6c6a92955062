import assert from "node:assert/strict";
import { type ApexTwin, apexTwin } from "../../lib/sandbox/apex/twin.ts";
import { JobTable } from "../../lib/upscale/table.ts";
import { readRaster } from "../../lib/plot/raster.ts";
import { sandbox, tempDir } from "../helpers.ts";

async function runUntil(
  args: string[],
  lines: number | undefined,
): Promise<{ killed: boolean; code: number; out: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/upscale.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let killed = false;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
    if (lines !== undefined && out.split("\n").length > lines && !killed) {
      child.kill("SIGKILL");
      killed = true;
    }
  }
  const status = await child.status;
  const err = await new Response(child.stderr).text();
  return { killed, code: status.code, out: out + err };
}

Deno.test({
  name:
    "upscale: SIGKILL at any moment, restart, and every tile ends with one successful job and one complete download",
  // A few subprocess runs of the CLI; each kill lands at a different point of the run.
  async fn() {
    await using sb = await sandbox({
      timeScale: 0.003,
      mounts: [apexTwin({ lifeCycle: { failShare: 0.25 } })],
    });
    await using dir = await tempDir();
    const out = `${dir.path}/runs/r1`;
    const args = [
      "--sandbox-url",
      sb.url,
      "--out",
      `${dir.path}/runs`,
      "--run",
      "r1",
      "--poll-ms",
      "40",
      "--concurrency",
      "3",
      "--attempts",
      "5",
      "--resume",
    ];
    let kills = 0;
    for (const lines of [2, 6, 11, 17, 24]) {
      const r = await runUntil(args, lines);
      if (r.killed) kills++;
      else {
        assert.equal(r.code, 0, r.out);
        break;
      }
    }
    const final = await runUntil(args, undefined);
    assert.equal(final.code, 0, final.out);
    assert.ok(kills >= 3, `killed ${kills} times`);

    const table = await JobTable.inFolder<unknown>(out, { readOnly: true });
    const rows = table.rows();
    table.close();
    assert.equal(rows.length, 12);
    const jobs = [...sb.twin<ApexTwin>("/apex").store.jobs.values()];
    const now = Date.now();
    const store = sb.twin<ApexTwin>("/apex").store;
    for (const row of rows) {
      assert.equal(row.phase, "done", `${row.key}: ${row.phase} ${row.error ?? ""}`);
      const mine = jobs.filter((j) => j.title.includes(`[eojobs:${row.key}#`));
      const tags = mine.map((j) => j.title);
      assert.equal(
        new Set(tags).size,
        tags.length,
        `${row.key}: a tag was submitted twice: ${tags}`,
      );
      const finished = mine.filter((j) => store.status(j, now) === "finished");
      assert.equal(finished.length, 1, `${row.key}: ${finished.length} successful jobs`);
      assert.equal(String(finished[0].id), row.attempts.at(-1)!.jobId);
      assert.deepEqual(row.files, [`${row.key}/openEO.tif`]);
      const raster = await readRaster(`${out}/${row.files![0]}`);
      assert.ok(
        raster.width > 0 && raster.values.length === raster.width * raster.height,
        "a complete GeoTIFF",
      );
    }
    const leftovers = [...Deno.readDirSync(out)].flatMap((d) =>
      d.isDirectory ? [...Deno.readDirSync(`${out}/${d.name}`)].map((f) => f.name) : []
    ).filter((n) => n.endsWith(".part"));
    assert.deepEqual(leftovers, []);
  },
});
