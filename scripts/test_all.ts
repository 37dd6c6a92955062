/**
 * `deno task test`: every check the project has, in order: format, lint, types, docs, the
 * docs' examples (`deno test --doc`), the test suite, the demo, then every notebook executed top
 * to bottom with Jupyter, and once more with every cell queued at once as a browser's Run All
 * does. Ends with one line `eojobs: N passed, M failed`.
 *
 * @module
 */
import { notebookPython } from "./jupyter.ts";

if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log(`Usage: deno task test

Every check the project has, in order: deno fmt --check, deno lint, deno check, deno doc --lint,
every @example (deno test --doc), the test suite (tests/, in parallel, against sandboxes on free ports), the demo, every notebook
with Jupyter, and every notebook once more as a browser's Run All sends it. Ends with
"eojobs: N passed, M failed". With CI=true a missing Jupyter is a failure, not a skip.`);
  Deno.exit(0);
}
const deno = Deno.execPath();
const ci = Deno.env.get("CI") === "true";
let passed = 0;
let failed = 0;

async function run(label: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  console.log(`\n== ${label}: ${cmd === deno ? "deno" : cmd} ${args.join(" ")}`);
  const { code } = await new Deno.Command(cmd, { args, env, stdout: "inherit", stderr: "inherit" })
    .output();
  return code === 0;
}

async function check(label: string, args: string[]) {
  if (await run(label, deno, args)) passed++;
  else {
    failed++;
    console.log(`!! ${label} failed`);
  }
}

await Deno.mkdir("out/notebooks", { recursive: true });
// --quiet: a first run downloads every npm package, and each download is a line; errors still
// print.
await check("format", ["fmt", "--check", "--quiet"]);
await check("lint", ["lint", "--quiet"]);
await check("types", ["check", "--quiet", "mod.ts", "lib/", "tests/", "scripts/", "bench/"]);
await check("docs", ["doc", "--quiet", "--lint", "mod.ts"]);
// Every @example runs, with real assertions: an example that no longer holds fails here.
await check("examples", [
  "test",
  "--quiet",
  "-A",
  "--doc",
  "--parallel",
  "lib/",
  "mod.ts",
  "core.ts",
  "plot.ts",
  "sandbox.ts",
]);

const junit = "out/junit.xml";
const testsOk = await run("tests", deno, [
  "test",
  "--quiet",
  "-A",
  "--parallel",
  `--junit-path=${junit}`,
  "tests/",
], {
  EOJOBS_TOKEN_CACHE: "0",
});
try {
  const xml = await Deno.readTextFile(junit);
  const m = xml.match(/<testsuites[^>]*tests="(\d+)"[^>]*failures="(\d+)"[^>]*errors="(\d+)"/);
  if (!m) throw new Error("no totals");
  const total = Number(m[1]), bad = Number(m[2]) + Number(m[3]);
  passed += total - bad;
  failed += bad;
  if (!testsOk && bad === 0) failed++;
} catch {
  failed++;
}

const demo = await run("demo", deno, [
  "run",
  "--quiet",
  "-A",
  "scripts/upscale.ts",
  "--mode",
  "task",
  "--sandbox",
  "--out",
  "out/demo",
  "--allow-failures",
]);
// Each run has its own folder; `latest-run.txt` names the newest.
let demoRun = "out/demo";
try {
  demoRun += `/${Deno.readTextFileSync("out/demo/latest-run.txt").trim()}`;
} catch { /* no run was started: reported below */ }
const demoFiles = [
  "status.svg",
  "mosaic.svg",
  "mosaic.html",
  "jobs.csv",
  "mosaic.tif",
  "mosaic.vrt",
  "stac/collection.json",
];
const written = (f: string) => Deno.statSync(`${demoRun}/${f}`).isFile;
if (
  demo && demoFiles.every((f) => {
    try {
      return written(f);
    } catch {
      return false;
    }
  })
) passed++;
else {
  failed++;
  console.log(`!! the demo failed or did not write ${demoFiles.join(", ")} to ${demoRun}`);
}

const notebooks = [...Deno.readDirSync("notebooks")].filter((e) => e.name.endsWith(".ipynb"))
  .map((e) => e.name).sort();
if (notebooks.length > 0) {
  // The notebooks run through nbclient (scripts/run_notebooks.py): that is what must be there.
  if (!(await notebookPython())) {
    const hint =
      "install Jupyter (Debian: apt-get install jupyter-nbconvert python3-nbclient jupyter-client)";
    if (ci) {
      console.log(`!! notebooks: no Python with nbclient; ${hint}`);
      failed += notebooks.length;
    } else console.log(`\n== notebooks: skipped, ${hint} to run them`);
  } else {
    for (const name of notebooks) {
      const ok = await run(`notebook ${name}`, deno, [
        "run",
        "--quiet",
        "-A",
        "scripts/notebooks.ts",
        "--output-dir",
        "out/notebooks",
        `notebooks/${name}`,
      ]);
      if (ok) passed++;
      else {
        failed++;
        console.log(`!! notebook ${name} failed`);
      }
    }
    // As a browser's Run All sends them: every cell queued at once, each output under its cell.
    const runAll = await run("notebooks, Run All", deno, [
      "run",
      "--quiet",
      "-A",
      "scripts/notebooks.ts",
      "--all-at-once",
      "--output-dir",
      "out/notebooks-run-all",
    ]);
    if (runAll) passed++;
    else {
      failed++;
      console.log("!! Run All misplaced or lost an output");
    }
  }
}

console.log(`\neojobs: ${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
