/**
 * The library is usable from any folder: a script outside the repository (no `deno.json` in
 * reach) imports the entry points by path, and `core.ts` loads neither plotting nor the sandbox.
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers.ts";

const root = new URL("..", import.meta.url).pathname;

async function deno(args: string[], cwd: string) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { EOJOBS_TOKEN_CACHE: "0" },
  }).output();
  return {
    code,
    out: new TextDecoder().decode(stdout),
    err: new TextDecoder().decode(stderr),
  };
}

Deno.test("a script outside the repository imports the entry points by path and runs", async () => {
  await using dir = await tempDir();
  const script = `${dir.path}/use.ts`;
  await Deno.writeTextFile(
    script,
    `import { connectApex, platformTiles } from "${root}core.ts";
import { embeddedSandbox } from "${root}sandbox.ts";
import { mapFigure } from "${root}plot.ts";
const aoi = "POLYGON ((16.15 48.03, 16.71 48.03, 16.71 48.31, 16.15 48.31, 16.15 48.03))";
const sandbox = await embeddedSandbox();
const apex = connectApex({ sandbox: sandbox.url });
const remote = await apex.tiles(aoi, "20x20km");
const figure = await mapFigure({ title: "t", aoi, tiles: [] });
console.log(remote.geometries.length, platformTiles(aoi).length, typeof figure);
await sandbox.close();
`,
  );
  const { code, out, err } = await deno(["run", "-A", script], dir.path);
  assert.equal(code, 0, err);
  assert.equal(out.trim(), "12 12 object");
});

Deno.test("core.ts loads neither plotting nor the sandbox", async () => {
  await using dir = await tempDir();
  const { code, out, err } = await deno(["info", "--json", `${root}core.ts`], dir.path);
  assert.equal(code, 0, err);
  const modules: Array<{ specifier: string }> = JSON.parse(out).modules;
  const local = modules.map((m) => m.specifier).filter((s) => s.startsWith("file:"));
  assert.ok(local.some((s) => s.endsWith("/lib/platforms/apex/client.ts")));
  const heavy = local.filter((s) => /\/lib\/(plot|sandbox)\//.test(s));
  assert.deepEqual(heavy, []);
  const npm = modules.map((m) => m.specifier).filter((s) => s.startsWith("npm:"));
  assert.ok(!npm.some((s) => /observablehq|linkedom|world-atlas|fflate/.test(s)), npm.join(", "));
});

Deno.test("mod.ts and plot.ts type-check from a script outside the repository with no deno.json", async () => {
  await using dir = await tempDir();
  const script = `${dir.path}/typed.ts`;
  await Deno.writeTextFile(
    script,
    `import { mapFigure, type RasterData, readRaster, writeMosaic } from "${root}mod.ts";
import { timeSeriesFigure } from "${root}plot.ts";
const r: RasterData = await readRaster("x.tif");
const f = await mapFigure({ rasters: [r] });
console.log(f.svg.length, typeof timeSeriesFigure, typeof writeMosaic);
`,
  );
  const { code, err } = await deno(["check", script], dir.path);
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /ERROR/);
});
