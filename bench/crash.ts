/**
 * The job manager killed with SIGKILL at random moments, again and again: a run of 60 tiles
 * against a sandbox in its own process (per-user limit 4, 10 % of jobs failing), each process
 * killed between 0.1 and 1.5 s after it opened the table, until at least 100 kills have landed;
 * then one last run to the end. After every kill the table is opened read-only and checked
 * against every write the killed process had acknowledged (a `row` event is sent only after its
 * row is in the file); at the end the platform's own job list is read through its API.
 *
 * Prints: kills, acknowledged writes checked, lost acknowledged writes (must be 0), duplicate
 * jobs (must be 0), rows not finished (must be 0).
 *
 * Run: `deno task bench:crash [--kills N] [--tiles N]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PV_BENCH_REQUEST } from "./request.ts";
import { sandboxProcess } from "./sandbox_process.ts";
import { apexBackend, connectApex } from "../lib/platforms/apex/mod.ts";
import { JobManager, JobTable } from "../lib/upscale/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    kills: { type: "string", default: "100" },
    tiles: { type: "string", default: "60" },
    help: { type: "boolean", short: "h" },
  },
  allowPositionals: true,
});
if (values.help) {
  console.log(
    "deno task bench:crash [--kills N] [--tiles N]\n\n" +
      "SIGKILL the job manager at random moments; count lost acknowledged writes and duplicates.",
  );
  Deno.exit(0);
}

const request = PV_BENCH_REQUEST;

function items(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const x = 16 + (i % 10) * 0.02, y = 48 + Math.floor(i / 10) * 0.02;
    return {
      key: `tile-${String(i).padStart(3, "0")}`,
      item: { west: x, south: y, east: x + 0.02, north: y + 0.02 } as unknown,
    };
  });
}

// The child: one manager run that prints every acknowledged write as a line of JSON.
if (positionals[0] === "child") {
  const [, dir, url, tiles, tagPrefix] = positionals;
  const manager = await JobManager.open(items(Number(tiles)), {
    backend: apexBackend(connectApex({ sandbox: url }), { request, dimension: "spatial_extent" }),
    dir,
    concurrency: 4,
    pollIntervalMs: 50,
    retryDelayMs: 20,
    maxAttempts: 10,
    tagPrefix,
  });
  console.log(JSON.stringify({ open: true }));
  for await (const e of manager.run()) {
    if (e.kind !== "row") continue;
    const { key, phase, attempts } = e.row;
    console.log(JSON.stringify({ key, phase, jobs: attempts.map((a) => a.jobId ?? null) }));
  }
  console.log(JSON.stringify({ end: true }));
  Deno.exit(0);
}

interface Ack {
  key: string;
  phase: string;
  jobs: Array<string | null>;
}

const KILLS = Number(values.kills), TILES = Number(values.tiles);
const sandbox = await sandboxProcess([
  "--time-scale",
  "0.004",
  "--apex-job-limit",
  "4",
]);
const dir = await Deno.makeTempDir({ prefix: "eojobs-crash-" });
const FINISHED = new Set(["done", "failed", "canceled"]);

// Each table gets tags of its own: a run that ended is followed by a new table, whose jobs are
// not the old one's twice.
let generation = 0;

/** Runs one child; kills it `killAfterMs` after it opened the table (never, if undefined). */
async function runChild(killAfterMs: number | undefined) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      import.meta.filename!,
      "child",
      dir,
      sandbox.url,
      String(TILES),
      `eojobs${generation}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const acks = new Map<string, Ack>();
  let killed = false, ended = false, rest = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (rest + value).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      const got = JSON.parse(line);
      if (got.open && killAfterMs !== undefined) {
        timer = setTimeout(() => {
          killed = true;
          child.kill("SIGKILL");
        }, killAfterMs);
      } else if (got.end) ended = true;
      else if (got.key) acks.set(got.key, got);
    }
  }
  clearTimeout(timer);
  const status = await child.status;
  const stderr = await new Response(child.stderr).text();
  if (!killed && !status.success) throw new Error(`a run failed:\n${stderr}`);
  return { acks, killed: killed && !ended };
}

/** Acknowledged writes the table does not hold: a job id it lost, or a finished row undone. */
async function lostWrites(acks: Map<string, Ack>): Promise<string[]> {
  const table = await JobTable.inFolder(dir, { readOnly: true });
  const lost: string[] = [];
  for (const ack of acks.values()) {
    const row = table.get(ack.key);
    const jobs = row?.attempts.map((a) => a.jobId ?? null) ?? [];
    const kept = ack.jobs.every((id) => id === null || jobs.includes(id));
    const undone = FINISHED.has(ack.phase) && row?.phase !== ack.phase;
    if (!row || !kept || undone) lost.push(`${ack.key} (${ack.phase}, jobs ${ack.jobs})`);
  }
  table.close();
  return lost;
}

const started = performance.now();
let kills = 0, checked = 0;
const lost: string[] = [];
let random = 20261202;
const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
for (let round = 0; kills < KILLS && round < KILLS * 3; round++) {
  const { acks, killed } = await runChild(100 + Math.floor(next() * 1400));
  if (killed) kills++;
  checked += acks.size;
  lost.push(...await lostWrites(acks));
  if (!killed) {
    // The run ended before its kill: a new table, so that every kill lands mid-run.
    await Deno.remove(dir, { recursive: true });
    await Deno.mkdir(dir);
    generation++;
  }
  if (kills % 10 === 0 && killed) console.log(`${kills} kills`);
}
const last = await runChild(undefined);
checked += last.acks.size;
lost.push(...await lostWrites(last.acks));

const apex = connectApex({ sandbox: sandbox.url });
const { processing_jobs } = await apex.jobsStatus(["processing"]);
const tags = new Map<string, number>();
for (const job of processing_jobs) {
  const tag = job.title.match(/\[(eojobs\d*:[^\]]+)\]/)?.[1] ?? job.title;
  tags.set(tag, (tags.get(tag) ?? 0) + 1);
}
const duplicates = [...tags.values()].reduce((n, c) => n + c - 1, 0);
const table = await JobTable.inFolder(dir, { readOnly: true });
const unfinished = table.rows().filter((r) => !FINISHED.has(r.phase)).length;
table.close();

console.log(`
kills                        ${kills} (SIGKILL 0.1 to 1.5 s after the table was opened)
acknowledged writes checked  ${checked}
lost acknowledged writes     ${lost.length}   (must be 0)${
  lost.length ? `\n  ${lost.slice(0, 5).join("\n  ")}` : ""
}
jobs the platform ran        ${processing_jobs.length}
duplicate jobs               ${duplicates}   (must be 0)
rows not finished at the end ${unfinished}   (must be 0)
wall time                    ${((performance.now() - started) / 1000).toFixed(0)} s`);
await sandbox.stop();
await Deno.remove(dir, { recursive: true });
