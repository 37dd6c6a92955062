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

import { KERNEL_DISPLAY as DISPLAY, KERNEL_NAME } from "./jupyter.ts";

const root = new URL("..", import.meta.url).pathname;
const prefix = `${root}.deno`;
const quiet = Deno.args.includes("--quiet");

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
await step(deno!, ["jupyter", "--install", "--force", "--name", KERNEL_NAME, "--display", DISPLAY]);
console.log(`Kernel "${KERNEL_NAME}" (${DISPLAY}) registered, running ${deno}`);
