/**
 * The notebooks in a real browser, as a person runs them: Debian's Jupyter Notebook and Chromium,
 * driven with puppeteer-core. Each notebook is opened and run with Run All three times (a new
 * kernel each time); every output must sit under its own cell, no page may raise a JavaScript
 * error, and notebook 01's interactive map must show its tiles and results and a tooltip on
 * hover. Screenshots are kept under `out/browser/` for a person to look at.
 */
import assert from "node:assert/strict";
import { type Frame, type Page, puppeteer } from "../deps/puppeteer.ts";

const root = new URL("../..", import.meta.url).pathname;
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
const jupyter = await new Deno.Command("jupyter", { args: ["notebook", "--version"] }).output()
  .then((o) => o.code === 0, () => false);
const ROUNDS = Number(Deno.env.get("EOJOBS_BROWSER_ROUNDS") ?? 3);
const SHOTS = `${root}out/browser`;

// The runner's rule (scripts/run_notebooks.py): what a cell must show, and what only declares.
const DECLARATION =
  /^(const|let|var|import|export|function|async\s+function|class|type|interface|enum|for|while|do|if|try|switch|return|throw)\b/;
const SHOWS =
  /\bliveDisplay\(|\bliveMap\(|\bconsole\.(log|table|info)\(|\bDeno\.jupyter\.display\(/;

function lastStatement(source: string): string {
  const lines = source.trimEnd().split("\n").filter((l) => l.trim());
  for (const line of [...lines].reverse()) {
    if (line.startsWith("//")) continue;
    if (!/^\s/.test(line) && !"})]".includes(line[0])) return line;
  }
  return lines[0] ?? "";
}

function shouldShow(source: string): boolean {
  if (SHOWS.test(source)) return true;
  const statement = lastStatement(source);
  return statement !== "" && !DECLARATION.test(statement);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startJupyter(port: number) {
  const server = new Deno.Command("jupyter", {
    args: [
      "notebook",
      "--no-browser",
      "--allow-root",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--NotebookApp.token=",
      "--NotebookApp.password=",
      `--NotebookApp.notebook_dir=${root}`,
    ],
    env: { EOJOBS_TOKEN_CACHE: "0" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    const up = await fetch(`${base}/api/status`).then(async (r) => {
      await r.body?.cancel();
      return r.ok;
    }, () => false);
    if (up) return { server, base };
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill();
  throw new Error("Jupyter Notebook did not start");
}

/** Ends every kernel the server runs, so that the next round starts with a new one. */
async function endSessions(base: string) {
  const sessions = await (await fetch(`${base}/api/sessions`)).json() as Array<{ id: string }>;
  for (const s of sessions) {
    await (await fetch(`${base}/api/sessions/${s.id}`, { method: "DELETE" })).body?.cancel();
  }
}

interface CellReport {
  index: number;
  source: string;
  outputs: number;
}

async function runAll(page: Page, url: string): Promise<CellReport[]> {
  await page.goto(url, { waitUntil: "load", timeout: 120_000 });
  await page.waitForFunction(
    () => {
      // deno-lint-ignore no-explicit-any
      const nb = (globalThis as any).Jupyter?.notebook;
      return nb?.kernel?.is_connected?.() && nb.kernel.info_reply?.status === "ok";
    },
    { timeout: 120_000, polling: 250 },
  );
  await page.evaluate(() => {
    // deno-lint-ignore no-explicit-any
    const nb = (globalThis as any).Jupyter.notebook;
    // Run All changes the page only: nothing is saved into the repository's notebooks.
    nb.set_autosave_interval(0);
    nb.clear_all_output();
    nb.execute_all_cells();
  });
  await page.waitForFunction(
    () => {
      // deno-lint-ignore no-explicit-any
      const J = (globalThis as any).Jupyter;
      // deno-lint-ignore no-explicit-any
      const cells = J.notebook.get_cells().filter((c: any) => c.cell_type === "code");
      // deno-lint-ignore no-explicit-any
      const done = cells.every((c: any) => typeof c.input_prompt_number === "number");
      return done && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
    },
    { timeout: 600_000, polling: 500 },
  );
  // Late outputs come within moments of idle.
  await new Promise((r) => setTimeout(r, 1500));
  return await page.evaluate(() => {
    // deno-lint-ignore no-explicit-any
    const cells = (globalThis as any).Jupyter.notebook.get_cells();
    // deno-lint-ignore no-explicit-any
    return cells.map((c: any, index: number) => ({
      index,
      source: c.cell_type === "code" ? c.get_text() : "",
      outputs: c.cell_type === "code"
        ? c.output_area.outputs.filter((o: { data?: Record<string, string> }) =>
          !(o.data && Object.keys(o.data).length === 1 && o.data["text/plain"] === "")
        ).length
        : -1,
    })).filter((c: { outputs: number }) => c.outputs >= 0);
  });
}

/** The interactive map's frame on the page, checked: tiles, results, a tooltip on hover. */
async function checkMap(page: Page, shot: string) {
  const element = await page.waitForSelector("iframe[data-eojobs-map]", { timeout: 30_000 });
  assert.ok(element, "an interactive map");
  await element.evaluate((e) => e.scrollIntoView({ block: "center" }));
  const frame = await element.contentFrame() as Frame;
  await frame.waitForFunction(() => document.querySelector(".leaflet-container") !== null);
  const drawn = await frame.evaluate(() => {
    // deno-lint-ignore no-explicit-any
    const g = (globalThis as any).eojobsMap;
    // deno-lint-ignore no-explicit-any
    const shapes = g.tiles.getLayers().flatMap((l: any) => l.getLayers());
    const first = shapes[0];
    const p = g.map.latLngToContainerPoint(first.getBounds().getCenter());
    const r = document.getElementById("map")!.getBoundingClientRect();
    return {
      tiles: shapes.length,
      overlays: document.querySelectorAll("img.leaflet-image-layer").length,
      at: { x: p.x + r.left, y: p.y + r.top },
    };
  });
  assert.ok(drawn.tiles >= 12, `${drawn.tiles} tile shapes`);
  assert.ok(drawn.overlays >= 1, `${drawn.overlays} raster overlays`);
  const box = (await element.boundingBox())!;
  await page.mouse.move(box.x + drawn.at.x - 20, box.y + drawn.at.y - 20);
  await page.mouse.move(box.x + drawn.at.x, box.y + drawn.at.y, { steps: 5 });
  await frame.waitForSelector(".leaflet-tooltip", { timeout: 5_000 });
  const tip = await frame.evaluate(() => document.querySelector(".leaflet-tooltip")!.textContent);
  assert.match(tip ?? "", /status/, `tooltip: ${tip}`);
  await element.screenshot({ path: shot });
}

Deno.test({
  name: "browser: Run All in Jupyter Notebook keeps every output under its cell, with no error",
  ignore: (!CHROMIUM || !jupyter) && Deno.env.get("CI") !== "true",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(CHROMIUM, "CI needs Debian's chromium");
    assert.ok(jupyter, "CI needs Debian's jupyter-notebook");
    const kernel = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}scripts/kernel.ts`, "--quiet"],
    }).output();
    assert.equal(kernel.code, 0, new TextDecoder().decode(kernel.stderr));
    await Deno.mkdir(SHOTS, { recursive: true });
    const { server, base } = await startJupyter(freePort());
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless=new", "--window-size=1200,900"],
      defaultViewport: { width: 1200, height: 900 },
    });
    try {
      const notebooks = [...Deno.readDirSync(`${root}notebooks`)].map((e) => e.name)
        .filter((n) => n.endsWith(".ipynb")).sort();
      const problems: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        for (const name of notebooks) {
          await endSessions(base);
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(String(e)));
          page.on("console", (m) => {
            // A missing optional file (custom.css) is the server's 404, not a script's error.
            if (m.type() === "error" && !/Failed to load resource/.test(m.text())) {
              errors.push(m.text());
            }
          });
          const cells = await runAll(page, `${base}/notebooks/notebooks/${name}`);
          for (const c of cells) {
            if (shouldShow(c.source) && c.outputs === 0) {
              problems.push(`${name} round ${round}: cell ${c.index} shows nothing`);
            }
            if (!shouldShow(c.source) && c.outputs > 0) {
              problems.push(`${name} round ${round}: cell ${c.index} shows another cell's output`);
            }
          }
          for (const e of errors) problems.push(`${name} round ${round}: console: ${e}`);
          if (name.startsWith("01_")) {
            await checkMap(page, `${SHOTS}/${name.replace(".ipynb", "")}-map-round${round}.png`);
          }
          await page.screenshot({
            path: `${SHOTS}/${name.replace(".ipynb", "")}-round${round}.png`,
            fullPage: false,
          });
          await page.close();
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await endSessions(base).catch(() => {});
      server.kill("SIGTERM");
      await server.status;
    }
  },
});
