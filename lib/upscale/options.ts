/**
 * The job manager's options, the work items it takes and the backends it runs them on, with
 * their defaults in one place. The manager's other modules import these; they import none of
 * them, so no circle forms.
 *
 * @module
 */
import type { WkbGeometry } from "../geo/geopackage.ts";
import { MAX_RETRY_AFTER_MS } from "../jobs/failures.ts";
import type { BackoffOptions } from "../time/backoff.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { type Sleep, sleep as realSleep } from "../time/sleep.ts";
import type { JobBackend } from "./backend.ts";

/** One unit of work. */
export interface WorkItem<Item> {
  /** Unique, stable key (a tile id): it names the row, the tag and the download folder. */
  key: string;
  /** What the backend submits. */
  item: Item;
  /** The backend (by name in `backends`) that must run it; default: whichever has room. */
  backend?: string;
}

/** A backend with slots of its own. */
export interface BackendConfig<Item> {
  /** The platform. */
  backend: JobBackend<Item>;
  /** Jobs at once on it. Default the manager's `concurrency`. */
  concurrency?: number;
}

/**
 * How {@linkcode JobManager.open} treats a table already in the folder: `resume` goes on with it
 * (its platform must be this run's, and an item changed under an existing key is an error);
 * `merge` goes on too but takes changed items and runs them again; `new` puts the old table
 * aside (renamed `jobs.<time>.gpkg`) and starts afresh.
 */
export type OpenMode = "resume" | "merge" | "new";

/** Options of {@linkcode JobManager.open}. */
export interface JobManagerOptions<Item> {
  /** The platform (one backend, named by its `name`). */
  backend?: JobBackend<Item>;
  /** Several platforms by name, each with its own slots; a row keeps its backend on resume. */
  backends?: Record<string, JobBackend<Item> | BackendConfig<Item>>;
  /** Run folder: the table (`jobs.gpkg`) and one folder of results per item. */
  dir: string;
  /** Jobs running at once per backend. Default 4. */
  concurrency?: number;
  /** Downloads at once, all backends together; they never hold a job slot. Default 4 per backend. */
  downloadConcurrency?: number;
  /** Jobs per item, the first included, when the platform says a job failed. Default 3. */
  maxAttempts?: number;
  /** Downloads of a finished job that may fail for good (size or checksum wrong, 404) before the row fails. Default 5. */
  maxDownloadTries?: number;
  /** First delay before a failed job is submitted again, ms (doubles with each attempt). Default 5 000. */
  retryDelayMs?: number;
  /** Time between status reads, ms; never below the backend's `minPollIntervalMs`. Default 2 000. */
  pollIntervalMs?: number;
  /** After a limit answer, the quiet time before one more slot is tried, ms. Default 60 000. */
  limitProbeMs?: number;
  /** Backoff while a platform is unreachable. Default 0.5 s growing to 5 s, full jitter. */
  outageBackoff?: BackoffOptions;
  /**
   * Longest wait a platform's `Retry-After` may ask for, ms: a longer one (an hour, or an HTTP
   * date from a clock that runs ahead) is cut to this. Default 300 000 (5 minutes).
   */
  maxRetryAfterMs?: number;
  /** Stop `run()` after this long, ms ({@linkcode RunStoppedError} `deadline`); rows stay resumable. */
  deadlineMs?: number;
  /** Cancel a job that runs longer than this, ms; its row fails with `timeout`. */
  cancelAfterMs?: number;
  /** What to do with a table already there. Default `resume`. */
  mode?: OpenMode;
  /** Download each finished job's files. Default true. */
  download?: boolean;
  /** Prefix of job tags, to tell this run's jobs from others. Default `"eojobs"`. */
  tagPrefix?: string;
  /** Sync every table write to disk. Default false (a killed process loses nothing either way). */
  durable?: boolean;
  /** The footprint of an item for the table's GIS layer; see {@linkcode JobTableOptions.geometryOf}. */
  geometryOf?: (item: Item) => WkbGeometry | undefined;
  /** Clock. */
  clock?: Clock;
  /** Sleep between rounds. */
  sleep?: Sleep;
}

/** The options with every default filled in, as the manager's modules read them. */
export type ResolvedOptions<Item> =
  & Required<
    Omit<
      JobManagerOptions<Item>,
      "backend" | "backends" | "deadlineMs" | "cancelAfterMs" | "outageBackoff" | "geometryOf"
    >
  >
  & Pick<JobManagerOptions<Item>, "deadlineMs" | "cancelAfterMs">;

/** `options` with the defaults, for a run over `backends` backends. */
export function resolveOptions<Item>(
  options: JobManagerOptions<Item>,
  backends: number,
): ResolvedOptions<Item> {
  return {
    concurrency: 4,
    // Four per platform: one platform's slow storage does not starve another's downloads.
    downloadConcurrency: 4 * backends,
    maxAttempts: 3,
    maxDownloadTries: 5,
    retryDelayMs: 5_000,
    pollIntervalMs: 2_000,
    limitProbeMs: 60_000,
    mode: "resume",
    download: true,
    tagPrefix: "eojobs",
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    durable: false,
    clock: systemClock,
    sleep: realSleep,
    ...options,
  };
}
