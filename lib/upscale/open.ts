/**
 * Opening a run: the work items checked (keys that name folders, items JSON can hold, backends
 * that exist), one lane per backend, the platforms asked who they are, and the items compared
 * with a table already in the folder.
 *
 * @module
 */
import { systemClock } from "../time/clock.ts";
import type { JobBackend } from "./backend.ts";
import { firstContact, TableMismatchError } from "./errors.ts";
import { Lane } from "./lane.ts";
import type { BackendConfig, JobManagerOptions, WorkItem } from "./options.ts";
import type { JobRow, TableMeta } from "./row.ts";
import { RUNNING } from "./row_rules.ts";
import type { JobTable } from "./table.ts";
import { InputError } from "../input_error.ts";

/** Longest work item key: a folder name, with room to spare under the file systems' 255 bytes. */
const MAX_KEY = 200;

/** The items as checked: each one's stored JSON by key, and the keys pinned to a backend. */
export interface CheckedItems {
  /** Each item as the JSON it is stored as, by key. */
  texts: Map<string, string>;
  /** Key to the backend that must run it. */
  pinned: Map<string, string>;
}

/** Checks every item before anything is asked of a platform; throws a `RangeError` naming the key. */
export function checkItems<Item>(
  items: WorkItem<Item>[],
  lanes: ReadonlyMap<string, Lane<Item>>,
): CheckedItems {
  const pinned = new Map<string, string>();
  const texts = new Map<string, string>();
  for (const { key, backend, item } of items) {
    if (
      typeof key !== "string" || !/^[A-Za-z0-9._-]+$/.test(key) || key === "." || key === ".."
    ) {
      throw new InputError(
        `work item key "${key}"`,
        "not a folder name",
        "use letters, digits, '.', '_' and '-' only (it names a folder)",
      );
    }
    // A key names the folder of its results: too long a name fails only after the job is paid.
    if (key.length > MAX_KEY) {
      throw new InputError(
        `work item key "${key.slice(0, 24)}…"`,
        `${key.length} characters, more than ${MAX_KEY}`,
        "use a shorter key (it names a folder)",
      );
    }
    if (texts.has(key)) {
      throw new InputError(`work item key "${key}"`, "appears twice", "keys must be unique");
    }
    texts.set(key, itemText(key, item));
    if (backend !== undefined) {
      if (!lanes.has(backend)) {
        throw new InputError(
          `work item "${key}"`,
          `backend "${backend}" is not one of ${[...lanes.keys()].join(", ")}`,
          "name one of them, or leave backend out to run it on whichever has room",
        );
      }
      pinned.set(key, backend);
    }
  }
  return { texts, pinned };
}

/**
 * Who each platform is, asked before the table is touched: a platform that cannot be reached
 * leaves no table behind.
 */
export async function identities<Item>(lanes: ReadonlyMap<string, Lane<Item>>): Promise<TableMeta> {
  const meta: TableMeta = { backends: {} };
  for (const [name, lane] of lanes) {
    try {
      meta.backends[name] = await lane.backend.identity?.() ?? { url: lane.backend.name };
    } catch (error) {
      firstContact(name, lane.answered, error);
      throw error;
    }
  }
  return meta;
}

/** One lane per backend, each with its slots; throws a `RangeError` on a bad count. */
export function makeLanes<Item>(options: JobManagerOptions<Item>): Map<string, Lane<Item>> {
  const configs: Record<string, BackendConfig<Item>> = {};
  if (options.backend) configs[options.backend.name] = { backend: options.backend };
  for (const [name, value] of Object.entries(options.backends ?? {})) {
    configs[name] = typeof (value as JobBackend<Item>).submit === "function"
      ? { backend: value as JobBackend<Item> }
      : value as BackendConfig<Item>;
  }
  if (Object.keys(configs).length === 0) {
    throw new InputError("JobManager.open", "no backend", "give a backend, or backends by name");
  }
  const lanes = new Map<string, Lane<Item>>();
  for (const [name, config] of Object.entries(configs)) {
    const slots = config.concurrency ?? options.concurrency ?? 4;
    if (!Number.isInteger(slots) || slots < 1) {
      throw new InputError(
        `backend "${name}": concurrency`,
        String(slots),
        "give a whole number of 1 or more",
      );
    }
    lanes.set(
      name,
      new Lane(name, config.backend, {
        slots,
        pollIntervalMs: options.pollIntervalMs ?? 2_000,
        limitProbeMs: options.limitProbeMs ?? 60_000,
        outage: options.outageBackoff ?? {},
      }),
    );
  }
  return lanes;
}

/** A table already in the folder must belong to the platforms of this run. */
export function checkPlatform(recorded: TableMeta | undefined, now: TableMeta, path: string): void {
  for (const [name, was] of Object.entries(recorded?.backends ?? {})) {
    const is = now.backends[name];
    if (!is) continue;
    if (
      is.url !== was.url ||
      (was.user !== undefined && is.user !== undefined && is.user !== was.user)
    ) {
      throw new TableMismatchError(
        `${path} belongs to ${was.url}${
          was.user ? ` as ${was.user}` : ""
        }, but backend "${name}" ` +
          `now talks to ${is.url}${
            is.user ? ` as ${is.user}` : ""
          }: its jobs do not exist there. ` +
          `Open it with mode "new" to start a fresh table (the old one is kept), or choose another folder`,
      );
    }
  }
}

/**
 * Rows for the items the table does not hold, and again for changed items in `merge` mode;
 * returns the changed keys.
 */
export async function addItems<Item>(
  table: JobTable<Item>,
  items: WorkItem<Item>[],
  texts: ReadonlyMap<string, string>,
  pinned: Map<string, string>,
  options: JobManagerOptions<Item>,
): Promise<string[]> {
  const { stored, changed } = table.compareItems(texts);
  if (changed.length > 0 && (options.mode ?? "resume") === "resume") {
    throw new TableMismatchError(
      `${table.path}: ${changed.length} item(s) changed under an existing key (${
        changed.slice(0, 5).join(", ")
      }${
        changed.length > 5 ? ", ..." : ""
      }); open with mode "merge" to run them again, or "new" to start afresh`,
    );
  }
  const now = (options.clock ?? systemClock).now();
  const added: JobRow<Item>[] = [];
  const again = new Set(changed);
  for (const { key, item } of items) {
    if (stored.has(key) && !again.has(key)) continue;
    const row = table.get(key);
    if (row && RUNNING.has(row.phase)) {
      throw new TableMismatchError(
        `${table.path}: item "${key}" changed while its job is running; wait for it or cancel it first`,
      );
    }
    added.push({
      key,
      item,
      phase: "pending",
      attempts: row?.attempts ?? [],
      requeuedAt: row?.attempts.length,
      backend: pinned.get(key),
      updated: now,
    });
  }
  await table.putMany(added);
  return changed;
}

/** An item is stored as JSON and sent as JSON: one that JSON cannot hold is refused by key. */
function itemText(key: string, item: unknown): string {
  try {
    return JSON.stringify(item ?? null);
  } catch (error) {
    throw new InputError(
      `work item "${key}"`,
      `its item cannot be stored (${(error as Error).message})`,
      "give plain JSON values (no BigInt, no cycles)",
    );
  }
}
