/**
 * The job table at scale. Three measures, each against the target:
 * - bookkeeping at 10,000 work items: the manager's own cost per job, with a backend that
 *   answers at once (no HTTP), so only the table and the scheduling are measured (< 1 ms);
 * - a run folder of 100,000 rows opened and resumed by `JobManager.open` in a fresh process:
 *   time (< 1 s) and peak RSS (< 300 MB);
 * - 1,000,000 rows opened by `JobTable.open` in a fresh process (< 5 s).
 *
 * Run: `deno task bench:table` (`--quick`: 10,000 / 20,000 / 100,000 rows)
 *
 * @module
 */
import { parseArgs } from "node:util";
// The job table's own modules, not all of eojobs: what an open costs is measured, not the
// plotting and raster code a notebook also loads (the child prints the process's start RSS).
import type { Polygon } from "../lib/geo/types.ts";
import type { StatusSnapshot } from "../lib/jobs/state.ts";
import { type JobBackend, JobManager, type JobRow, JobTable } from "../lib/upscale/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  allowPositionals: true,
});
if (values.help) {
  console.log(
    "deno task bench:table [--quick]\n\nJob-table bookkeeping, open and resume at scale.",
  );
  Deno.exit(0);
}

function tile(i: number): Polygon {
  const x = (i % 1000) * 0.2, y = Math.floor(i / 1000) * 0.2 - 80;
  return {
    type: "Polygon",
    coordinates: [[[x, y], [x + 0.2, y], [x + 0.2, y + 0.2], [x, y + 0.2], [x, y]]],
  };
}

/** Peak resident memory of this process, MiB (Linux). */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : Deno.memoryUsage().rss / 2 ** 20;
}
const startRss = Deno.memoryUsage().rss / 2 ** 20;

const instant = (): JobBackend<unknown> => {
  let next = 0;
  return {
    name: "instant",
    // No floor: the bench measures the manager's own work, not a platform's pace.
    minPollIntervalMs: 0,
    submit: () => Promise.resolve(String(next++)),
    statuses: (ids) =>
      Promise.resolve(
        new Map<string, StatusSnapshot>(
          ids.map((id) => [id, { state: "succeeded", raw: "finished", data: null }]),
        ),
      ),
    findByTag: () => Promise.resolve(new Map()),
    results: () => Promise.resolve([]),
  };
};

// A child process measures one open on its own, so its time and memory are its alone.
if (positionals[0] === "fill") {
  await fill(positionals[1], Number(positionals[2]));
  Deno.exit(0);
}
if (positionals[0] === "open-manager" || positionals[0] === "open-table") {
  const [what, dir, n] = positionals;
  const t0 = performance.now();
  if (what === "open-manager") {
    const items = Array.from(
      { length: Number(n) },
      (_, i) => ({ key: `tile-${i}`, item: tile(i) }),
    );
    const manager = await JobManager.open(items, { backend: instant(), dir, download: false });
    const ms = performance.now() - t0;
    console.log(
      JSON.stringify({ ms, rows: manager.table.size, rss: peakRss(), base: startRss }),
    );
    manager.table.close();
  } else {
    const table = await JobTable.inFolder(dir);
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ ms, rows: table.size, rss: peakRss(), base: startRss }));
    table.close();
  }
  Deno.exit(0);
}

async function fill(dir: string, n: number): Promise<void> {
  const table = await JobTable.inFolder(dir);
  const now = Date.now();
  for (let start = 0; start < n; start += 50_000) {
    const rows: JobRow[] = [];
    for (let i = start; i < Math.min(n, start + 50_000); i++) {
      rows.push({
        key: `tile-${i}`,
        item: tile(i),
        phase: i % 10 === 0 ? "active" : "done",
        backend: "instant",
        attempts: [{
          n: 1,
          tag: `eojobs:tile-${i}#1`,
          jobId: String(i),
          state: i % 10 === 0 ? "running" : "succeeded",
          raw: i % 10 === 0 ? "running" : "finished",
          submittedAt: now,
          endedAt: now,
        }],
        files: i % 10 === 0 ? undefined : [`tile-${i}/openEO.tif`],
        durationMs: 61_000,
        updated: now,
      });
    }
    await table.putMany(rows);
  }
  await table.setMeta({ backends: { instant: { url: "instant" } } });
  table.close();
}

async function child(
  ...args: string[]
): Promise<{ ms: number; rows: number; rss: number; base: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, ...args],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`bench child ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const [runN, resumeN, openN] = values.quick
  ? [10_000, 20_000, 100_000]
  : [10_000, 100_000, 1_000_000];
const verdict = (ok: boolean) => ok ? "ok" : "MISSED";

{
  const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-" });
  const t0 = performance.now();
  const manager = await JobManager.open(
    Array.from({ length: runN }, (_, i) => ({ key: `item-${i}`, item: tile(i) })),
    {
      backend: instant(),
      dir,
      concurrency: 500,
      pollIntervalMs: 0,
      download: false,
      sleep: () => Promise.resolve(),
    },
  );
  const opened = performance.now();
  let events = 0;
  for await (const _ of manager.run()) events++;
  const ran = performance.now();
  const perJob = (ran - t0) / runN;
  console.log(
    `${runN} items: open ${(opened - t0).toFixed(0)} ms, run ${(ran - opened).toFixed(0)} ms ` +
      `(${events} changes written); bookkeeping ${(perJob * 1000).toFixed(0)} µs per job, ` +
      `${((ran - opened) / events * 1000).toFixed(0)} µs per table write ` +
      `[target < 1000 µs per job: ${verdict(perJob < 1)}]`,
  );
  await Deno.remove(dir, { recursive: true });
}
{
  const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-" });
  await fill(dir, resumeN);
  const r = await child("open-manager", dir, String(resumeN));
  console.log(
    `${r.rows} rows opened and resumed by JobManager.open: ${r.ms.toFixed(0)} ms, peak RSS ${
      r.rss.toFixed(0)
    } MiB (${r.base.toFixed(0)} MiB before the items were made) [target < 1000 ms and < 300 MB: ${
      verdict(r.ms < 1000 && r.rss * 2 ** 20 < 300e6)
    }]`,
  );
  await Deno.remove(dir, { recursive: true });
}
{
  const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-" });
  await fill(dir, openN);
  const size = (await Deno.stat(`${dir}/jobs.gpkg`)).size;
  const r = await child("open-table", dir);
  console.log(
    `${r.rows} rows (${(size / 2 ** 20).toFixed(0)} MiB GeoPackage) opened by JobTable.open: ${
      r.ms.toFixed(0)
    } ms, peak RSS ${r.rss.toFixed(0)} MiB (${r.base.toFixed(0)} at the start) [target < 5000 ms: ${
      verdict(r.ms < 5000)
    }]`,
  );
  await Deno.remove(dir, { recursive: true });
}
