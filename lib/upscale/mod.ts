/**
 * Client-side upscaling: a job manager with a crash-safe job table, for any platform that can
 * submit a single job.
 *
 * @module
 */
export * from "./backend.ts";
export { JobManager } from "./manager.ts";
export type { BackendConfig, JobManagerOptions, OpenMode, WorkItem } from "./options.ts";
export type {
  EndEvent,
  FailedRow,
  ManagerEvent,
  ManagerTotals,
  PhaseCounts,
  PlatformEvent,
  RowEvent,
  RunSummary,
} from "./events.ts";
export { RunStoppedError, type StopReason, TableMismatchError } from "./errors.ts";
export * from "./progress.ts";
export * from "./row.ts";
export { type LockHolder, RunFolderLockedError } from "./run_lock.ts";
export * from "./table.ts";
export type { WkbGeometry, XY } from "../geo/geopackage.ts";
export { TableWriteError } from "./table_store.ts";
export { exportTable, type TableFormat } from "./table_export.ts";
