/**
 * An unattended run under fire, on every platform at once: one job manager, one backend per
 * platform (each twin in a sandbox process of its own, like a real remote platform), each with
 * a per-user limit of 2 concurrent jobs that the twin answers in that platform's words. Every
 * platform gets 20 % 503s, 5 % dropped connections, 5 % lost answers on POST, 10 % cut
 * transfers, a 60 s full outage of its own (one after the other), and a hostile network: status
 * reads that stall (no headers, or a body that stops) or come back as an HTML page or JSON cut
 * short under a 200, and downloads that stall halfway. Jobs here last about a second, so the
 * clients' time-outs are compressed as the clock is. Midway a second process tries to open the
 * run folder, as a second notebook would: it must be refused in one line and may watch
 * read-only.
 *
 * Prints per platform what an unattended run must never do (duplicates, lost results, half or
 * corrupt files, attempts spent on limit answers) and its wall time (until its last row
 * finished) against its ideal: the platform's job durations summed and divided by the 2 slots
 * its limit allows, read from its API after the run. Files are checked against the platform's
 * own bytes, fetched again with the faults off.
 *
 * Run: `deno task bench:unattended` (about twelve minutes); `--platforms apex,beod,sen2cube,up42`,
 * `--tiles N` (per platform), `--outage S`, `--scale X` (job durations), `--poll-ms MS`,
 * `--no-faults` (the same run on healthy platforms), `--no-hostile` (without the stalls and odd
 * bodies).
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { sandboxProcess } from "./sandbox_process.ts";
import { type JobBackend, JobManager, progressLine, summaryText } from "../core.ts";
import {
  duplicates,
  PLATFORM_NAMES,
  type PlatformName,
  PLATFORMS,
} from "../tests/contract/platforms.ts";

helpRequested(
  "deno task bench:unattended [--platforms apex,beod,sen2cube,up42] [--tiles N] [--outage S] [--scale X] [--poll-ms MS] [--no-faults] [--no-hostile]\n\nN tiles (default 1,000) on each platform's sandbox under faults, one manager for all: per platform duplicates, lost results, corrupt files, attempts on limits, wall time against the ideal.",
);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    platforms: { type: "string", default: PLATFORM_NAMES.join(",") },
    tiles: { type: "string", default: "1000" },
    outage: { type: "string", default: "60" },
    // APEx jobs last about 1.3 s at this scale; the others are scaled to the same mean.
    scale: { type: "string", default: "0.0034" },
    // 50 ms (the loopback floor) keeps the poll interval as small a share of a 1.3 s job as a 5 s
    // poll of a 5 min job.
    "poll-ms": { type: "string", default: "50" },
    "no-faults": { type: "boolean", default: false },
    "no-hostile": { type: "boolean", default: false },
  },
});
const chosen = values.platforms.split(",").map((p) => p.trim()) as PlatformName[];
for (const p of chosen) {
  if (!PLATFORM_NAMES.includes(p)) {
    console.error(`--platforms: "${p}" is none of ${PLATFORM_NAMES.join(", ")}`);
    Deno.exit(2);
  }
}
const TILES = Number(values.tiles);
const OUTAGE_MS = values["no-faults"] ? 0 : Number(values.outage) * 1000;
const LIMIT = 2;

/**
 * Where each platform's API, status reads and downloads are, and how much shorter its jobs are
 * than APEx's at the same time scale (mean durations: APEx 380 s, BEOD 199 s, Sen2Cube 158 s,
 * UP42 106 s).
 */
