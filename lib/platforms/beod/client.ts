/**
 * The BrightEarth On Demand client: a thin typed mapping of the API onto the shared core
 * (HTTP, status stream, downloads), with scenarios as small objects that watch their activity
 * and download their results, zip or file tree, every page.
 *
 * @module
 */
import { type AoiInput, parseAoi } from "../../geo/aoi.ts";
import { AoiError } from "../../geo/errors.ts";
import { toWkt } from "../../geo/wkt.ts";
import type { DownloadResult } from "../../download/download.ts";
import { downloadJobFiles } from "../../download/job_files.ts";
import {
  type CancelOutcome,
  CancelUnavailableError,
  type Job,
  type JobDownloadOptions,
  type JobFile,
  JobNotFinishedError,
} from "../../jobs/contract.ts";
import { HttpClient, type HttpClientOptions } from "../../http/client.ts";
import { pageGuard } from "../../http/pages.ts";
import { HttpError } from "../../http/errors.ts";
import type { TokenSource } from "../../http/token.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import { watch, type WatchOptions } from "../../jobs/watch.ts";
import { withPollFloor } from "../../jobs/poll_floor.ts";
import type { Clock } from "../../time/clock.ts";
import { BeodSession } from "./session.ts";
import { beodState } from "./state.ts";
import type {
  Activity,
  Asset,
  DownloadTree,
  Project,
  Scenario,
  ScenarioCreated,
  ScenarioRequest,
  User,
} from "./types.ts";
import { InputError } from "../../input_error.ts";
import { givenSession } from "../session.ts";

/** The real service. */
export const BEOD_BASE_URL = "https://api.beod.luxcarta.cloud";

/** Options of {@linkcode BrightEarth}. */
export interface BrightEarthOptions {
  /** API root. Default {@linkcode BEOD_BASE_URL}. */
  baseUrl?: string;
  /** A token or a session ({@linkcode BeodSession}). */
  auth: TokenSource;
  /** Settings of the HTTP core. */
  http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
}

/** Options of {@linkcode connectBeod}. */
export interface BeodConnectOptions {
  /** Account e-mail. */
  email?: string;
  /** Password. */
  password?: string;
  /**
   * A session signed in already ({@linkcode BeodSession}, such as one shared by several
   * clients), used as it is: no e-mail or password then.
   */
  session?: BeodSession;
  /** A sandbox origin: the API and its demo account (`demo@example.com` / `demo`). */
  sandbox?: string | URL;
  /** API root. Default the real service. */
  baseUrl?: string;
  /** Clock (tests). */
  clock?: Clock;
  /** Settings of the HTTP core (time-outs, retries, `fetch`). */
  http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
}

/**
 * Connects to BEOD with an e-mail and password, or to a sandbox's demo account.
 *
 * @example
 * ```ts ignore
 * import { connectBeod } from "./client.ts";
 * const beod = connectBeod({ email: "me@example.com", password: Deno.env.get("BEOD_PASSWORD") });
 * ```
 */
export function connectBeod(options: BeodConnectOptions): BrightEarth {
  const baseUrl = options.baseUrl ??
    (options.sandbox ? `${new URL(options.sandbox).origin}/beod` : BEOD_BASE_URL);
  const given = givenSession(options, ["email", "password"]);
  if (given) return new BrightEarth({ baseUrl, auth: given, http: options.http });
  const email = options.email ?? (options.sandbox ? "demo@example.com" : undefined);
  const password = options.password ?? (options.sandbox ? "demo" : undefined);
  if (!email || password === undefined) {
    throw new InputError(
      "email and password",
      "not given",
      "give your BEOD account's, a signed-in { session }, or { sandbox } to use the sandbox",
    );
  }
  return new BrightEarth({
    baseUrl,
    auth: new BeodSession({ baseUrl, email, password, clock: options.clock }),
    http: options.http,
  });
}

/**
 * A BEOD connection.
 *
 * @example
 * ```ts ignore
 * const project = await beod.createProject("Tutorial project");
 * await beod.createAoi(project, aoiWkt);
 * const scenario = await beod.createScenario(project, "extraction-mono", request);
 * for await (const s of scenario.watch()) console.log(s.raw, s.progress);
 * await scenario.download("out/beod");
 * ```
 */
