/**
 * The job manager's row rules, table by table, with no sandbox: a job that ended without
 * results, a submission that made no job, a download that failed.
 */
import assert from "node:assert/strict";
import type { ErrorClass } from "../../lib/jobs/failures.ts";
import type { JobRow, Phase } from "../../lib/upscale/row.ts";
import {
  downloadAgain,
  downloadFailed,
  downloadMayRetry,
  jobEnded,
  withdrawn,
} from "../../lib/upscale/row_rules.ts";

const CTX = { maxAttempts: 3, retryDelayMs: 1_000, maxDownloadTries: 3, now: 10_000 };
const row = (
  phase: Phase,
  attempts: number,
  extra: Partial<JobRow<string>> = {},
): JobRow<string> => ({
  key: "tile-1",
  item: "x",
  phase,
  attempts: Array.from(
    { length: attempts },
    (_, i) => ({ n: i + 1, tag: `eojobs:tile-1#${i + 1}` }),
  ),
  updated: 0,
  ...extra,
});

Deno.test("row rules: a job that ended without results is tried again with a doubling delay, then fails", () => {
  const cases: Array<[string, JobRow<string>, Phase, number | undefined, RegExp]> = [
    ["first attempt failed", row("active", 1), "pending", 11_000, /retrying \(attempt 2 of 3\)/],
    ["second attempt failed", row("active", 2), "pending", 12_000, /attempt 3 of 3/],
    ["the last attempt failed", row("active", 3), "failed", undefined, /gave up after 3 attempts/],
    [
      "requeued after two: a fresh budget",
      row("active", 3, { requeuedAt: 2 }),
      "pending",
      11_000,
      /attempt 2 of 3/,
    ],
  ];
  for (const [what, r, phase, notBefore, error] of cases) {
    jobEnded(r, "job 9 ended failed", "no valid data", CTX);
    assert.equal(r.phase, phase, what);
    assert.equal(r.notBefore, notBefore, what);
    assert.match(r.error!, error, what);
    assert.match(r.error!, /job 9 ended failed: no valid data/, what);
    assert.equal(r.reason, "no valid data", what);
    assert.equal(r.failure, phase === "failed" ? "job" : undefined, what);
  }
});

Deno.test("row rules: a submission that made no job spends no attempt; only an unpinned row with no job may move", () => {
  const cases: Array<[string, JobRow<string>, boolean, string | undefined, number]> = [
    ["first submission, unpinned", row("submitting", 1, { backend: "a" }), false, undefined, 0],
    ["first submission, pinned", row("submitting", 1, { backend: "a" }), true, "a", 0],
    ["a resubmission keeps its backend", row("submitting", 2, { backend: "a" }), false, "a", 1],
  ];
  for (const [what, r, pinned, backend, attempts] of cases) {
    withdrawn(r, "waiting: a's concurrent-job limit is reached", pinned);
    assert.equal(r.phase, "pending", what);
    assert.equal(r.attempts.length, attempts, what);
    assert.equal(r.backend, backend, what);
    assert.match(r.error!, /limit is reached/, what);
  }
});

Deno.test("row rules: a broken transfer spends no try, a refused file does, and the last try fails the row", () => {
  const cases: Array<[string, ErrorClass, number, number, Phase, number | undefined, RegExp]> = [
    // kind, tries before, Retry-After, then: phase, tries after, error
    ["a dropped transfer", "transient", 0, 0, "downloading", undefined, /interrupted/],
    ["a storage's limit answer", "limit", 2, 0, "downloading", 2, /interrupted/],
    ["a 404, first try", "refused", 0, 0, "downloading", 1, /trying again \(1 of 3\)/],
    ["a checksum mismatch, last try", "refused", 2, 0, "failed", 3, /failed 3 times/],
    ["an expired link", "auth", 1, 0, "downloading", 2, /2 of 3/],
  ];
  for (const [what, kind, before, retryAfter, phase, after, error] of cases) {
    const r = row("downloading", 1, { downloadTries: before || undefined });
    downloadFailed(r, "the answer", kind, retryAfter, CTX);
    assert.equal(r.phase, phase, what);
    assert.equal(r.downloadTries, after, what);
    assert.match(r.error!, error, what);
    if (phase === "downloading") assert.ok(r.notBefore! > CTX.now, `${what}: later`);
    else assert.equal(r.failure, "download", what);
  }
  // Retry-After is honoured when longer than the backoff.
  const r = row("downloading", 1);
  downloadFailed(r, "503", "transient", 60_000, CTX);
  assert.equal(r.notBefore, CTX.now + 60_000);
});

Deno.test("row rules: only a succeeded job whose files failed is downloaded again, with a fresh budget", () => {
  const succeeded = (r: JobRow<string>) => {
    r.attempts.at(-1)!.state = "succeeded";
    return r;
  };
  const cases: Array<[string, JobRow<string>, boolean]> = [
    ["files failed", succeeded(row("failed", 1, { failure: "download", downloadTries: 5 })), true],
    ["the job failed", row("failed", 1, { failure: "job" }), false],
    ["files failed, job not succeeded", row("failed", 1, { failure: "download" }), false],
    ["done", succeeded(row("done", 1)), false],
  ];
  for (const [name, r, may] of cases) {
    assert.equal(downloadMayRetry(r), may, name);
    if (!may) continue;
    downloadAgain(r);
    assert.deepEqual(
      [r.phase, r.downloadTries, r.failure, r.notBefore],
      ["downloading", 0, undefined, undefined],
      name,
    );
  }
});
