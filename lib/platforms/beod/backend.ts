/**
 * BEOD extractions as a backend of the job manager: one project per work item (a BEOD project
 * holds one AOI), the tag in the project's name, one scenario in it. A job's id is
 * `project/scenario/activity`. Statuses are read activity by activity (the API has no list of
 * them); files come from every page of the download tree, presigned afresh for each try. BEOD
 * has no way to stop a scenario, so the backend has no `cancel`.
 *
 * @module
 */
import type { AoiInput } from "../../geo/aoi.ts";
import { pollFloorMs } from "../../jobs/poll_floor.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import type { JobBackend } from "../../upscale/backend.ts";
import type { JobFile } from "../../jobs/contract.ts";
import { readEach } from "../../upscale/read_each.ts";
import type { BeodScenario, BrightEarth } from "./client.ts";
import type { ScenarioRequest } from "./types.ts";
import { InputError } from "../../input_error.ts";

/** How each work item (an AOI) becomes a scenario. */
export interface BeodBackendOptions {
  /** The scenario to run on every AOI (its `name` gets the tag). */
  request: ScenarioRequest;
  /** Scenario type. @default {"extraction-mono"} */
  type?: string;
  /** Projects are named `PROJECT [tag]`. @default {"eojobs"} */
  project?: string;
  /** Name in messages and the job table. @default {"BrightEarth On Demand"} */
  name?: string;
}

/** Splits a job id made by {@linkcode beodBackend}, or says what is wrong with it. */
function handle(beod: BrightEarth, id: string): BeodScenario {
  const parts = id.split("/").map(Number);
  if (parts.length !== 3 || !parts.every(Number.isInteger)) {
    throw new InputError(
      "job id",
      `"${id}" is not a BEOD job id`,
      "a BEOD job id is project/scenario/activity, e.g. 3/5/5",
    );
  }
  return beod.scenario(parts[0], parts[1], parts[2]);
}

/**
 * A backend for `JobManager` that runs one BEOD extraction per AOI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { beodBackend, connectBeod, startSandbox, allPlatforms } from "../../../mod.ts";
 * await using sandbox = await startSandbox({ port: 0, mounts: allPlatforms });
 * const beod = connectBeod({ sandbox: sandbox.url });
 * const backend = beodBackend(beod, {
 *   request: { name: "buildings", source_image_type: "basemap", source_image_id: 1, augmented: false,
 *     output_crs: 4326, vector_formats: "geojson", raster_formats: "geotiff", three_d_formats: "3d_tiles", dl_models: [] },
 * });
 * const id = await backend.submit("POLYGON((7.25 43.70, 7.26 43.70, 7.26 43.71, 7.25 43.71, 7.25 43.70))", "t1");
 * assert.equal((await backend.findByTag(["t1"])).get("t1"), id);
 * ```
 */
export function beodBackend(beod: BrightEarth, options: BeodBackendOptions): JobBackend<AoiInput> {
  const type = options.type ?? "extraction-mono";
  const named = (tag: string) => `${options.project ?? "eojobs"} [${tag}]`;
  return {
    name: options.name ?? "BrightEarth On Demand",
    minPollIntervalMs: pollFloorMs(beod.http.baseUrl),
    http: beod.http,
    async submit(item, tag, signal) {
      // A crash before the scenario leaves an empty project, which costs nothing and is not
      // found by tag: the item is then submitted again into a project of its own.
      const project = await beod.createProject(named(tag), signal);
      await beod.createAoi(project, item, signal);
      const scenario = await beod.createScenario(
        project,
        type,
        { ...options.request, name: `${options.request.name} [${tag}]` },
        signal,
      );
      return `${project}/${scenario.id}/${scenario.activityId}`;
    },
    statuses(ids, signal) {
      return readEach(
        ids,
        (id, signal) => handle(beod, id).status(signal) as Promise<StatusSnapshot>,
        signal,
      );
    },
    async findByTag(tags, signal) {
      const byName = new Map(tags.map((tag) => [named(tag), tag]));
      const out = new Map<string, string>();
      for (const project of await beod.projects(signal)) {
        const tag = byName.get(project.name);
        if (tag === undefined) continue;
        const scenario = (await beod.scenarios(project.id, signal)).find((s) => s.type === type);
        if (scenario) out.set(tag, `${project.id}/${scenario.id}/${scenario.activity_id}`);
      }
      return out;
    },
    results(id, signal): Promise<JobFile[]> {
      return handle(beod, id).files(signal);
    },
    async failureReason(id, signal) {
      return (await handle(beod, id).status(signal)).message;
    },
    async identity(signal) {
      return { url: beod.http.baseUrl.href, user: (await beod.me(signal)).email };
    },
  };
}
