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

Deno.test({
  name: "notebook runner: an output published after idle is kept; plain reading loses it and fails",
  ignore: interpreter === undefined && Deno.env.get("CI") !== "true",
  async fn() {
    assert.ok(interpreter, "CI needs Python with nbclient (Debian python3-nbclient)");
    const kernel = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}scripts/kernel.ts`, "--quiet"],
    }).output();
    assert.equal(kernel.code, 0, new TextDecoder().decode(kernel.stderr));
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
