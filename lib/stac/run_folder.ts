/**
 * One folder per run: `PARENT/RUN/` holds a run's tiles, mosaic, VRT, STAC folder, job table and
 * figures, so that two runs never mix; `PARENT/latest-run.txt` names the newest, which a resume
 * goes on with.
 *
 * @module
 */
import { InputError } from "../input_error.ts";

/** A run's folder. */
export interface RunFolder {
  /** `PARENT/RUN`. */
  path: string;
  /** `RUN`. */
  name: string;
  /** True when an existing run is continued. */
  resumed: boolean;
  /**
   * Removes a folder this call made, and names the run that was latest before again: for a run
   * that never got going (its platform could not be reached). Does nothing to a resumed run.
   */
  discard(): Promise<void>;
}

/** Options of {@linkcode runFolder}. */
export interface RunFolderOptions {
  /** The run's name. Default: the time, `20261202-141503`. */
  name?: string;
  /** Continue the run named (or the latest) when it exists; start one when none does. */
  resume?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Makes (or, with `resume`, finds) a run's folder under `parent`.
 *
 * @throws {RangeError} for a name that is no folder name, or a new run whose folder already
 *   holds a run.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runFolder } from "./run_folder.ts";
 * const parent = await Deno.makeTempDir();
 * const first = await runFolder(parent, { name: "a" });
 * assert.equal(first.resumed, false);
 * assert.equal((await runFolder(parent, { resume: true })).path, first.path);
 * await assert.rejects(runFolder(parent, { name: "a" }), /already holds a run/);
 * await (await runFolder(parent, { name: "b" })).discard();
 * assert.equal(Deno.readTextFileSync(`${parent}/latest-run.txt`).trim(), "a");
 * await Deno.remove(parent, { recursive: true });
 * ```
 */
export async function runFolder(
  parent: string,
  options: RunFolderOptions = {},
): Promise<RunFolder> {
  if (options.name !== undefined && !NAME.test(options.name)) {
    throw new InputError(
      "name",
      `"${options.name}" is not a folder name`,
      'use letters, digits, "-", "_" and "."',
    );
  }
  const latestFile = `${parent}/latest-run.txt`;
  const latest = await Deno.readTextFile(latestFile).then((t) => t.trim(), () => undefined);
  const holds = (name: string) =>
    Deno.stat(`${parent}/${name}/run.json`).then(() => true, () => false);
  let name = options.name ?? (options.resume ? latest : undefined);
  const existed = name !== undefined && await holds(name);
  if (existed) {
    if (!options.resume) {
      throw new InputError(
        "name",
        `${parent}/${name} already holds a run`,
        "resume it, or choose another name",
      );
    }
  } else {
    if (!name) {
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
      name = stamp;
      for (let i = 2; await holds(name); i++) name = `${stamp}-${i}`;
    }
    await Deno.mkdir(`${parent}/${name}`, { recursive: true });
    await Deno.writeTextFile(
      `${parent}/${name}/run.json`,
      JSON.stringify({ run: name, created: new Date().toISOString() }) + "\n",
    );
  }
  const point = async (run: string | undefined) => {
    if (run === undefined) return await Deno.remove(latestFile).catch(() => {});
    await Deno.writeTextFile(`${latestFile}.part`, `${run}\n`);
    await Deno.rename(`${latestFile}.part`, latestFile);
  };
  await point(name);
  const path = `${parent}/${name}`;
  return {
    path,
    name: name!,
    resumed: existed,
    async discard() {
      if (existed) return;
      await Deno.remove(path, { recursive: true }).catch(() => {});
      await point(latest);
    },
  };
}
