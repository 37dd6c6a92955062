/**
 * Progress of a run as one line: a bar, counts by phase and an ETA.
 *
 * @module
 */
import type { PhaseCounts, RunSummary } from "./events.ts";

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
    : `${s}s`;
}

/** Extras of {@linkcode progressLine}. */
export interface ProgressExtras {
  /** Backends that do not answer, with the time (ms) since when. */
  unreachable?: Record<string, number>;
  /** Width of the bar. Default 20. */
  width?: number;
}

/**
 * A progress line such as `[#######-----] 7/12 done, 4 running, 1 waiting, 0 failed, ETA 12s`,
 * with canceled rows and unreachable platforms when there are any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
 * const line = progressLine({ pending: 1, submitting: 0, active: 4, downloading: 0, done: 7, failed: 0, canceled: 0 }, 12, 12_000);
 * assert.ok(line.includes("7/12 done") && line.endsWith("ETA 12s"));
 * ```
 */
export function progressLine(
  counts: PhaseCounts,
  total: number,
  etaMs?: number,
  extras: ProgressExtras = {},
): string {
  const width = extras.width ?? 20;
  const finished = counts.done + counts.failed + (counts.canceled ?? 0);
  const filled = total === 0 ? width : Math.round((finished / total) * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const running = counts.active + counts.submitting + counts.downloading;
  const down = Object.entries(extras.unreachable ?? {}).map(([name, since]) =>
    `${name} unreachable since ${new Date(since).toTimeString().slice(0, 5)}`
  );
  return `${bar} ${counts.done}/${total} done, ${running} running, ${counts.pending} waiting, ${counts.failed} failed` +
    (counts.canceled ? `, ${counts.canceled} canceled` : "") +
    (etaMs !== undefined && finished < total ? `, ETA ${duration(etaMs)}` : "") +
    (down.length ? `; ${down.join(", ")}` : "");
}

/**
 * The end of a run in a few lines: counts, jobs, time and cost, and every failed row with its
 * reason (the first `maxFailed`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryText } from "./progress.ts";
 * const text = summaryText({ counts: { pending: 0, submitting: 0, active: 0, downloading: 0, done: 1, failed: 1, canceled: 0 },
 *   total: 2, jobs: 3, jobMs: 60_000, limitAnswers: 0,
 *   failed: [{ key: "tile-2", reason: "out of memory", failure: "job", attempts: 2 }] });
 * assert.ok(text.includes("tile-2") && text.includes("out of memory"));
 * ```
 */
export function summaryText(summary: RunSummary, maxFailed = 20): string {
  const c = summary.counts;
  const lines = [
    `${c.done} of ${summary.total} done, ${c.failed} failed` +
    (c.canceled ? `, ${c.canceled} canceled` : "") +
    `; ${summary.jobs} jobs, ${duration(summary.jobMs)} of job time` +
    (summary.cost !== undefined ? `, cost ${summary.cost}` : "") +
    (summary.limitAnswers ? `; ${summary.limitAnswers} limit answers waited out` : ""),
  ];
  for (const f of summary.failed.slice(0, maxFailed)) {
    lines.push(`  ${f.key}: ${f.failure ?? "failed"} after ${f.attempts} attempt(s): ${f.reason}`);
  }
  if (summary.failed.length > maxFailed) {
    lines.push(`  ... and ${summary.failed.length - maxFailed} more`);
  }
  return lines.join("\n");
}
