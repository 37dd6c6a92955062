/**
 * An unattended run under fire: 1,000 tiles on two APEx backends (two sandboxes, each in its own
 * process like a real remote platform), each with a per-user limit of 2 concurrent jobs, 20 %
 * 503s, 5 % dropped connections, 5 % lost answers on POST, 10 % cut transfers, one 60 s full
 * outage of one backend, and a hostile network: status reads that stall (no headers, or a body
 * that stops) or come back as an HTML page or JSON cut short under a 200, and downloads that
 * stall halfway. Jobs here last seconds, so the clients' time-outs are compressed as the clock is.
 * Midway a second process tries to open the run folder, as a second notebook would: it must be
 * refused in one line and may watch read-only. Prints what an unattended run must never do
 * (duplicates, lost results, half or corrupt files, attempts spent on limit answers) and the wall
 * time against the ideal: the sum of the platforms' job durations divided by the slots their
 * limits allow, measured in the same run. Everything is checked through the API, as a user
 * would.
 *
 * Run: `deno task bench:unattended` (about six minutes); `--tiles N`, `--outage S`, `--scale X`
 * (job durations), `--poll-ms MS`, `--no-faults` (the same run on healthy platforms),
 * `--no-hostile` (without the stalls and odd bodies).
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { PV_BENCH_REQUEST } from "./request.ts";
import { sandboxProcess } from "./sandbox_process.ts";
import {
  apexBackend,
  connectApex,
  JobManager,
  type ProcessingJob,
  progressLine,
  summaryText,
} from "../mod.ts";

helpRequested(
  "deno task bench:unattended [--tiles N] [--outage S] [--scale X] [--poll-ms MS] [--no-faults] [--no-hostile]\n\n1,000 tiles on two APEx sandboxes under faults: duplicates, lost results, corrupt files, attempts on limits, wall time against the ideal.",
);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    tiles: { type: "string", default: "1000" },
    outage: { type: "string", default: "60" },
    scale: { type: "string", default: "0.0034" },
    // Jobs here last about 1.3 s instead of minutes: 50 ms (the loopback floor) keeps the poll
    // interval as small a share of a job as a 5 s poll of a 5 min job.
    "poll-ms": { type: "string", default: "50" },
    "no-faults": { type: "boolean", default: false },
    // Without the hostile network (stalls and odd bodies): the faults of before, to compare.
    "no-hostile": { type: "boolean", default: false },
  },
});
const TILES = Number(values.tiles);
const OUTAGE_MS = values["no-faults"] ? 0 : Number(values.outage) * 1000;
const LIMIT = 2;
const HOSTILE = values["no-hostile"] ? [] : [
  "/apex/jobs_status:stall=0.02,odd=0.03,odd-body=html",
  "/apex/unit_jobs:stall-body=0.02,odd=0.03,odd-body=truncated,method=GET",
  "/apex/assets:stall-body=0.02",
];
const FAULTS = values["no-faults"] ? [] : [
  ...HOSTILE,
  "/apex:503=0.2,drop=0.05,retry-after=0",
  "/apex/unit_jobs:lost=0.05,method=POST",
  "/apex/assets:cut=0.1",
];
// The sandbox's clock runs 100 times faster than a platform's at these settings (a 50 ms poll
// for a 5 s one), so the clients' time-outs are compressed to match: a stall (of the headers or
// of a body) is given up after 300 ms, not the default 30 s.
const HTTP = { idleTimeoutMs: 300, timeoutMs: 300 };

const platform = (seed: number) =>
  sandboxProcess([
    "--seed",
    String(seed),
    "--time-scale",
    String(values.scale),
    "--apex-job-limit",
    String(LIMIT),
    ...FAULTS.flatMap((f) => ["--fault", f]),
  ]);

const platforms = [await platform(7), await platform(8)];
const names = ["apex-a", "apex-b"];
const request = PV_BENCH_REQUEST;
const dir = await Deno.makeTempDir({ prefix: "eojobs-unattended-" });
const items = Array.from({ length: TILES }, (_, i) => {
  const x = 16 + (i % 40) * 0.02, y = 48 + Math.floor(i / 40) * 0.02;
  return {
    key: `tile-${String(i).padStart(4, "0")}`,
    item: { west: x, south: y, east: x + 0.02, north: y + 0.02 } as unknown,
  };
});
const manager = await JobManager.open(items, {
  backends: Object.fromEntries(platforms.map((p, i) => [
    names[i],
    {
      backend: apexBackend(connectApex({ sandbox: p.url, http: HTTP }), {
        request,
        dimension: "spatial_extent",
      }),
      concurrency: 4,
    },
  ])),
  dir,
  pollIntervalMs: Number(values["poll-ms"]),
  retryDelayMs: 200,
  limitProbeMs: 10_000,
  maxAttempts: 5,
});

/**
 * A second process on the run folder, as a second notebook: it must be refused in one line,
 * and may open the table read-only to watch.
 */
