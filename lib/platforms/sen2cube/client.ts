/**
 * The Sen2Cube.AT client: password sign-in at its Keycloak, JSON:API access to inferences,
 * factbases and knowledgebases, inference creation (with the `owner` the API forgets to fill),
 * a `watch()` of the inference, its outputs parsed from their JSON string, and downloads.
 *
 * @module
 */
import type { OidcSession } from "../../auth/session.ts";
import { accountSignIn, givenSession, originOf, platformSession } from "../session.ts";
import type { DownloadResult } from "../../download/download.ts";
import { downloadJobFiles } from "../../download/job_files.ts";
import {
  type CancelOutcome,
  type Job,
  type JobDownloadOptions,
  type JobFile,
  JobNotFinishedError,
} from "../../jobs/contract.ts";
import { pathInside } from "../../download/safe_path.ts";
import { type AoiInput, parseAoi } from "../../geo/aoi.ts";
import { HttpClient, type HttpClientOptions } from "../../http/client.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import { watch, type WatchOptions } from "../../jobs/watch.ts";
import { withPollFloor } from "../../jobs/poll_floor.ts";
import type { Clock } from "../../time/clock.ts";
import { JsonApi, type JsonApiResource, type ListOptions } from "./jsonapi.ts";
import { inferenceSnapshot } from "./_snapshot.ts";
import type {
  FactbaseAttributes,
  InferenceAttributes,
  InferenceOutput,
  KnowledgebaseAttributes,
} from "./types.ts";
import { InputError } from "../../input_error.ts";

/** The real API. */
export const SEN2CUBE_API = "https://api.sen2cube.at/v1";
/** The real identity provider. */
export const SEN2CUBE_ISSUER = "https://auth.sen2cube.at/realms/sen2cube-at";

/** Options of {@linkcode connectSen2Cube}. */
export interface Sen2CubeConnectOptions {
  /** Username. */
  username?: string;
  /** Password (sent to the token endpoint only). */
  password?: string;
  /**
   * A session signed in already (any grant: `deviceCode()`, `authorizationCode()`, one shared
   * by several clients), used as it is: no credentials then.
   */
  session?: OidcSession;
  /** A sandbox origin: API, realm and demo user (`demo` / `demo`). */
  sandbox?: string | URL;
  /** API root. Default {@linkcode SEN2CUBE_API}, or the sandbox's. */
  baseUrl?: string;
  /** Clock (tests). */
  clock?: Clock;
  /** HTTP settings. */
  http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
}

/**
 * Connects with the password grant of client `iq-web-client`; tokens (300 s) are refreshed on
 * the way.
 *
 * @example
 * ```ts ignore
 * import { connectSen2Cube } from "./client.ts";
 * const s2c = connectSen2Cube({ username: "me", password: Deno.env.get("S2C_PASSWORD") });
 * ```
 */
export function connectSen2Cube(options: Sen2CubeConnectOptions): Sen2Cube {
  const origin = originOf(options.sandbox);
  const session = givenSession(options, ["username", "password"]) ?? platformSession({
    origin,
    realm: "sen2cube-at",
    issuer: SEN2CUBE_ISSUER,
    clientId: "iq-web-client",
    signIn: accountSignIn(options, origin, "Sen2Cube.AT"),
    clock: options.clock,
  });
  return new Sen2Cube({
    baseUrl: options.baseUrl ?? (origin ? `${origin}/sen2cube/v1` : SEN2CUBE_API),
    session,
    http: options.http,
  });
}

/** What an inference needs. */
export interface InferenceRequest {
  /** The model (knowledgebase id). */
  knowledgebase: number;
  /** The data cube (factbase id). Default 1 (Austria). */
  factbase?: number;
  /** Area: GeoJSON or WKT; polygons are named by their `name` property. */
  aoi: AoiInput | Record<string, unknown>;
  /** Start of the temporal range (ISO, UTC). */
  start: string;
  /** End of the temporal range. */
  end: string;
  /** Comment. */
  comment?: string;
  /** Divide the resolution by this for a quick preview. Default 1. */
  outputScaleFactor?: number;
}