const PROFILE: Record<PlatformName, {
  api: string;
  status: [string, string];
  downloads: string;
  stretch: number;
}> = {
  apex: {
    api: "/apex",
    status: ["/apex/jobs_status", "/apex/unit_jobs"],
    downloads: "/apex/assets",
    stretch: 1,
  },
  // The login (`/beod/auth`) is left alone: the sign-in's own faults are tested elsewhere.
  beod: {
    api: "/beod/users",
    status: ["/beod/users/me/projects", "/beod/users/me/projects"],
    downloads: "/beod/storage",
    stretch: 380 / 199,
  },
  sen2cube: {
    api: "/sen2cube/v1",
    status: ["/sen2cube/v1/inference", "/sen2cube/v1/inference"],
    downloads: "/sen2cube/demo",
    stretch: 380 / 158,
  },
  up42: {
    api: "/up42/v2",
    status: ["/up42/v2/processing/jobs", "/up42/v2/processing/jobs"],
    downloads: "/up42/signed",
    stretch: 380 / 106,
  },
};

function faults(name: PlatformName): string[] {
  if (values["no-faults"]) return [];
  const p = PROFILE[name];
  // Every status read meets 2 % stalls and 3 % odd bodies, whether a platform reads statuses
  // on one path (each rule then at half its rate) or two.
  const share = p.status[0] === p.status[1] ? 0.5 : 1;
  const hostile = values["no-hostile"] ? [] : [
    `${p.status[0]}:stall=${0.02 * share},odd=${0.03 * share},odd-body=html,method=GET`,
    `${p.status[1]}:stall-body=${0.02 * share},odd=${0.03 * share},odd-body=truncated,method=GET`,
    `${p.downloads}:stall-body=0.02`,
  ];
  const storage = p.downloads.startsWith(p.api)
    ? []
    : [`${p.downloads}:503=0.2,drop=0.05,retry-after=0`];
  return [
    ...hostile,
    `${p.api}:503=0.2,drop=0.05,retry-after=0`,
    ...storage,
    `${p.api}:lost=0.05,method=POST`,
    `${p.downloads}:cut=0.1`,
  ];
}

// The sandbox's clock runs 100 times faster than a platform's at these settings, so the
// clients' time-outs are compressed to match: a stall is given up after 300 ms, not 30 s.
const HTTP = { idleTimeoutMs: 300, timeoutMs: 300 };

const sandboxes = await Promise.all(chosen.map((name, i) =>
  sandboxProcess([
    "--seed",
    String(7 + i),
    "--time-scale",
    String(Number(values.scale) * PROFILE[name].stretch),
    "--job-limit",
    String(LIMIT),
    "--credits",
    "100000000",
    ...faults(name).flatMap((f) => ["--fault", f]),
  ])
));
const url = (name: PlatformName) => sandboxes[chosen.indexOf(name)].url;

// The set-up (an EULA accepted) goes to healthy platforms: the run is what is measured.
const backends: Record<string, { backend: JobBackend<unknown>; concurrency: number }> = {};
const items = [];
for (const name of chosen) {
  const platform = PLATFORMS[name];
  backends[name] = { backend: await platform.backend(url(name), HTTP), concurrency: 4 };
  for (const item of await platform.items(TILES, url(name))) {
    items.push({ ...item, key: `${name}-${item.key}`, backend: name });
  }
}

const dir = await Deno.makeTempDir({ prefix: "eojobs-unattended-" });
const manager = await JobManager.open(items, {
  backends,
  dir,
  pollIntervalMs: Number(values["poll-ms"]),
  retryDelayMs: 200,
  limitProbeMs: 10_000,
  maxAttempts: 5,
});

