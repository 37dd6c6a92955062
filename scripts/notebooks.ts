/**
 * `deno task notebooks`: registers the `eojobs` kernel, then executes every notebook top to
 * bottom against the embedded sandbox with `scripts/run_notebooks.py` (which keeps every output,
 * and fails a cell that should show something but shows nothing), writing the outputs into the
 * notebooks so that a code host shows their figures.
 *
 * Run: `deno task notebooks` (in place), `deno task notebooks --output-dir out/notebooks` (copies,
 * as the test suite does), `--repeat N` to execute each N times and count lost outputs,
 * `--stop-at-idle` to read as plain nbclient does (the peer, for comparison), `--all-at-once` to
 * queue every cell at once as a browser's Run All does (and fail on misplaced outputs),
 * `--kernel NAME` for another kernel, and notebook paths to run only those.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { KERNEL_NAME, notebookPython } from "./jupyter.ts";

const root = new URL("..", import.meta.url).pathname;
const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    "output-dir": { type: "string" },
    repeat: { type: "string", default: "1" },
    "stop-at-idle": { type: "boolean", default: false },
    "all-at-once": { type: "boolean", default: false },
    kernel: { type: "string", default: KERNEL_NAME },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`Usage: deno task notebooks [options] [NOTEBOOK.ipynb ...]

Registers the eojobs Jupyter kernel, then runs every notebook (or those named) top to bottom
against the embedded sandbox, writing the outputs into the notebooks.

  --output-dir DIR   write the executed copies there instead of in place
  --repeat N         run each notebook N times and count lost outputs (default 1)
  --stop-at-idle     read outputs as plain nbclient does (the peer, for comparison)
  --all-at-once      queue every cell at once, as a browser's Run All does
  --kernel NAME      another kernel (default ${KERNEL_NAME})
  -h, --help         this text`);
  Deno.exit(0);
}

const interpreter = await notebookPython();
if (!interpreter) {
  console.error(
    "notebooks: no Python with nbclient found; install Jupyter (Debian: apt-get install " +
      "jupyter-nbconvert python3-nbclient jupyter-client; or pip install nbclient jupyter-client)",
  );
  Deno.exit(1);
}
const kernel = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `${root}scripts/kernel.ts`, "--quiet"],
}).output();
if (kernel.code !== 0) {
  console.error(new TextDecoder().decode(kernel.stderr));
  Deno.exit(1);
}
const notebooks = positionals.length > 0
  ? positionals
  : [...Deno.readDirSync(`${root}notebooks`)].filter((e) => e.name.endsWith(".ipynb"))
    .map((e) => `${root}notebooks/${e.name}`).sort();
const { code } = await new Deno.Command(interpreter, {
  args: [
    `${root}scripts/run_notebooks.py`,
    ...(values["output-dir"] ? ["--output-dir", values["output-dir"]] : ["--in-place"]),
    "--kernel",
    values.kernel,
    "--repeat",
    values.repeat,
    ...(values["stop-at-idle"] ? ["--stop-at-idle"] : []),
    ...(values["all-at-once"] ? ["--all-at-once"] : []),
    ...notebooks,
  ],
  env: { EOJOBS_TOKEN_CACHE: "0" },
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
