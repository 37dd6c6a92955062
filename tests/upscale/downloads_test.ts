import assert from "node:assert/strict";
import { beodBackend } from "../../lib/platforms/beod/backend.ts";
import { connectBeod } from "../../lib/platforms/beod/mod.ts";
import { JobManager } from "../../lib/upscale/manager.ts";
import type { JobBackend } from "../../lib/upscale/backend.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { BEOD_REQUEST } from "../contract/platforms.ts";
import { sandbox, tempDir } from "../helpers.ts";

const AOI = "POLYGON ((6.93 43.60, 6.95 43.60, 6.95 43.615, 6.93 43.615, 6.93 43.60))";

Deno.test("manager downloads: links that expire on the way are listed again, with no try spent, through the backend's HTTP core", async () => {
  // The sandbox's clock is the test's: a job ends when it is moved on, and so does a link.
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const beod = connectBeod({ sandbox: sb.url, clock, http: { fetch: counting } });
  const base = beodBackend(beod, { request: BEOD_REQUEST });
  let listings = 0;
  const backend: JobBackend<string> = {
    ...base,
    minPollIntervalMs: 10,
    async statuses(ids, signal) {
      clock.advance(3_600_000);
      return await base.statuses(ids, signal);
    },
    async results(id, signal) {
      const files = await base.results(id, signal);
      // The first list's links expire before any file is fetched.
      if (listings++ === 0) clock.advance(301_000);
      return files;
    },
  };
  const manager = await JobManager.open([{ key: "aoi-1", item: AOI }], {
    backend,
    dir: dir.path,
    pollIntervalMs: 10,
  });
  let before = 0;
  for await (const e of manager.run()) {
    if (e.kind === "row" && e.row.phase === "downloading") before = requests;
  }
  const row = manager.table.get("aoi-1")!;
  assert.equal(row.phase, "done", row.error);
  assert.equal(listings, 2, "the files were listed again once their links expired");
  assert.equal(row.downloadTries ?? 0, 0, "an expired link spends no download try");
  assert.ok(row.files!.length > 0);
  for (const file of row.files!) assert.ok((await Deno.stat(`${dir.path}/${file}`)).size > 0);
  // Two listings of the files and the files themselves, all through the client's own core.
  assert.ok(requests - before >= 2 + row.files!.length, `${requests - before} requests`);
});
