/**
 * The notebook runner keeps a cell's output that arrives after the kernel said `idle`, and a run
 * fails when a cell that should show something shows nothing. A probe notebook publishes its
 * only output 150 ms after its cell finished: read as plain nbclient reads (stop at idle) the
 * output is lost and the run fails; read by the runner it is kept and the run passes.
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers.ts";
import { KERNEL_DISPLAY, KERNEL_NAME, notebookPython } from "../scripts/jupyter.ts";

const root = new URL("..", import.meta.url).pathname;

const interpreter = await notebookPython();

/** Registers the project's kernel, as `deno task kernel` does. */
async function registerKernel() {
  assert.ok(interpreter, "CI needs Python with nbclient (Debian python3-nbclient)");
  const kernel = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}scripts/kernel.ts`, "--quiet"],
  }).output();
  assert.equal(kernel.code, 0, new TextDecoder().decode(kernel.stderr));
}

Deno.test({
  name: "notebook runner: an output published after idle is kept; plain reading loses it and fails",
  ignore: interpreter === undefined && Deno.env.get("CI") !== "true",
  async fn() {
    await registerKernel();
    await using dir = await tempDir();
    const notebook = {
      cells: [
        {
          cell_type: "code",
          id: "late",
          metadata: {},
          execution_count: null,
          outputs: [],
          source: [
            'setTimeout(() => Deno.jupyter.display({ "text/plain": "late output" }, { raw: true }), 150);\n',
            "undefined;",
          ],
        },
      ],
      metadata: {
        kernelspec: { name: KERNEL_NAME, display_name: KERNEL_DISPLAY, language: "typescript" },
      },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const path = `${dir.path}/late.ipynb`;
    await Deno.writeTextFile(path, JSON.stringify(notebook));
    const run = async (...extra: string[]) => {
      const { code, stdout, stderr } = await new Deno.Command(interpreter!, {
        args: [
          `${root}scripts/run_notebooks.py`,
          "--output-dir",
          `${dir.path}/out`,
          "--kernel",
          KERNEL_NAME,
          ...extra,
          path,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code, text: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
    };
    const plain = await run("--stop-at-idle");
    assert.equal(plain.code, 1, plain.text);
    assert.match(plain.text, /cell 0 showed nothing/);
    const patient = await run();
    assert.equal(patient.code, 0, patient.text);
    const executed = JSON.parse(await Deno.readTextFile(`${dir.path}/out/late.ipynb`));
    assert.match(JSON.stringify(executed.cells[0].outputs), /late output/);
  },
});

/** A notebook of declarations and results in turn: a result under a declaration is misplaced. */
function raceNotebook(kernel: string) {
  const cells = [];
  for (let i = 0; i < 12; i++) {
    cells.push({
      cell_type: "code",
      id: `d${i}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source: [`const a${i} = ${i} * 2;`],
    });
    cells.push({
      cell_type: "code",
      id: `r${i}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source: [`await new Promise((r) => setTimeout(r, ${i % 3}));\n`, `\`cell ${i}: \${a${i}}\``],
    });
  }
  return {
    cells,
    metadata: { kernelspec: { name: kernel, display_name: kernel, language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

Deno.test({
  name:
    "Run All: every cell queued at once keeps each output under its cell with the eojobs kernel",
  ignore: interpreter === undefined && Deno.env.get("CI") !== "true",
  async fn() {
    await registerKernel();
    // The same Deno without the proxy, to show what Run All does there.
    const plainName = "eojobs-test-plain";
    const plain = await new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--install", "--force", "--name", plainName, "--display", plainName],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.equal(plain.code, 0);
    await using dir = await tempDir();
    const rounds = async (name: string, n: number) => {
      const path = `${dir.path}/${name}.ipynb`;
      await Deno.writeTextFile(path, JSON.stringify(raceNotebook(name)));
      // One core makes the kernel's race show at once, where two show it now and then.
      const pinned = await new Deno.Command("taskset", { args: ["--version"], stdout: "null" })
        .output().then((o) => o.code === 0, () => false);
      const args = [
        `${root}scripts/run_notebooks.py`,
        "--all-at-once",
        "--repeat",
        String(n),
        "--output-dir",
        `${dir.path}/out`,
        "--kernel",
        name,
        path,
      ];
      const { stdout } = await new Deno.Command(pinned ? "taskset" : interpreter!, {
        args: pinned ? ["-c", "0", interpreter!, ...args] : args,
        stdout: "piped",
        stderr: "null",
      }).output();
      const text = new TextDecoder().decode(stdout);
      const tally = text.match(/(\d+) showed another cell's, (\d+) failed/);
      assert.ok(tally, text);
      return { moved: Number(tally[1]), failed: Number(tally[2]), text };
    };
    const without = await rounds(plainName, 4);
    assert.ok(without.moved > 0, `the plain kernel kept every output in place: ${without.text}`);
    const withProxy = await rounds(KERNEL_NAME, 6);
    assert.deepEqual([withProxy.moved, withProxy.failed], [0, 0], withProxy.text);
  },
});