export class BrightEarth {
  /** The HTTP client. */
  readonly http: HttpClient;

  /** A client; see {@linkcode connectBeod}. */
  constructor(options: BrightEarthOptions) {
    this.http = new HttpClient({
      ...options.http,
      baseUrl: options.baseUrl ?? BEOD_BASE_URL,
      auth: options.auth,
    });
  }

  /** `GET /users/me`. */
  me(signal?: AbortSignal): Promise<User> {
    return this.http.json("users/me", { signal });
  }

  /** `GET /users/me/projects`. */
  projects(signal?: AbortSignal): Promise<Project[]> {
    return this.http.json("users/me/projects", { signal });
  }

  /** `GET /users/me/projects/{id}`. */
  project(id: number, signal?: AbortSignal): Promise<Project> {
    return this.http.json(`users/me/projects/${id}`, { signal });
  }

  /**
   * `POST /users/me/projects`: returns the new project's id. Retried like a read: an answer lost
   * on the way can leave an empty project behind, which costs nothing.
   */
  async createProject(name: string, signal?: AbortSignal): Promise<number> {
    if (!name.trim()) throw new InputError("name", "empty", "give the project a name");
    return (await this.http.json<{ project_id: number }>("users/me/projects", {
      json: { name },
      signal,
      retrySafe: true,
    })).project_id;
  }

  /**
   * `POST .../assets/aoi`: the project's AOI, from GeoJSON or WKT (checked here and sent as a
   * WKT POLYGON in lon/lat). Returns the asset id. Retried; a project that already holds this
   * very AOI (an earlier try whose answer was lost) answers its id.
   */
  async createAoi(projectId: number, aoi: AoiInput, signal?: AbortSignal): Promise<number> {
    const area = parseAoi(aoi);
    if (area.type !== "Polygon") {
      throw new AoiError(
        "type",
        "a BEOD project has one AOI, a single Polygon",
        "give one polygon (split a MultiPolygon into projects)",
      );
    }
    const body = { geometry: toWkt(area) };
    try {
      return (await this.http.json<{ asset_id: number }>(
        `users/me/projects/${projectId}/assets/aoi`,
        { json: body, signal, retrySafe: true },
      )).asset_id;
    } catch (error) {
      // Sent again after an answer was lost, the AOI is already there: the same one is success.
      if (!(error instanceof HttpError) || error.status !== 409) throw error;
      const assets = await this.http.json<Asset[]>(
        `users/me/projects/${projectId}/assets`,
        { signal },
      );
      const same = assets.find((a) => a.type === "aoi" && a.geometry === body.geometry);
      if (!same) throw error;
      return same.asset_id;
    }
  }

  /** `POST .../scenarios/{type}`: starts a scenario (charged in credits). Not retried. */
  async createScenario(
    projectId: number,
    type: string,
    request: ScenarioRequest,
    signal?: AbortSignal,
  ): Promise<BeodScenario> {
    const created = await this.http.json<ScenarioCreated>(
      `users/me/projects/${projectId}/scenarios/${type}`,
      {
        json: request,
        signal,
      },
    );
    return new BeodScenario(this, projectId, created.scenario_id, created.activity_id);
  }

  /** `GET .../scenarios`: the project's scenarios. */
  scenarios(projectId: number, signal?: AbortSignal): Promise<Scenario[]> {
    return this.http.json(`users/me/projects/${projectId}/scenarios`, { signal });
  }

  /** A handle on a scenario already made (its ids from {@linkcode BrightEarth.scenarios}). */
  scenario(projectId: number, scenarioId: number, activityId: number): BeodScenario {
    return new BeodScenario(this, projectId, scenarioId, activityId);
  }

  /** `GET .../activities/{id}`. */
  activity(projectId: number, activityId: number, signal?: AbortSignal): Promise<Activity> {
    return this.http.json(`users/me/projects/${projectId}/activities/${activityId}`, { signal });
  }

