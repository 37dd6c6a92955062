/**
 * Cold import time of each entry point: a fresh Deno process that imports `core.ts`,
 * `plot.ts`, `sandbox.ts` or `mod.ts` by path from a folder outside the repository (no
 * `deno.json`) and exits, against a process that imports nothing, measured in the same run.
 * Dependencies are already in Deno's cache (the second import on a machine, not the download).
 *
 * Run: `deno task bench:imports`; `--runs N` (default 7, the median is printed).
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import { parseArgs } from "node:util";

helpRequested(
  "deno task bench:imports [--runs N]\n\nCold import time of each entry point (median of N runs, default 7).",
);

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "7" } },
});
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;
const outside = await Deno.makeTempDir({ prefix: "eojobs-imports-" });

async function timed(source: string): Promise<number> {
  const file = `${outside}/probe.ts`;
  await Deno.writeTextFile(file, source);
  const started = performance.now();
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", file],
    cwd: outside,
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return ms;
}

async function median(source: string): Promise<number> {
  await timed(source);
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await timed(source));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const nothing = await median("export {};\n");
console.log(`entry        import   (a process that imports nothing: ${nothing.toFixed(0)} ms)`);
for (const entry of ["core.ts", "plot.ts", "sandbox.ts", "mod.ts"]) {
  const ms = await median(`import "${root}${entry}";\n`);
  console.log(`${entry.padEnd(12)} ${(ms - nothing).toFixed(0).padStart(5)} ms`);
}
await Deno.remove(outside, { recursive: true });
