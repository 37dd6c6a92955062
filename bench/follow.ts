/**
 * Following a 1,000-job upscale task: requests (or pushes) per observed state change, and bytes
 * moved, websocket versus polling, at the same interval, on the same simulated task.
 *
 * Run: `deno task bench:follow`
 *
 * @module
 */
import { helpRequested } from "./help.ts";
import { type ApexTwin, apexTwin, connectApex, startSandbox } from "../mod.ts";

helpRequested(
  "deno task bench:follow\n\nMessages and bytes per observed job change while following a 1,000-job APEx task: websocket against polling.",
);

const JOBS = 1_000;
/** The API's websocket interval is whole seconds; polling runs at the same pace. */
const INTERVAL_S = 1;
const TIME_SCALE = 0.01;

async function follow(mode: "websocket" | "poll") {
  // Same seed and time scale: both runs see the same task evolve the same way.
  await using sb = await startSandbox({ timeScale: TIME_SCALE, seed: 7, mounts: [apexTwin()] });
  const twin = sb.twin<ApexTwin>("/apex");
  const apex = connectApex({ sandbox: sb.url });
  await apex.health();
  const task = await apex.submitUpscaleTask({
    title: "bench",
    label: "openeo",
    service: {
      endpoint: "https://openeo.example",
      application: "https://example/eurac_pv_farm_detection.json",
    },
    format: "gtiff",
    parameters: {},
    dimension: {
      name: "spatial_extent",
      values: Array.from(
        { length: JOBS },
        (_, i) => ({ west: i, south: 0, east: i + 0.1, north: 0.1 }),
      ),
    },
  });
  const before = { ...twin.stats };
  let changes = 0;
  let bytesPolled = 0;
  const t0 = performance.now();
  for await (
    const u of task.watch({
      websocket: mode === "websocket",
      socketIntervalSeconds: INTERVAL_S,
      intervalMs: INTERVAL_S * 1000,
      maxIntervalMs: INTERVAL_S * 1000,
      jitter: 0,
    })
  ) {
    changes += u.changed.length;
    if (mode === "poll") bytesPolled += JSON.stringify(u.task).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const requests = twin.stats.requests - before.requests;
  const pushes = twin.stats.pushes - before.pushes;
  const messages = mode === "websocket" ? pushes : requests;
  return {
    mode,
    seconds,
    changes,
    requests,
    pushes,
    messages,
    bytes: mode === "websocket" ? twin.stats.pushedBytes - before.pushedBytes : bytesPolled,
  };
}

console.log(
  `Following one upscale task of ${JOBS} jobs at a ${INTERVAL_S} s interval (sandbox, same seed).`,
);
for (const mode of ["websocket", "poll"] as const) {
  const r = await follow(mode);
  console.log(
    `${mode.padEnd(10)} ${r.seconds.toFixed(1).padStart(5)} s  ${
      String(r.changes).padStart(5)
    } job changes seen  ` +
      `${String(r.requests).padStart(4)} HTTP requests  ${String(r.pushes).padStart(4)} pushes  ` +
      `${(r.messages / r.changes).toFixed(3)} messages per change  ${
        (r.bytes / r.changes / 1024).toFixed(1)
      } KiB per change` +
      (mode === "poll" ? " (bodies changed only; unchanged polls not counted)" : ""),
  );
}