  /**
   * Every page of `GET .../download/urls`, following `NextContinuationToken` with the
   * `continuation_token` query parameter until the last page.
   */
  async *downloadPages(
    projectId: number,
    scenarioId: number,
    signal?: AbortSignal,
  ): AsyncGenerator<DownloadTree> {
    let token: string | undefined;
    const visit = pageGuard("BEOD download/urls");
    do {
      const page: DownloadTree = await this.http.json(
        `users/me/projects/${projectId}/scenarios/${scenarioId}/download/urls`,
        {
          query: { continuation_token: token },
          signal,
        },
      );
      token = page.NextContinuationToken;
      if (token) visit(`continuation token ${token.slice(0, 12)}…`);
      yield page;
    } while (token);
  }

  /** The files of a scenario's results, flattened from every page of the tree. */
  async resultFiles(
    projectId: number,
    scenarioId: number,
    signal?: AbortSignal,
  ): Promise<JobFile[]> {
    const files: JobFile[] = [];
    const walk = (node: DownloadTree, prefix: string) => {
      for (const [name, value] of Object.entries(node)) {
        if (name === "NextContinuationToken" || value === undefined) continue;
        if (name.includes("/") || name === ".." || name === ".") {
          throw new Error(`download/urls: unsafe name "${name}"`);
        }
        if (typeof value === "string") files.push({ path: prefix + name, url: value });
        else walk(value, `${prefix}${name}/`);
      }
    };
    for await (const page of this.downloadPages(projectId, scenarioId, signal)) walk(page, "");
    return files;
  }
}

/**
 * A running or finished scenario: a {@linkcode Job} whose files are the scenario's download
 * tree (every page). BEOD cannot stop a scenario: `cancel` throws.
 *
 * @example
 * ```ts ignore
 * for await (const s of scenario.watch()) console.log(s.raw, s.progress);
 * const files = await scenario.download("out/beod");
 * ```
 */
export class BeodScenario implements Job<Activity> {
  /** Project id. */
  readonly projectId: number;
  /** Scenario id. */
  readonly id: number;
  /** The activity that follows it. */
  readonly activityId: number;
  readonly #beod: BrightEarth;

  /** A handle on a scenario. */
  constructor(beod: BrightEarth, projectId: number, id: number, activityId: number) {
    this.#beod = beod;
    this.projectId = projectId;
    this.id = id;
    this.activityId = activityId;
  }

  /** The activity now. */
  async status(signal?: AbortSignal): Promise<StatusSnapshot<Activity>> {
    const a = await this.#beod.activity(this.projectId, this.activityId, signal);
    return {
      state: beodState(a.state),
      raw: a.state,
      progress: a.progress,
      message: a.details || undefined,
      data: a,
    };
  }

  /** State and progress changes until it ends. */
  watch(
    options: WatchOptions<Activity> = {},
  ): AsyncGenerator<StatusSnapshot<Activity>, void, undefined> {
    return watch((signal) => this.status(signal), withPollFloor(options, this.#beod.http.baseUrl));
  }

  /**
   * The result files, from every page of the download tree (presigned URLs that expire).
   *
   * @throws {JobNotFinishedError} before the scenario is SUCCESSFUL.
   */
  async files(signal?: AbortSignal): Promise<JobFile[]> {
    try {
      return await this.#beod.resultFiles(this.projectId, this.id, signal);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 409) throw error;
      const { raw } = await this.status(signal);
      throw new JobNotFinishedError("scenario", this.id, raw, "SUCCESSFUL");
    }
  }

  /**
   * Downloads every result file into `dir` with the storage's folder layout, through the shared
   * downloader (streamed, resumable, never a half file). Presigned URLs that expire on the way
   * are asked for again.
   */
  download(dir: string, options: JobDownloadOptions = {}): Promise<DownloadResult[]> {
    return downloadJobFiles((signal) => this.files(signal), dir, {
      ...options,
      http: this.#beod.http,
      what: "BEOD result path",
    });
  }

  /**
   * Refuses: BEOD has no request that stops a scenario.
   *
   * @throws {CancelUnavailableError} always.
   */
  cancel(): Promise<CancelOutcome> {
    return Promise.reject(new CancelUnavailableError("BEOD", `scenario ${this.id}`));
  }
}
