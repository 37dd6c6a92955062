/**
 * Sen2Cube.AT inferences as a backend of the job manager: one inference per work item (an AOI),
 * the tag in its comment; statuses of all followed inferences and the search by tag are each one
 * filtered JSON:API list (`id` or `comment` `in_` the values, a hundred at a time). Outputs carry
 * their sizes, checked after the download. `cancel` aborts the inference.
 *
 * @module
 */
import type { AoiInput } from "../../geo/aoi.ts";
import { pollFloorMs } from "../../jobs/poll_floor.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import type { BackendStatus, JobBackend } from "../../upscale/backend.ts";
import type { JobFile } from "../../jobs/contract.ts";
import { inferenceSnapshot } from "./_snapshot.ts";
import type { InferenceRequest, Sen2Cube } from "./client.ts";
import type { JsonApiResource } from "./jsonapi.ts";
import type { InferenceAttributes } from "./types.ts";

/** How each work item (an AOI) becomes an inference. */
export interface Sen2CubeBackendOptions {
  /** The inference to run on every AOI; its `comment` gets the tag. */
  request: Omit<InferenceRequest, "aoi">;
  /** Name in messages and the job table. @default {"Sen2Cube.AT"} */
  name?: string;
}

/** Values per filtered list: keeps the query string short. */
const PER_LIST = 100;

/**
 * A backend for `JobManager` that runs one Sen2Cube inference per AOI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectSen2Cube, sen2cubeBackend, startSandbox, allPlatforms } from "../../../mod.ts";
 * await using sandbox = await startSandbox({ port: 0, mounts: allPlatforms });
 * const backend = sen2cubeBackend(connectSen2Cube({ sandbox: sandbox.url }), {
 *   request: { knowledgebase: 218, start: "2021-05-01T00:00:00Z", end: "2021-06-01T00:00:00Z" },
 * });
 * const id = await backend.submit({ type: "Polygon", coordinates: [[[13, 47], [13.1, 47], [13.1, 47.1], [13, 47]]] }, "t1");
 * assert.equal((await backend.statuses([id])).get(id)?.state, "queued");
 * ```
 */
export function sen2cubeBackend(
  s2c: Sen2Cube,
  options: Sen2CubeBackendOptions,
): JobBackend<AoiInput> {
  const comment = (tag: string) =>
    `${options.request.comment ?? "Inference started with eojobs"} [${tag}]`;
  const list = async (
    name: "id" | "comment",
    values: Array<string | number>,
    signal?: AbortSignal,
  ) => {
    const found: Array<JsonApiResource<InferenceAttributes>> = [];
    for (let i = 0; i < values.length; i += PER_LIST) {
      const val = values.slice(i, i + PER_LIST);
      for await (
        const r of s2c.inferences({ filter: [{ name, op: "in_", val }], pageSize: 100, signal })
      ) {
        found.push(r);
      }
    }
    return found;
  };
  return {
    name: options.name ?? "Sen2Cube.AT",
    minPollIntervalMs: pollFloorMs(s2c.api.http.baseUrl),
    http: s2c.api.http,
    async submit(item, tag, signal) {
      const inference = await s2c.createInference(
        { ...options.request, aoi: item, comment: comment(tag) },
        signal,
      );
      return String(inference.id);
    },
    async statuses(ids, signal) {
      const out = new Map<string, BackendStatus>();
      for (const r of await list("id", ids.map(Number), signal)) {
        out.set(String(r.id), inferenceSnapshot(r) as StatusSnapshot);
      }
      return out;
    },
    async findByTag(tags, signal) {
      const byComment = new Map(tags.map((tag) => [comment(tag), tag]));
      const out = new Map<string, string>();
      for (const r of await list("comment", [...byComment.keys()], signal)) {
        const tag = byComment.get(r.attributes.comment);
        if (tag !== undefined) out.set(tag, String(r.id));
      }
      return out;
    },
    results(id, signal): Promise<JobFile[]> {
      return s2c.inference(Number(id)).files(signal);
    },
    async failureReason(id, signal) {
      return (await s2c.inference(Number(id)).status(signal)).message;
    },
    cancel(id, signal) {
      return s2c.inference(Number(id)).cancel(signal);
    },
    async identity(signal) {
      const user = await s2c.user(signal);
      return { url: s2c.api.http.baseUrl.href, user: String(user.preferred_username ?? user.sub) };
    },
  };
}
