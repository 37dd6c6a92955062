/**
 * Peak memory of `scripts/upscale.ts` against the number of jobs, in both modes: the same run at
 * 500 and at 5,000 tiles (1 km cells), each in a process of its own against a sandbox in another
 * process (as a real platform would be), its peak resident set read from `/proc` (VmHWM).
 * Memory must stay flat in the number of jobs.
 *
 * Run: `deno task bench:memory` (a few minutes; Linux only); `--sizes 500,5000`.
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import { parseArgs } from "node:util";
import { sandboxProcess } from "./sandbox_process.ts";

helpRequested(
  "deno task bench:memory [--sizes 500,5000]\n\nPeak RSS of scripts/upscale.ts at each size in both modes, against a sandbox in another process (Linux).",
);

const { values } = parseArgs({
  args: Deno.args,
  options: { sizes: { type: "string", default: "500,5000" } },
});

/** A box of about `cells` 1 km cells near Vienna, as WKT. */
function box(cells: number): string {
  const rows = Math.round(Math.sqrt(cells / 2)), cols = Math.round(cells / rows);
  const w = 16, s = 48, e = w + cols / 74.4, n = s + rows / 111.2;
  return `POLYGON ((${w} ${s}, ${e} ${s}, ${e} ${n}, ${w} ${n}, ${w} ${s}))`;
}

async function peak(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const kb = Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0);
  return kb * 1024;
}

async function run(
  mode: string,
  cells: number,
): Promise<{ mib: number; seconds: number; tiles: string }> {
  const sandbox = await sandboxProcess(["--time-scale", "0.0003"]);
  const out = await Deno.makeTempDir({ prefix: "eojobs-memory-" });
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../scripts/upscale.ts", import.meta.url).pathname,
      "--sandbox-url",
      sandbox.url,
      "--mode",
      mode,
      "--grid",
      "km:1",
      "--aoi",
      box(cells),
      "--yes",
      "--allow-failures",
      "--concurrency",
      "64",
      "--downloads",
      "8",
      "--poll-ms",
      "100",
      "--out",
      out,
    ],
    env: { EOJOBS_SANDBOX_TIME_SCALE: "0.0003", EOJOBS_TOKEN_CACHE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let highest = 0;
  const sampler = setInterval(
    async () => (highest = Math.max(highest, await peak(child.pid))),
    200,
  );
  const [status, stdout, stderr] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearInterval(sampler);
  await sandbox.stop();
  await Deno.remove(out, { recursive: true });
  if (!status.success) {
    throw new Error(`${mode} at ${cells}: exit ${status.code}\n${stderr.slice(-2000)}`);
  }
  return {
    mib: highest / 2 ** 20,
    seconds: (Date.now() - started) / 1000,
    tiles: stdout.match(/^(\d+) tiles/m)?.[1] ?? "?",
  };
}

const sizes = values.sizes.split(",").map(Number);
console.log("mode     tiles   peak RSS   time");
for (const mode of ["manager", "task"]) {
  const results = [];
  for (const cells of sizes) {
    const r = await run(mode, cells);
    results.push(r);
    console.log(
      `${mode.padEnd(8)} ${r.tiles.padStart(5)}   ${r.mib.toFixed(0).padStart(5)} MiB   ${
        r.seconds.toFixed(0)
      } s`,
    );
  }
  const growth = results.at(-1)!.mib / results[0].mib;
  console.log(
    `${mode}: ${growth.toFixed(2)}x the memory for ${
      (sizes.at(-1)! / sizes[0]).toFixed(0)
    }x the jobs (flat: under 1.5x; goal < 400 MiB at 5,000)`,
  );
}
