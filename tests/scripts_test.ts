import assert from "node:assert/strict";
import type { ApexTwin } from "../lib/sandbox/apex/twin.ts";
import { killWhen, sandbox, tempDir } from "./helpers.ts";

async function script(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    env: { EOJOBS_SANDBOX_TIME_SCALE: "0.002", EOJOBS_TOKEN_CACHE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, out: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}

Deno.test("scripts/apex_job.ts runs the first-job tutorial against the embedded sandbox", async () => {
  await using dir = await tempDir();
  const r = await script([
    "scripts/apex_job.ts",
    "--out",
    dir.path,
    "--bbox",
    "16.3,48.1,16.4,48.2",
  ]);
  assert.equal(r.code, 0, r.out);
  assert.match(
    r.out,
    /Using the embedded sandbox at http:\/\/127\.0\.0\.1:\d+ \(no credentials given\)/,
  );
  const run = (await Deno.readTextFile(`${dir.path}/latest-run.txt`)).trim();
  for (const f of ["openEO.tif", "map.svg", "map.html"]) {
    assert.ok((await Deno.stat(`${dir.path}/${run}/${f}`)).size > 0, f);
  }
});

Deno.test("scripts/beod_extract.ts runs the extraction tutorial and draws the layers", async () => {
  await using dir = await tempDir();
  const r = await script(["scripts/beod_extract.ts", "--out", dir.path]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Unzipped \d+ files/);
  const run = (await Deno.readTextFile(`${dir.path}/latest-run.txt`)).trim();
  assert.ok((await Deno.stat(`${dir.path}/${run}/scenario-1/map.svg`)).size > 1000);
});

Deno.test("scripts refuse bad arguments with the option and the fix, before doing anything", async () => {
  for (
    const [args, message] of [
      [["scripts/apex_job.ts", "--bbox", "1,2,3"], /--bbox "1,2,3": give west,south,east,north/],
      [["scripts/upscale.ts", "--grid", "5km"], /--grid "5km": use 20x20km, 250x250km, km:20/],
      [
        ["scripts/upscale.ts", "--concurrency", "0"],
        /--concurrency "0": give a whole number of 1 or more/,
      ],
      [["scripts/beod_extract.ts", "--crs", "2154"], /--crs "2154": use 3857 or 4326/],
    ] as const
  ) {
    const r = await script([...args]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, message);
  }
  const help = await script(["scripts/upscale.ts", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--resume/);
});

Deno.test("task mode survives a crash: --resume follows the same task, nothing is submitted twice", async () => {
  await using sb = await sandbox({ timeScale: 0.01 });
  await using dir = await tempDir();
  const args = [
    "scripts/upscale.ts",
    "--mode",
    "task",
    "--sandbox-url",
    sb.url,
    "--out",
    dir.path,
    "--allow-failures",
  ];
  // Killed as soon as it says the task exists: the crash an unattended run must survive.
  const seen = await killWhen(args, /Upscale task \d+ submitted/);
  assert.match(seen, /Upscale task (\d+) submitted/);
  const id = seen.match(/Upscale task (\d+) submitted/)![1];
  const again = await script([...args, "--resume"]);
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, new RegExp(`Following upscale task ${id} again`));
  const twin = sb.twin<ApexTwin>("/apex");
  assert.equal(twin.store.tasks.size, 1, "one task, not two");
  const elsewhere = await script([
    "scripts/upscale.ts",
    "--mode",
    "task",
    "--sandbox",
    "--out",
    dir.path,
    "--resume",
  ]);
  assert.equal(elsewhere.code, 2);
  assert.match(
    elsewhere.out,
    /--resume: .* holds task \d+ of http:\/\/127\.0\.0\.1:\d+\/apex\/, not of/,
  );
});

Deno.test("every map of a run names each failed tile's reason", async () => {
  const { apexTwin } = await import("../lib/sandbox/apex/twin.ts");
  await using sb = await sandbox({
    timeScale: 0.002,
    mounts: [apexTwin({ lifeCycle: { failShare: 0.5 } })],
  });
  await using dir = await tempDir();
  for (const mode of ["task", "manager"]) {
    const r = await script([
      "scripts/upscale.ts",
      "--mode",
      mode,
      "--sandbox-url",
      sb.url,
      "--out",
      dir.path,
      "--run",
      mode,
      "--attempts",
      "1",
      "--poll-ms",
      "50",
      "--allow-failures",
      "--no-stac",
      "--no-mosaic",
    ]);
    assert.equal(r.code, 0, r.out);
    const failed = Number(r.out.match(/(\d+) failed\./)?.[1] ?? 0);
    assert.ok(failed > 0, `no tile failed in ${mode} mode: ${r.out}`);
    for (const map of ["status.svg", "mosaic.svg"]) {
      const svg = await Deno.readTextFile(`${dir.path}/${mode}/${map}`);
      const titles = [...svg.matchAll(/<title>([^<]*failed[^<]*)<\/title>/g)].map((m) => m[1]);
      assert.equal(titles.length, failed, `${mode} ${map}: ${titles.join(" | ")}`);
      for (const t of titles) {
        assert.match(t, /failed.*\(.{10,}\)/, `${mode} ${map}: "${t}" names no reason`);
      }
    }
  }
});

Deno.test("offline with credentials: a platform never reached (no such host, or refused) fails at once in one line naming the host and the fix, and leaves no run behind", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  for (
    const [url, said] of [
      ["https://dispatch-api.invalid", /the name dispatch-api\.invalid could not be looked up/],
      [`http://127.0.0.1:${port}`, new RegExp(`127\\.0\\.0\\.1:${port} refused the connection`)],
    ] as const
  ) {
    await using dir = await tempDir();
    const started = performance.now();
    const r = await script([
      "scripts/upscale.ts",
      "--token",
      "offline-test-token",
      "--api-url",
      url,
      "--out",
      dir.path,
    ]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.code, 1, r.out);
    const last = r.out.trim().split("\n").at(-1)!;
    assert.match(last, /^upscale: APEx Dispatch API cannot be reached: /);
    assert.match(last, said);
    assert.match(last, /check the network connection .* or run against the sandbox \(--sandbox\)$/);
    assert.doesNotMatch(r.out, /offline-test-token|fetch failed|retrying/);
    assert.ok(seconds < 30, `gave up after ${seconds.toFixed(1)} s`);
    assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), [], "no run folder left");
  }
});

