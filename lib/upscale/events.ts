/**
 * What a run tells its caller: an event for every row change and every platform outage and its
 * end, a last event with the summary, and the totals each of them carries.
 *
 * @module
 */
import type { JobRow, Phase } from "./row.ts";

/** Counts by phase. */
export type PhaseCounts = Record<Phase, number>;

/** What every event carries. */
export interface ManagerTotals {
  /** Rows by phase. */
  counts: PhaseCounts;
  /** Rows in all. */
  total: number;
  /** Estimated ms until all rows are done, once something finished in this run. */
  etaMs?: number;
  /** Backends that do not answer now, with the time (ms) since when. */
  unreachable: Record<string, number>;
}

/** A row changed. */
export interface RowEvent<Item> extends ManagerTotals {
  /** Always `"row"`. */
  kind: "row";
  /** The row after the change (a copy). */
  row: JobRow<Item>;
}

/** A platform stopped or started answering. */
export interface PlatformEvent extends ManagerTotals {
  /** Always `"platform"`. */
  kind: "platform";
  /** The backend's name. */
  backend: string;
  /** For people: "unreachable since 14:02 (...)" or "reachable again after 61 s". */
  message: string;
}

/** The run ended: every row is done, failed or canceled. Always the last event. */
export interface EndEvent extends ManagerTotals {
  /** Always `"end"`. */
  kind: "end";
  /** What the run achieved. */
  summary: RunSummary;
}

/** One change, with the totals after it. */
export type ManagerEvent<Item> = RowEvent<Item> | PlatformEvent | EndEvent;

/** A failed row in a {@linkcode RunSummary}. */
export interface FailedRow {
  /** Its key. */
  key: string;
  /** Why, for people: the platform's message where it gave one. */
  reason: string;
  /** The failure class. */
  failure?: string;
  /** Jobs it took. */
  attempts: number;
}

/** What a run achieved, from the table. */
export interface RunSummary {
  /** Rows by phase. */
  counts: PhaseCounts;
  /** Rows in all. */
  total: number;
  /** Every failed row with its reason. */
  failed: FailedRow[];
  /** Jobs submitted in all (every attempt of every row). */
  jobs: number;
  /** Sum of the rows' last job durations, ms. */
  jobMs: number;
  /** Sum of reported costs. */
  cost?: number;
  /** Limit answers received in this run (none cost an attempt). */
  limitAnswers: number;
}

/** What the rows achieved: counts, failures with their reasons, jobs, time and cost. */
export function summarize(
  rows: readonly JobRow<unknown>[],
  counts: PhaseCounts,
  limitAnswers: number,
): RunSummary {
  const costs = rows.map((r) => r.cost).filter((c): c is number => typeof c === "number");
  return {
    counts,
    total: rows.length,
    failed: rows.filter((r) => r.phase === "failed").map((r) => ({
      key: r.key,
      reason: r.reason ?? r.error ?? "unknown",
      failure: r.failure,
      attempts: r.attempts.length,
    })),
    jobs: rows.reduce((n, r) => n + r.attempts.length, 0),
    jobMs: rows.reduce((n, r) => n + (r.durationMs ?? 0), 0),
    cost: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : undefined,
    limitAnswers,
  };
}

/**
 * The totals after a change: the estimate extrapolates this run's pace (`finished` rows in
 * `elapsedMs`) over the rows left.
 */
export function totalsOf(
  counts: PhaseCounts,
  total: number,
  progress: { elapsedMs: number; finished: number },
  unreachable: Record<string, number>,
): ManagerTotals {
  const remaining = total - counts.done - counts.failed - counts.canceled;
  return {
    counts,
    total,
    etaMs: progress.finished > 0 ? (progress.elapsedMs / progress.finished) * remaining : undefined,
    unreachable,
  };
}