/**
 * A Sen2Cube.AT connection.
 *
 * @example
 * ```ts ignore
 * const inference = await s2c.createInference({ knowledgebase: 218, aoi, start: "2021-03-01T00:00:00Z", end: "2021-07-31T23:59:59Z" });
 * for await (const s of inference.watch()) console.log(s.raw);
 * console.log(await inference.outputs());
 * ```
 */
export class Sen2Cube {
  /** JSON:API access. */
  readonly api: JsonApi;
  /** The signed-in user's session. */
  readonly session: OidcSession;

  /** A client; see {@linkcode connectSen2Cube}. */
  constructor(
    options: {
      baseUrl: string;
      session: OidcSession;
      http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
    },
  ) {
    this.session = options.session;
    this.api = new JsonApi(
      new HttpClient({ ...options.http, baseUrl: options.baseUrl, auth: options.session }),
    );
  }

  /** The user's claims (`preferred_username`, `email`, ...). */
  user(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.session.userinfo(signal);
  }

  /** Every inference of the user that matches, over all pages. */
  inferences(
    options: ListOptions = {},
  ): AsyncGenerator<JsonApiResource<InferenceAttributes>, void, undefined> {
    return this.api.list<InferenceAttributes>("inference", options);
  }

  /** One inference as a handle. */
  inference(id: number): Sen2CubeInference {
    return new Sen2CubeInference(this, id);
  }

  /** A factbase. */
  factbase(id: number, signal?: AbortSignal): Promise<JsonApiResource<FactbaseAttributes>> {
    return this.api.get<FactbaseAttributes>("factbase", id, signal);
  }

  /** Every knowledgebase (model). */
  knowledgebases(
    options: ListOptions = {},
  ): AsyncGenerator<JsonApiResource<KnowledgebaseAttributes>, void, undefined> {
    return this.api.list<KnowledgebaseAttributes>("knowledgebase", options);
  }

  /**
   * Creates an inference. The AOI is checked and sent as a GeoJSON string; `owner` is filled
   * with the signed-in user's `preferred_username`, which the API does not do by itself.
   */
  async createInference(
    request: InferenceRequest,
    signal?: AbortSignal,
  ): Promise<Sen2CubeInference> {
    for (const key of ["start", "end"] as const) {
      if (Number.isNaN(Date.parse(request[key]))) {
        throw new InputError(
          key,
          `"${request[key]}" is not an ISO date-time`,
          "write it like 2021-03-01T00:00:00Z",
        );
      }
    }
    if (Date.parse(request.start) >= Date.parse(request.end)) {
      throw new InputError("start", "not before end", "give a start earlier than the end");
    }
    const input = request.aoi as { type?: string };
    const featureCollection =
      input && typeof input === "object" && input.type === "FeatureCollection"
        ? (parseAoi(input as AoiInput), input)
        : {
          type: "FeatureCollection",
          features: [{
            type: "Feature",
            properties: { name: "Area-of-interest 00" },
            geometry: parseAoi(request.aoi as AoiInput),
          }],
        };
    const owner = String((await this.user(signal)).preferred_username ?? "");
    const created = await this.api.create<InferenceAttributes>("inference", {
      owner,
      comment: request.comment ?? "Inference started with eojobs",
      temp_range_start: new Date(request.start).toISOString(),
      temp_range_end: new Date(request.end).toISOString(),
      area_of_interest: JSON.stringify(featureCollection),
      output_scale_factor: request.outputScaleFactor ?? 1,
      favourite: false,
    }, {
      knowledgebase: { type: "knowledgebase", id: request.knowledgebase },
      factbase: { type: "factbase", id: request.factbase ?? 1 },
    }, signal);
    return new Sen2CubeInference(this, Number(created.id));
  }
}

/** A Sen2Cube inference: a {@linkcode Job} whose files are its outputs; `cancel` aborts it. */
export class Sen2CubeInference implements Job<JsonApiResource<InferenceAttributes>> {
  /** Inference id. */
  readonly id: number;
  readonly #s2c: Sen2Cube;

