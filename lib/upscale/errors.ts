/**
 * Why a run stops early, and how the manager reads an error: the platform's words and the wait
 * it asked for. Faults of this machine (a table that cannot be written, a full disk) and a
 * platform never reached stop the run at once; the rest is for the row rules.
 *
 * @module
 */
import { isDiskFull } from "../fs/disk_full.ts";
import { connectFailure } from "../http/errors.ts";
import { TableWriteError } from "./table_store.ts";

/** Why a run stopped early; see {@linkcode RunStoppedError.reason}. */
export type StopReason = "deadline" | "auth" | "refused" | "disk" | "unreachable";

/** `run()` stopped before every row ended; the table is intact and a later run goes on. */
export class RunStoppedError extends Error {
  /** Always `"RunStoppedError"`. */
  override name = "RunStoppedError";
  /**
   * Why: the user's deadline, credentials the platform refuses, a request it will never accept,
   * this machine's disk (full, or the table cannot be written), or a platform that could not be
   * reached at all before it ever answered (no such host, refused, TLS: a wrong address or no
   * network, not an outage to wait out).
   */
  readonly reason: StopReason;
  /** Describes the stop. */
  constructor(reason: StopReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * Faults of this machine, not of the platform: a job table that cannot be written (a full disk
 * among them) or a download that fills the disk stop the run with the file named.
 */
export function stopOnLocalFault(error: unknown): void {
  if (error instanceof RunStoppedError) throw error;
  if (error instanceof TableWriteError || isDiskFull(error)) {
    throw new RunStoppedError("disk", (error as Error).message, { cause: error });
  }
}

/**
 * Until a platform has answered once in this run, a failure to connect at all is a wrong address
 * or no network: waiting it out as an outage would retry for hours and say nothing useful.
 */
export function firstContact(name: string, answered: boolean, error: unknown): void {
  if (answered || error instanceof RunStoppedError) return;
  const problem = connectFailure(error);
  if (!problem) return;
  throw new RunStoppedError(
    "unreachable",
    `${name} cannot be reached: ${problem.text}; check the network connection (or its proxy, VPN or firewall) and the platform's URL, or run against the sandbox (--sandbox)`,
    { cause: error },
  );
}

/** The table in the folder belongs to another platform or holds other items. */
export class TableMismatchError extends Error {
  /** Always `"TableMismatchError"`. */
  override name = "TableMismatchError";
}

/** An error's message, whatever was thrown. */
export function message(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