for (const mode of ["manager", "task"] as const) {
  Deno.test(`embedded sandbox: --resume in ${mode} mode after SIGKILL finds the run's jobs again, nothing submitted twice`, async () => {
    await using dir = await tempDir();
    const args = ["scripts/upscale.ts", "--mode", mode, "--out", dir.path, "--run", "r"];
    const seen = await killWhen(
      args,
      mode === "task" ? /Upscale task \d+ submitted/ : /[1-9]\d*\/12 done/,
    );
    assert.match(seen, /the embedded sandbox at http:\/\/127\.0\.0\.1:\d+/);
    const port = seen.match(/127\.0\.0\.1:(\d+)/)![1];
    const again = await script([...args, "--resume", "--allow-failures"]);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`the embedded sandbox at http://127\\.0\\.0\\.1:${port}`));
    const state = JSON.parse(await Deno.readTextFile(`${dir.path}/r/sandbox.json`)) as {
      twins: { "/apex": { jobs: Array<{ title: string }>; tasks: unknown[] } };
    };
    const { jobs, tasks } = state.twins["/apex"];
    if (mode === "task") {
      assert.match(again.out, /Following upscale task \d+ again/);
      assert.equal(tasks.length, 1, "one task, not two");
    } else {
      const tags = jobs.map((j) => j.title.match(/\[eojobs:([^\]]+)\]/)?.[1]);
      assert.equal(new Set(tags).size, tags.length, `a tag submitted twice: ${tags}`);
      assert.match(again.out, /12 of 12 done|tiles finished/);
    }
  });
}

Deno.test("a script run without -A says in one line which access it needs, and how to run it", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "scripts/upscale.ts"],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr).trim();
  assert.equal(code, 2);
  assert.equal(text.split("\n").length, 1, text);
  assert.match(text, /^scripts\/upscale\.ts: needs write, net, env, sys access; run it with -A: /);
});