  /** A handle; see {@linkcode Sen2Cube.inference}. */
  constructor(s2c: Sen2Cube, id: number) {
    this.#s2c = s2c;
    this.id = id;
  }

  /** The inference now. */
  async status(
    signal?: AbortSignal,
  ): Promise<StatusSnapshot<JsonApiResource<InferenceAttributes>>> {
    return inferenceSnapshot(
      await this.#s2c.api.get<InferenceAttributes>("inference", this.id, signal),
    );
  }

  /**
   * Stops the inference: a JSON:API PATCH sets its status to ABORTED.
   *
   * @example
   * ```ts ignore
   * await s2c.inference(42).abort();
   * ```
   */
  async abort(signal?: AbortSignal): Promise<void> {
    await this.#s2c.api.update("inference", this.id, { status: "ABORTED" }, signal);
  }

  /**
   * Runs the inference again from the start (its status set back to CREATED).
   *
   * @example
   * ```ts ignore
   * await s2c.inference(42).rerun();
   * ```
   */
  async rerun(signal?: AbortSignal): Promise<void> {
    await this.#s2c.api.update("inference", this.id, { status: "CREATED" }, signal);
  }

  /**
   * Deletes the inference.
   *
   * @example
   * ```ts ignore
   * await s2c.inference(42).delete();
   * ```
   */
  async delete(signal?: AbortSignal): Promise<void> {
    await this.#s2c.api.delete("inference", this.id, signal);
  }

  /** Status changes until it ends; the token is refreshed on the way. */
  watch(
    options: WatchOptions<JsonApiResource<InferenceAttributes>> = {},
  ): AsyncGenerator<StatusSnapshot<JsonApiResource<InferenceAttributes>>, void, undefined> {
    return watch(
      (signal) => this.status(signal),
      withPollFloor(options, this.#s2c.api.http.baseUrl),
    );
  }

  /** The outputs, parsed from the `output` string, with their download URLs. */
  async outputs(signal?: AbortSignal): Promise<Array<InferenceOutput & { url: string }>> {
    const { data, raw } = await this.status(signal);
    const output = data.attributes.output;
    if (raw !== "SUCCEEDED" || !output || output.length === 0) {
      throw new JobNotFinishedError("inference", this.id, raw, "SUCCEEDED");
    }
    const factbase = await this.#s2c.factbase(data.attributes.factbase_id, signal);
    const outputs = typeof output === "string" ? JSON.parse(output) as InferenceOutput[] : output;
    return outputs.map((o) => ({ ...o, url: factbase.attributes.uri.replace(/\/$/, "") + o.data }));
  }

  /**
   * The outputs as files (named by their file names, with their sizes).
   *
   * @throws {JobNotFinishedError} before the inference has SUCCEEDED.
   */
  async files(signal?: AbortSignal): Promise<JobFile[]> {
    return (await this.outputs(signal)).map((o) => ({
      url: o.url,
      path: o.data.split("/").pop()!,
      size: o.bytes,
    }));
  }

  /**
   * Downloads every output into `dir` (by file name) through the shared downloader; returns them
   * with the outputs they are.
   */
  async download(
    dir: string,
    options: JobDownloadOptions = {},
  ): Promise<Array<DownloadResult & { output: InferenceOutput }>> {
    const outputs = await this.outputs(options.signal);
    const byPath = new Map(
      outputs.map((o) => [pathInside(dir, o.data.split("/").pop()!, "inference output name"), o]),
    );
    const results = await downloadJobFiles((signal) => this.files(signal), dir, {
      ...options,
      http: this.#s2c.api.http,
      what: "inference output name",
    });
    return results.map((r) => ({ ...r, output: byPath.get(r.path)! }));
  }

  /** Aborts the inference (`status: ABORTED`). */
  async cancel(signal?: AbortSignal): Promise<CancelOutcome> {
    await this.abort(signal);
    return "stopped";
  }
}
