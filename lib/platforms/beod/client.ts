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
import { downloadFile, type DownloadResult } from "../../download/download.ts";
import { pathInside } from "../../download/safe_path.ts";
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
  DownloadTree,
  Project,
  ScenarioCreated,
  ScenarioRequest,
  User,
} from "./types.ts";

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
  /** A sandbox origin: the API and its demo account (`demo@example.com` / `demo`). */
  sandbox?: string | URL;
  /** API root. Default the real service. */
  baseUrl?: string;
  /** Clock (tests). */
  clock?: Clock;
}

/** A file of a scenario's results. */
export interface ResultEntry {
  /** Path in the storage tree (and below the download folder). */
  path: string;
  /** Presigned URL (expires). */
  url: string;
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
  const email = options.email ?? (options.sandbox ? "demo@example.com" : undefined);
  const password = options.password ?? (options.sandbox ? "demo" : undefined);
  if (!email || password === undefined) {
    throw new TypeError(
      "email and password: give your BEOD account's, or { sandbox } to use the sandbox",
    );
  }
  return new BrightEarth({
    baseUrl,
    auth: new BeodSession({ baseUrl, email, password, clock: options.clock }),
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

  /** `POST /users/me/projects`: returns the new project's id. Not retried. */
  async createProject(name: string, signal?: AbortSignal): Promise<number> {
    if (!name.trim()) throw new TypeError("name: empty; give the project a name");
    return (await this.http.json<{ project_id: number }>("users/me/projects", {
      json: { name },
      signal,
    })).project_id;
  }

  /**
   * `POST .../assets/aoi`: the project's AOI, from GeoJSON or WKT (checked here and sent as a
   * WKT POLYGON in lon/lat). Returns the asset id.
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
    return (await this.http.json<{ asset_id: number }>(
      `users/me/projects/${projectId}/assets/aoi`,
      { json: body, signal },
    )).asset_id;
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
  ): Promise<ResultEntry[]> {
    const files: ResultEntry[] = [];
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

function expired(error: unknown): boolean {
  return error instanceof HttpError && error.status === 403 && /expired/i.test(String(error.body));
}

/** Options of {@linkcode BeodScenario.download}. */
export interface ScenarioDownloadOptions {
  /** Files at once. Default 4. */
  concurrency?: number;
  /** Called after each file. */
  onFile?: (result: DownloadResult, done: number, total: number) => void;
  /** Aborts. */
  signal?: AbortSignal;
}

/**
 * A running or finished scenario.
 *
 * @example
 * ```ts ignore
 * for await (const s of scenario.watch()) console.log(s.raw, s.progress);
 * const files = await scenario.download("out/beod");
 * ```
 */
export class BeodScenario {
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
   * Downloads every result file into `dir` with the storage's folder layout, through the shared
   * downloader (streamed, resumable, never a half file). Presigned URLs that expire on the way
   * are asked for again.
   */
  async download(dir: string, options: ScenarioDownloadOptions = {}): Promise<DownloadResult[]> {
    let files = await this.#beod.resultFiles(this.projectId, this.id, options.signal);
    const total = files.length;
    const results: DownloadResult[] = [];
    for (let round = 0; files.length > 0; round++) {
      const stale: ResultEntry[] = [];
      let next = 0;
      const worker = async () => {
        while (next < files.length) {
          const file = files[next++];
          try {
            const r = await downloadFile(file.url, pathInside(dir, file.path, "BEOD result path"), {
              signal: options.signal,
            });
            results.push(r);
            options.onFile?.(r, results.length, total);
          } catch (error) {
            if (!expired(error) || round >= 2) throw error;
            stale.push(file);
          }
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(options.concurrency ?? 4, files.length) }, worker),
      );
      if (stale.length === 0) break;
      const fresh = new Map(
        (await this.#beod.resultFiles(this.projectId, this.id, options.signal)).map((
          f,
        ) => [f.path, f]),
      );
      files = stale.map((f) => fresh.get(f.path) ?? f);
    }
    return results;
  }
}
