/**
 * Progress of a run as one line: a bar, counts by phase and an ETA.
 *
 * @module
 */
import type { PhaseCounts } from "./manager.ts";

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
    : `${s}s`;
}

/**
 * A progress line such as `[#######-----] 7/12 done, 4 running, 1 waiting, 0 failed, ETA 12s`.
 *
 * @example
 * ```ts
 * import { progressLine } from "./progress.ts";
 * const line = progressLine({ pending: 1, submitting: 0, active: 4, downloading: 0, done: 7, failed: 0 }, 12, 12_000);
 * console.assert(line.includes("7/12 done") && line.endsWith("ETA 12s"));
 * ```
 */
export function progressLine(
  counts: PhaseCounts,
  total: number,
  etaMs?: number,
  width = 20,
): string {
  const finished = counts.done + counts.failed;
  const filled = total === 0 ? width : Math.round((finished / total) * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const running = counts.active + counts.submitting + counts.downloading;
  return `${bar} ${counts.done}/${total} done, ${running} running, ${counts.pending} waiting, ${counts.failed} failed` +
    (etaMs !== undefined && finished < total ? `, ETA ${duration(etaMs)}` : "");
}
