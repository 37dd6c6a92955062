/**
 * One contract, run against every platform (as Hono runs one suite against every router):
 * submit, watch to a terminal state, results, download, cancel or its documented absence, the
 * platform's own limit answer, and resume after SIGKILL. Each case starts the sandbox on a free
 * port with a per-user job limit of 2 on every twin and goes over HTTP; what the platform holds
 * is read back through its API.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { JobManager } from "../../core.ts";
import { platformsWith } from "../../lib/sandbox/platforms.ts";
import { killWhen, sandbox, tempDir } from "../helpers.ts";
import { CancelUnavailableError, JobNotFinishedError } from "../../lib/jobs/contract.ts";
import { duplicates, PLATFORM_NAMES, PLATFORMS, watchEnd } from "./platforms.ts";

const LIMIT = 2;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const limited = (timeScale: number) =>
  sandbox({ timeScale, mounts: platformsWith({ jobLimit: LIMIT, credits: 10_000 }) });
const RUN = { pollIntervalMs: 50, retryDelayMs: 50, limitProbeMs: 300, maxAttempts: 3 };

function* files(path: string): Generator<string> {
  for (const e of Deno.readDirSync(path)) {
    if (e.isDirectory) yield* files(`${path}/${e.name}`);
    else yield `${path}/${e.name}`;
  }
}

for (const name of PLATFORM_NAMES) {
  const platform = PLATFORMS[name];

  Deno.test(`contract ${name}: many jobs under the platform's limit, each watched, its results downloaded as the platform has them`, async () => {
    // Jobs of a second or more: longer than a submission takes even on a loaded machine, so the
    // third one always meets the limit (UP42's takes four requests before the execution).
    await using sb = await limited(0.01);
    await using dir = await tempDir();
    const backend = await platform.backend(sb.url);
    const manager = await JobManager.open(await platform.items(6, sb.url), {
      backends: { [name]: { backend, concurrency: 4 } },
      dir: dir.path,
      ...RUN,
    });
    for await (const _ of manager.run());
    const summary = manager.summary();
    assert.equal(summary.counts.done, 6, JSON.stringify(manager.table.rows().map((r) => r.error)));
    // Four slots against a limit of two: the twin refused in its own words, and the manager
    // understood it as backpressure, not as a failed job.
    assert.ok(summary.limitAnswers > 0, "the twin's limit answer was met");
    const jobs = await platform.jobs(sb.url);
    assert.equal(duplicates(jobs), 0);
    const attempts = manager.table.rows().reduce((n, r) => n + r.attempts.length, 0);
    assert.equal(jobs.length, attempts, "no attempt spent on a limit answer");
    for (const row of manager.table.rows()) {
      const id = row.attempts.at(-1)!.jobId!;
      assert.equal(await watchEnd(platform, sb.url, id), "succeeded", `${row.key}: watch()`);
      const remote = await backend.results(id);
      assert.ok(remote.length > 0, `${row.key}: results`);
      assert.deepEqual(row.files?.toSorted(), remote.map((f) => `${row.key}/${f.path}`).toSorted());
      for (const file of remote) {
        const there = new Uint8Array(await (await fetch(file.url)).arrayBuffer());
        const here = await Deno.readFile(`${dir.path}/${row.key}/${file.path}`);
        assert.equal(sha(here), sha(there), `${row.key}/${file.path}`);
      }
    }
    assert.deepEqual([...files(dir.path)].filter((f) => f.endsWith(".part")), []);
  });

  Deno.test(`contract ${name}: the job handle: no files before the end, then files() and download() agree; cancel or its typed absence`, async () => {
    await using sb = await limited(0.002);
    await using dir = await tempDir();
    const backend = await platform.backend(sb.url);
    const [a, b] = await platform.items(2, sb.url);
    const job = platform.job(sb.url, await backend.submit(a.item, "handle-a"));
    await assert.rejects(() => job.files(), JobNotFinishedError);
    let last = "unknown";
    for await (const s of job.watch({ minIntervalMs: 50 })) last = s.state;
    assert.equal(last, "succeeded");
    const files = await job.files();
    const downloaded = await job.download(dir.path, { concurrency: 2 });
    assert.equal(downloaded.length, files.length);
    for (const f of files) {
      // Files that need the platform's token (UP42's assets) are fetched with it.
      const token = f.auth ? await backend.http?.auth?.getToken() : undefined;
      const answer = await fetch(
        f.url,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
      const there = new Uint8Array(await answer.arrayBuffer());
      assert.equal(sha(await Deno.readFile(`${dir.path}/${f.path}`)), sha(there), f.path);
    }
    const other = platform.job(sb.url, await backend.submit(b.item, "handle-b"));
    if (name === "beod" || name === "up42") {
      await assert.rejects(() => other.cancel(), CancelUnavailableError);
    } else {
      assert.equal(await other.cancel(), name === "apex" ? "forgotten" : "stopped");
    }
  });

  Deno.test(`contract ${name}: cancel stops the job where the platform can, and says so where it cannot`, async () => {
    await using sb = await limited(0.05);
    await using dir = await tempDir();
    const backend = await platform.backend(sb.url);
    const manager = await JobManager.open(await platform.items(1, sb.url), {
      backends: { [name]: backend },
      dir: dir.path,
      ...RUN,
    });
    for await (const event of manager.run()) {
      if (event.kind === "row" && event.row.phase === "active") await manager.cancel(event.row.key);
    }
    const [row] = manager.table.rows();
    assert.equal(row.phase, "canceled");
    const id = row.attempts.at(-1)!.jobId!;
    if (name === "sen2cube") {
      assert.match(row.error!, /job \d+ was stopped/);
      assert.equal(await watchEnd(platform, sb.url, id), "canceled");
    } else if (name === "apex") {
      assert.match(row.error!, /forgot job/);
      assert.deepEqual(await platform.jobs(sb.url), []);
    } else {
      assert.equal(backend.cancel, undefined, `${name} has no cancel`);
      assert.match(row.error!, /cannot stop jobs, so job .* runs on and is no longer followed/);
      assert.equal((await platform.jobs(sb.url)).length, 1);
    }
  });

  Deno.test(`contract ${name}: SIGKILL midway, then the same run again: every item done, no job twice`, async () => {
    await using sb = await limited(0.01);
    await using dir = await tempDir();
    const args = ["tests/contract/manager_child.ts", name, sb.url, dir.path, "5"];
    const seen = await killWhen(args, /active tile-\d+\n/);
    assert.doesNotMatch(seen, /^end$/m, "killed before the run ended");
    const before = (await platform.jobs(sb.url)).length;
    assert.ok(before > 0, "jobs were submitted before the kill");
    const again = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", ...args] })
      .output();
    const out = new TextDecoder().decode(again.stdout) + new TextDecoder().decode(again.stderr);
    assert.equal(again.code, 0, out);
    assert.match(out, /^end$/m);
    const jobs = await platform.jobs(sb.url);
    assert.equal(duplicates(jobs), 0, JSON.stringify(jobs.map((j) => j.tag)));
    const { JobTable } = await import("../../lib/upscale/table.ts");
    const table = await JobTable.inFolder(dir.path, { readOnly: true });
    try {
      assert.equal(table.counts().done, 5);
      const attempts = table.rows().reduce((n, r) => n + r.attempts.length, 0);
      assert.equal(jobs.length, attempts, "every job on the platform is one of the table's");
    } finally {
      table.close();
    }
  });
}
