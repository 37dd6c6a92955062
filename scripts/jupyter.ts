/**
 * What the notebook scripts and tests share: the project kernel's name, and the Python that can
 * run notebooks (one with nbclient).
 *
 * @module
 */

/** The kernel name the notebooks' metadata names. */
export const KERNEL_NAME = "eojobs";

/** The kernel's display name in Jupyter. */
export const KERNEL_DISPLAY = "Deno (eojobs)";

/**
 * The first Python that has nbclient and nbformat: the one on PATH (pip), else Debian's; or
 * undefined when there is none.
 */
export function notebookPython(): Promise<string | undefined> {
  return pythonWith("nbclient, nbformat", ["python3", "/usr/bin/python3"]);
}

/** The first of `candidates` that imports `modules` (`"zmq, nbformat"`), or undefined. */
export async function pythonWith(
  modules: string,
  candidates: string[],
): Promise<string | undefined> {
  for (const candidate of candidates) {
    const ok = await new Deno.Command(candidate, {
      args: ["-c", `import ${modules}`],
      stdout: "null",
      stderr: "null",
    }).output().then((o) => o.code === 0, () => false);
    if (ok) return candidate;
  }
  return undefined;
}

if (import.meta.main) {
  console.log(
    "scripts/jupyter.ts finds the Python with nbclient and names the kernel for the other scripts, not a script. Run\n  npx --yes deno@2.9.6 task notebooks --help\n  npx --yes deno@2.9.6 task kernel --help",
  );
}
