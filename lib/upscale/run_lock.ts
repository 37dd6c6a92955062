/**
 * One writer per run folder. The lock is an SQLite database held in exclusive locking mode:
 * SQLite locks with `fcntl`, so the operating system drops the lock the moment the process
 * dies (SIGKILL included), and a second process is told at once, not after a wait.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** Who holds a run folder: recorded beside the lock so a second opener can say so. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** When it took the folder (ms since the epoch). */
  since: number;
  /** Host name. */
  host?: string;
}

/** The run folder is being written by another process (or by a run in this one). */
export class RunFolderLockedError extends Error {
  /** Always `"RunFolderLockedError"`. */
  override name = "RunFolderLockedError";
  /** The folder. */
  readonly dir: string;
  /** The holder, where it is recorded. */
  readonly holder?: LockHolder;
  /** Describes who holds `dir`. */
  constructor(dir: string, holder: LockHolder | undefined, here = false) {
    const who = here
      ? `a run in this process (process ${Deno.pid}); let it end or abort it first`
      : holder
      ? `process ${holder.pid}${holder.host ? ` on ${holder.host}` : ""} since ${
        new Date(holder.since).toTimeString().slice(0, 5)
      }; open it read-only, or wait`
      : "another process; open it read-only, or wait";
    super(`run folder ${dir} in use by ${who}`);
    this.dir = dir;
    this.holder = holder;
  }
}

/** A held lock; {@linkcode RunLock.release} gives it up (so does the process's death). */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /** Gives the lock up. */
  release(): void;
}

/** Holders in this process, by lock file: SQLite's locks do not tell two of our own apart. */
const held = new Map<string, { busy: () => boolean; takeOver: () => void }>();

/**
 * Takes the lock of `dir` (file `name` in it), or throws {@linkcode RunFolderLockedError}
 * naming the holder `describe()` reads. A holder in this process that is not busy (a manager
 * opened in a notebook cell that is run again) is taken over: `takeOver` of the old holder is
 * called first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acquireRunLock, RunFolderLockedError } from "./run_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = acquireRunLock(dir, "jobs.lock", { busy: () => true, takeOver: () => {} });
 * assert.throws(() => acquireRunLock(dir, "jobs.lock", { busy: () => false, takeOver: () => {} }), RunFolderLockedError);
 * lock.release();
 * acquireRunLock(dir, "jobs.lock", { busy: () => false, takeOver: () => {} }).release();
 * ```
 */
export function acquireRunLock(
  dir: string,
  name: string,
  self: { busy: () => boolean; takeOver: () => void },
  describe: () => LockHolder | undefined = () => undefined,
): RunLock {
  const path = `${dir}/${name}`;
  const mine = held.get(path);
  if (mine) {
    if (mine.busy()) throw new RunFolderLockedError(dir, undefined, true);
    mine.takeOver();
    held.delete(path);
  }
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;");
  } catch (error) {
    db.close();
    if (/locked|busy/i.test((error as Error).message)) {
      throw new RunFolderLockedError(dir, describe());
    }
    throw error;
  }
  held.set(path, self);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (held.get(path) === self) held.delete(path);
      db.close();
    },
  };
}
