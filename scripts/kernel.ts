/**
 * `deno task kernel`: registers the Jupyter kernel the notebooks name, `eojobs` ("Deno
 * (eojobs)"), backed by a Deno installed into this project (`.deno/`, from the npm registry) so
 * that the kernel keeps working when the npx cache is cleaned and never replaces a `deno` kernel
 * the user already has.
 *
 * Run: `deno task kernel` (add `--quiet` for less output). Prints the kernel's Deno.
 *
 * @module
 */

import { KERNEL_DISPLAY as DISPLAY, KERNEL_NAME, pythonWith } from "./jupyter.ts";

const root = new URL("..", import.meta.url).pathname;
const prefix = `${root}.deno`;
const quiet = Deno.args.includes("--quiet");
if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log(`Usage: deno task kernel [--quiet]

Installs Deno into this project's .deno/ (from the npm registry, about 90 MB on the first run)
and registers the Jupyter kernel the notebooks name: ${KERNEL_NAME} ("${DISPLAY}").

  --quiet      print less
  -h, --help   this text (installs nothing)`);
  Deno.exit(0);
}

async function step(cmd: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) {
    console.error(`${cmd} ${args.join(" ")} failed (exit ${code}):\n${text.trim()}`);
    Deno.exit(1);
  }
  return text;
}

/** The Deno binary inside `.deno/`, whatever platform package npm picked. */
function installedDeno(): string | undefined {
  const scope = `${prefix}/node_modules/@deno`;
  try {
    for (const entry of Deno.readDirSync(scope)) {
      const candidate = `${scope}/${entry.name}/deno`;
      if (Deno.statSync(candidate).isFile) return candidate;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

const version = Deno.version.deno;
let deno = installedDeno();
const current = deno && (await step(deno, ["--version"])).match(/deno (\S+)/)?.[1];
if (current !== version) {
  if (!quiet) console.log(`Installing Deno ${version} into ${prefix} (npm) ...`);
  await step("npm", ["install", "--prefix", prefix, "--no-save", "--silent", `deno@${version}`]);
  deno = installedDeno();
  if (!deno) {
    console.error(
      `npm installed deno@${version} but no binary is under ${prefix}/node_modules/@deno`,
    );
    Deno.exit(1);
  }
}
const installed = await step(deno!, [
  "jupyter",
  "--install",
  "--force",
  "--name",
  KERNEL_NAME,
  "--display",
  DISPLAY,
]);
// Deno's kernel can stamp a late output with the next queued cell (Run All in a browser): the
// kernel goes behind scripts/kernel_proxy.py, which hands it one cell at a time. The proxy needs a
// Python with pyzmq, which every Jupyter has.
const specDir = installed.match(/installed successfully at (.+?)\.?\s*$/m)?.[1];
// Debian's Python first: a pip Jupyter elsewhere on PATH may lack pyzmq.
const python = await pythonWith("zmq, nbformat", ["/usr/bin/python3", "python3"]);
if (specDir && python) {
  const spec = JSON.parse(await Deno.readTextFile(`${specDir}/kernel.json`));
  spec.argv = [python, `${root}scripts/kernel_proxy.py`, deno!, "{connection_file}"];
  spec.interrupt_mode = "signal";
  await Deno.writeTextFile(`${specDir}/kernel.json`, JSON.stringify(spec, null, 2) + "\n");
  console.log(
    `Kernel "${KERNEL_NAME}" (${DISPLAY}) registered: ${deno}, one cell at a time (${python})`,
  );
} else {
  console.log(`Kernel "${KERNEL_NAME}" (${DISPLAY}) registered, running ${deno}`);
  console.error(
    "warning: no Python with pyzmq found, so the kernel runs without its one-cell-at-a-time " +
      "proxy and Run All may show a cell's output under the next one; install Jupyter first",
  );
}
