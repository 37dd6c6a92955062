import assert from "node:assert/strict";
import { HttpError } from "../../lib/http/errors.ts";
import { type JobState, type StatusSnapshot, watch, watchAll } from "../../lib/jobs/mod.ts";
import { HttpClient } from "../../lib/http/client.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { sandbox, sleepRecorder } from "../helpers.ts";

const snap = (state: JobState, progress?: number): StatusSnapshot<null> => ({
  state,
  raw: state.toUpperCase(),
  progress,
  data: null,
});

function script(...states: Array<StatusSnapshot<null> | Error>) {
  let i = 0;
  const poll = () => {
    const next = states[Math.min(i++, states.length - 1)];
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return Object.assign(poll, { calls: () => i });
}

Deno.test("watch yields changes only, backs off while nothing changes, ends on a terminal state", async () => {
  const poll = script(
    snap("queued"),
    snap("queued"),
    snap("queued"),
    snap("running", 10),
    snap("running", 10),
    snap("running", 60),
    snap("succeeded"),
    snap("queued"),
  );
  const sleep = sleepRecorder();
  const seen: string[] = [];
  for await (
    const s of watch(poll, { sleep, intervalMs: 100, factor: 2, jitter: 0, maxIntervalMs: 300 })
  ) {
    seen.push(`${s.state}${s.progress ?? ""}`);
  }
  assert.deepEqual(seen, ["queued", "running10", "running60", "succeeded"]);
  assert.equal(poll.calls(), 7);
  assert.deepEqual(sleep.waits, [100, 200, 300, 100, 200, 100]);
});

Deno.test("watch rides out transient errors, honours Retry-After, and gives up after maxErrors", async () => {
  const busy = new HttpError({
    status: 503,
    method: "GET",
    url: "http://h/x",
    body: "",
    retryAfterMs: 5_000,
  });
  const sleep = sleepRecorder();
  const ok = script(snap("running"), busy, busy, snap("succeeded"));
  const states = [];
  for await (const s of watch(ok, { sleep, intervalMs: 10, jitter: 0 })) states.push(s.state);
  assert.deepEqual(states, ["running", "succeeded"]);
  assert.ok(sleep.waits.filter((w) => w === 5_000).length === 2);

  const hostile = new HttpError({
    status: 503,
    method: "GET",
    url: "http://h/x",
    body: "",
    retryAfterMs: 86_400_000,
  });
  const capped = sleepRecorder();
  const once = script(snap("running"), hostile, snap("succeeded"));
  for await (const _ of watch(once, { sleep: capped, intervalMs: 10, jitter: 0 }));
  assert.deepEqual(capped.waits, [10, 300_000], "a Retry-After of a day is cut to 5 minutes");

  const broken = script(snap("running"), busy);
  await assert.rejects(async () => {
    for await (const _ of watch(broken, { sleep: sleepRecorder(), maxErrors: 3 }));
  }, (e: HttpError) => e === busy);
  assert.equal(
    broken.calls(),
    5,
    "one success, then three tolerated failures and the fourth thrown",
  );

  const notFound = new HttpError({ status: 404, method: "GET", url: "http://h/x", body: "" });
  await assert.rejects(async () => {
    for await (const _ of watch(script(notFound), { sleep: sleepRecorder() }));
  }, (e: HttpError) => e.status === 404);
});

Deno.test("watch stops on abort and on its overall time-out", async () => {
  const controller = new AbortController();
  const forever = script(snap("running"));
  await assert.rejects(async () => {
    for await (const _ of watch(forever, { signal: controller.signal, intervalMs: 5 })) {
      controller.abort(new Error("stop"));
    }
  }, /stop/);
  const clock = new ManualClock(0);
  await assert.rejects(async () => {
    for await (
      const _ of watch(script(snap("running"), snap("queued"), snap("running")), {
        clock,
        timeoutMs: 1_000,
        intervalMs: 1,
        sleep: (_ms, signal) => {
          clock.advance(600);
          return new Promise((r, j) => {
            if (signal?.aborted) return j(signal.reason);
            setTimeout(r, 5);
          });
        },
      })
    );
  }, (e: Error) => e.name === "TimeoutError");
});

Deno.test("a push source replaces polling and polling takes over when it drops", async () => {
  const poll = script(snap("running", 80), snap("succeeded"));
  async function* push() {
    yield snap("queued");
    yield snap("running", 50);
    throw new Error("socket closed");
  }
  const errors: unknown[] = [];
  const seen = [];
  for await (
    const s of watch(poll, {
      push,
      sleep: sleepRecorder(),
      onError: (e) => errors.push(e),
    })
  ) {
    seen.push(`${s.state}${s.progress ?? ""}`);
  }
  assert.deepEqual(seen, ["queued", "running50", "running80", "succeeded"]);
  assert.equal(errors.length, 1);
  assert.equal(poll.calls(), 2);
});

Deno.test("watch over HTTP: a flaky status endpoint still yields the changes", async () => {
  await using sb = await sandbox();
  sb.faults.add({ prefix: "/health", rate503: 0.5 });
  const http = new HttpClient({ baseUrl: sb.url, retry: { retries: 0 } });
  let n = 0;
  const states: JobState[] = ["queued", "running", "succeeded"];
  const poll = async (signal: AbortSignal) => {
    await http.json("/health", { signal });
    return snap(states[Math.min(n++, 2)]);
  };
  const seen = [];
  for await (const s of watch(poll, { sleep: sleepRecorder(), maxErrors: 50 })) seen.push(s.state);
  assert.deepEqual(seen, ["queued", "running", "succeeded"]);
});

Deno.test("watch over HTTP: credentials the platform refuses end the watch at once, as they stop the job manager", async () => {
  await using sb = await sandbox();
  // A token the APEx twin does not know: the core renews it once (the same), then gives up.
  const http = new HttpClient({ baseUrl: `${sb.url}/apex/`, auth: "not-a-token" });
  let polls = 0;
  const poll = async (signal: AbortSignal) => {
    polls++;
    await http.json("unit_jobs/1", { signal });
    return snap("running");
  };
  await assert.rejects(
    async () => {
      for await (const _ of watch(poll, { sleep: sleepRecorder() }));
    },
    (e: HttpError) => e.status === 401,
  );
  assert.equal(polls, 1, "a refused token is not polled again");
});

Deno.test("watchAll merges streams and ends when all have ended", async () => {
  const make = (...s: JobState[]) =>
    watch(script(...s.map((x) => snap(x))), { sleep: sleepRecorder() });
  const seen: string[] = [];
  for await (
    const { key, snapshot } of watchAll(
      new Map([["a", make("queued", "succeeded")], ["b", make("running", "failed")]]),
    )
  ) {
    seen.push(`${key}:${snapshot.state}`);
  }
  assert.deepEqual(seen.filter((s) => s.startsWith("a")), ["a:queued", "a:succeeded"]);
  assert.deepEqual(seen.filter((s) => s.startsWith("b")), ["b:running", "b:failed"]);
});