async function secondProcess(): Promise<string> {
  const table = import.meta.resolve("../lib/upscale/table.ts");
  const code = `import { JobTable } from "${table}";
    let line = "NOT refused: it opened the folder for writing";
    try { (await JobTable.inFolder(${JSON.stringify(dir)})).close(); }
    catch (e) { line = "refused: " + e.message; }
    const watch = await JobTable.inFolder(${JSON.stringify(dir)}, { readOnly: true });
    console.log(line + " | read-only open: " + watch.size + " rows, " + watch.counts().done + " done");
    watch.close();`;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", code], stderr: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).trim() || new TextDecoder().decode(out.stderr);
}

const started = Date.now();
let peakRss = 0;
let outage = false;
let second: Promise<string> | undefined;
let last = -1;
const memory = setInterval(() => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss)), 250);
for await (const event of manager.run()) {
  if (!outage && OUTAGE_MS > 0 && Date.now() >= started + 20_000) {
    outage = true;
    const answer = await fetch(`${platforms[0].url}/_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ prefix: "/apex", rate503: 1, retryAfterSeconds: 0, forMs: OUTAGE_MS }),
    });
    await answer.body?.cancel();
    console.log(`-- ${OUTAGE_MS / 1000} s full outage of ${names[0]} starts`);
  }
  if (!second && event.counts.done >= TILES * 0.3) {
    second = secondProcess();
    second.then((line) => console.log(`-- a second process on the run folder: ${line}`));
  }
  if (event.kind === "platform") console.log(event.message);
  const step = Math.floor(event.counts.done / 100);
  if (event.kind !== "row" || step !== last) {
    console.log(progressLine(event.counts, event.total, event.etaMs, event));
  }
  last = step;
  if (event.kind === "end") console.log(summaryText(event.summary));
}
const wallMs = Date.now() - started;
clearInterval(memory);
const secondLine = await second ?? "not tried (the run ended first)";

// What the platforms did, read through their API with the faults switched off.
for (const p of platforms) {
  await (await fetch(`${p.url}/_sandbox/faults`, { method: "DELETE" })).body?.cancel();
}
const clients = platforms.map((p) => connectApex({ sandbox: p.url }));
const naive = (t: string) => Date.parse(`${t.slice(0, 23)}Z`);
const tags = new Map<string, number>();
let jobMs = 0;
let jobCount = 0;
for (const apex of clients) {
  const { processing_jobs } = await apex.jobsStatus(["processing"]);
  for (const summary of processing_jobs) {
    const tag = summary.title.match(/\[(eojobs:[^\]]+)\]/)?.[1] ?? summary.title;
    tags.set(tag, (tags.get(tag) ?? 0) + 1);
    const job: ProcessingJob = await apex.getUnitJob(summary.id);
    jobMs += naive(job.updated) - naive(job.created);
    jobCount++;
  }
}
const duplicates = [...tags.values()].filter((n) => n > 1).reduce((a, n) => a + n - 1, 0);
const rows = manager.table.rows();
const attempts = rows.reduce((n, r) => n + r.attempts.length, 0);
const lost =
  rows.filter((r) => r.phase !== "done" && !(r.phase === "failed" && r.failure === "job"))
    .length;
let corrupt = 0;
for (const row of rows.filter((r) => r.phase === "done")) {
  const apex = clients[names.indexOf(row.backend!)];
  const assets = await apex.unitJob(Number(row.attempts.at(-1)!.jobId)).assets();
  for (const [name, asset] of Object.entries(assets)) {
    const bytes = await Deno.readFile(`${dir}/${row.key}/${name}`).catch(() => undefined);
    const sum = bytes && "1220" + createHash("sha256").update(bytes).digest("hex");
    if (sum !== asset["file:checksum"]) corrupt++;
  }
}
function* walk(path: string): Generator<string> {
  for (const e of Deno.readDirSync(path)) {
    if (e.isDirectory) yield* walk(`${path}/${e.name}`);
    else yield `${path}/${e.name}`;
  }
}
const leftovers = [...walk(dir)].filter((p) => p.endsWith(".part") || p.endsWith(".tmp")).length;
const slots = LIMIT * platforms.length;
const idealMs = jobMs / slots;

console.log(`
tiles                      ${TILES} on ${platforms.length} backends, limit ${LIMIT} each${
  values["no-faults"] ? ", no faults" : ""
}
jobs the platforms ran     ${jobCount} (attempts recorded: ${attempts})
duplicates                 ${duplicates}   (must be 0)
lost results               ${lost}   (must be 0)
half or corrupt files      ${corrupt + leftovers}   (must be 0)
second process            ${
  secondLine.startsWith("refused: ") ? "refused, watched read-only" : secondLine
}   (must be refused)
attempts spent on limits   ${
  attempts - jobCount
}   (must be 0; ${manager.summary().limitAnswers} limit answers waited out)
wall time                  ${(wallMs / 1000).toFixed(1)} s
ideal (job time / ${slots} slots) ${(idealMs / 1000).toFixed(1)} s
ratio                      ${(wallMs / idealMs).toFixed(2)}x   (goal <= 1.3x)
manager peak RSS           ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
for (const p of platforms) await p.stop();
await Deno.remove(dir, { recursive: true });
