/**
 * A job-manager run on one platform of a sandbox, in a process of its own so that a test can
 * SIGKILL it: `deno run -A tests/contract/manager_child.ts PLATFORM SANDBOX_URL DIR ITEMS`.
 * Prints `active KEY` when a row's job is recorded and `end` when the run is over.
 *
 * @module
 */
import { JobManager } from "../../core.ts";
import { type PlatformName, PLATFORMS } from "./platforms.ts";

const [name, url, dir, n] = Deno.args;
const platform = PLATFORMS[name as PlatformName];
const manager = await JobManager.open(await platform.items(Number(n), url), {
  backends: { [name]: { backend: await platform.backend(url), concurrency: 3 } },
  dir,
  pollIntervalMs: 50,
  retryDelayMs: 50,
  limitProbeMs: 300,
  maxAttempts: 3,
});
for await (const event of manager.run()) {
  if (event.kind === "row" && event.row.phase === "active") console.log(`active ${event.row.key}`);
}
console.log("end");
