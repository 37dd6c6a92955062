/**
 * What the job manager needs from a platform: submit one job, read statuses, find jobs again
 * by tag after a crash, and list a finished job's files.
 *
 * @module
 */
import type { StatusSnapshot } from "../jobs/state.ts";

/** A file of a finished job. */
export interface ResultFile {
  /** Where to get it. */
  url: string;
  /** Name below the work item's folder. */
  path: string;
  /** Size, when the platform says. */
  size?: number;
}

/** A platform, as the manager sees it. */
export interface JobBackend<Item> {
  /** Short name for messages. */
  readonly name: string;
  /**
   * Submits one job for `item`, tagged with `tag` (put it where {@linkcode JobBackend.findByTag}
   * can see it, such as the title). Must not retry by itself.
   */
  submit(item: Item, tag: string, signal?: AbortSignal): Promise<string>;
  /** Statuses of jobs by id (one request for all where the platform allows). */
  statuses(ids: string[], signal?: AbortSignal): Promise<Map<string, StatusSnapshot>>;
  /** Job ids by tag, among the user's jobs: how a crash between submit and record is healed. */
  findByTag(tags: string[], signal?: AbortSignal): Promise<Map<string, string>>;
  /** Files of a finished job. */
  results(id: string, signal?: AbortSignal): Promise<ResultFile[]>;
}