/** A second process on the run folder, as a second notebook: refused in one line, may watch. */
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
const lastEnd: Record<string, number> = {};
let peakRss = 0;
let outages = 0;
let second: Promise<string> | undefined;
let last = -1;
const memory = setInterval(() => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss)), 250);
for await (const event of manager.run()) {
  // One full outage per platform, 20 s in and then one every outage + 20 s.
  const due = started + 20_000 + outages * (OUTAGE_MS + 20_000);
  if (OUTAGE_MS > 0 && outages < chosen.length && Date.now() >= due) {
    const name = chosen[outages++];
    const answer = await fetch(`${url(name)}/_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({
        prefix: PROFILE[name].api,
        rate503: 1,
        retryAfterSeconds: 0,
        forMs: OUTAGE_MS,
      }),
    });
    await answer.body?.cancel();
    console.log(`-- ${OUTAGE_MS / 1000} s full outage of ${name} starts`);
  }
  if (!second && event.counts.done >= items.length * 0.3) {
    second = secondProcess();
    second.then((line) => console.log(`-- a second process on the run folder: ${line}`));
  }
  if (event.kind === "platform") console.log(event.message);
  if (Deno.env.get("DEBUG") && event.kind === "row") {
    console.log(
      `${((Date.now() - started) / 1000).toFixed(3)} ${event.row.key} ${event.row.phase} ${
        event.row.error ?? ""
      }`,
    );
  }
  if (
    event.kind === "row" && event.row.backend &&
    ["done", "failed", "canceled"].includes(event.row.phase)
  ) lastEnd[event.row.backend] = Date.now();
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
for (const s of sandboxes) {
  await (await fetch(`${s.url}/_sandbox/faults`, { method: "DELETE" })).body?.cancel();
}
function* walk(path: string): Generator<string> {
  for (const e of Deno.readDirSync(path)) {
    if (e.isDirectory) yield* walk(`${path}/${e.name}`);
    else yield `${path}/${e.name}`;
  }
}
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const allRows = manager.table.rows();
const lines: string[] = [];
let worst = 0;
for (const name of chosen) {
  const rows = allRows.filter((r) => r.backend === name);
  const jobs = await PLATFORMS[name].jobs(url(name));
  const attempts = rows.reduce((n, r) => n + r.attempts.length, 0);
  const lost = rows.filter((r) =>
    r.phase !== "done" && !(r.phase === "failed" && r.failure === "job")
  )
    .length;
  const healthy = await PLATFORMS[name].backend(url(name));
  let corrupt = 0;
  for (const row of rows.filter((r) => r.phase === "done")) {
    for (const file of await healthy.results(row.attempts.at(-1)!.jobId!)) {
      const there = new Uint8Array(await (await fetch(file.url)).arrayBuffer());
      const here = await Deno.readFile(`${dir}/${row.key}/${file.path}`).catch(() => undefined);
      if (!here || sha(here) !== sha(there)) corrupt++;
    }
  }
  const leftovers = [...walk(dir)].filter((p) =>
    p.includes(`/${name}-`) && (p.endsWith(".part") || p.endsWith(".tmp"))
  ).length;
  const idealMs = jobs.reduce((a, j) => a + (j.ms ?? 0), 0) / LIMIT;
  const ratio = ((lastEnd[name] ?? Date.now()) - started) / idealMs;
  worst = Math.max(worst, ratio);
  lines.push(`
${name}: ${rows.length} tiles, limit ${LIMIT}${values["no-faults"] ? ", no faults" : ""}
  jobs the platform ran      ${jobs.length} (attempts recorded: ${attempts})
  duplicates                 ${duplicates(jobs)}   (must be 0)
  lost results               ${lost}   (must be 0)
  half or corrupt files      ${corrupt + leftovers}   (must be 0)
  attempts spent on limits   ${attempts - jobs.length}   (must be 0)
  wall time                  ${(((lastEnd[name] ?? Date.now()) - started) / 1000).toFixed(1)} s
  ideal (job time / ${LIMIT} slots) ${(idealMs / 1000).toFixed(1)} s
  ratio                      ${ratio.toFixed(2)}x   (goal <= 1.3x)`);
}
console.log(lines.join("\n"));
console.log(`
all platforms              ${
  (wallMs / 1000).toFixed(1)
} s, ${manager.summary().limitAnswers} limit answers waited out, worst ratio ${worst.toFixed(2)}x
second process             ${
  secondLine.startsWith("refused: ") ? "refused, watched read-only" : secondLine
}   (must be refused)
manager peak RSS           ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
for (const s of sandboxes) await s.stop();
await Deno.remove(dir, { recursive: true });
