/**
 * The LuxCarta BrightEarth On Demand twin, mounted at `/beod`: e-mail/password login with 24 h
 * tokens, users and credits, projects with one WKT AOI, extraction scenarios charged in
 * credits, activities that progress on the sandbox clock, and result downloads as a zip or as a
 * paginated tree of presigned, expiring storage URLs.
 *
 * @module
 */
import { zipSync } from "../../deps/fflate.ts";
import { seededRandom } from "../random.ts";
import { serveBytes } from "../files/range.ts";
import { Router } from "../router.ts";
import type { SandboxContext, SandboxMount } from "../server.ts";
import { fileBytes, filesOf, type OutputSpec, tilesOf, type TileSpec } from "./content.ts";
import { areaKm2, readPolygonWkt } from "./wkt.ts";

type Json = Record<string, unknown>;
const PREFIX = "/beod";

/** A BEOD user of the twin. */
export interface BeodUser {
  /** UUID. */
  id: string;
  /** Login e-mail. */
  email: string;
  /** Password. */
  password: string;
  /** Credits left. */
  credits: number;
}

interface Project {
  id: number;
  user: string;
  name: string;
  created: number;
  aoi?: { id: number; wkt: string; rings: [number, number][][] };
}

interface Scenario {
  id: number;
  activityId: number;
  project: number;
  user: string;
  type: string;
  name: string;
  body: Json;
  spec: OutputSpec;
  tiles: TileSpec[];
  zip: boolean;
  cost: number;
  created: number;
  pendingAt: number;
  runningAt: number;
  endAt: number;
  fails: boolean;
}

/** Options of {@linkcode beodTwin}. */
export interface BeodTwinOptions {
  /**
   * Scenarios a user may have executing at once (CREATED, PENDING or RUNNING). Over it a new
   * scenario is refused before any credit is charged, with a 403 whose FastAPI `detail` says
   * so. BEOD documents no such limit: the answer is inferred from how the API words its other
   * refusals. Default: no limit.
   */
  concurrentJobLimit?: number;
  /** Credits each demo account starts with. @default {100} */
  credits?: number;
}

/** Test controls of the BEOD twin. */
export interface BeodTwin extends SandboxMount {
  /** See {@linkcode BeodTwinOptions.concurrentJobLimit}; may be changed while it runs. */
  concurrentJobLimit?: number;
  /** Users by e-mail. */
  users: Map<string, BeodUser>;
  /** How long presigned URLs live, in seconds. Default 300. */
  urlLifetimeSeconds: number;
  /** Entries per page of `download/urls`. Default 25. */
  pageSize: number;
}

const SCENARIO_TYPES = ["extraction-mono"];
const VECTOR = ["shapefile", "geopackage", "geojson"];
const RASTER = ["geotiff"];
const THREE_D = ["3d_tiles"];
/** AOIs up to this many km² are delivered as one zip. */
const ZIP_LIMIT_KM2 = 2;
const TILE_DEG = 0.01;

function naive(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "").replace(/\.(\d{3})$/, ".$1000");
}

async function hmac(key: CryptoKey, text: string): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return [...sig].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function uuidOf(email: string): Promise<string> {
  const h = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`beod:${email}`)),
  );
  const x = [...h.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-7${x.slice(13, 16)}-8${x.slice(17, 20)}-${
    x.slice(20, 32)
  }`;
}

/**
 * Makes the twin; the sandbox mounts it by default.
 *
 * @example
 * ```ts ignore
 * import { startSandbox } from "../server.ts";
 * import { beodTwin } from "./twin.ts";
 * await using sandbox = await startSandbox({ mounts: [beodTwin()] });
 * ```
 */
export function beodTwin(
  options: BeodTwinOptions = {},
): (ctx: SandboxContext) => Promise<BeodTwin> {
  return async (ctx) => {
    const users = new Map<string, BeodUser>();
    for (
      const [email, password] of [["demo@example.com", "demo"], ["alice@example.com", "alice"]]
    ) {
      users.set(email, {
        id: await uuidOf(email),
        email,
        password,
        credits: options.credits ?? 100,
      });
    }
    const signer = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const tokens = new Map<
      string,
      { email: string; kind: "access" | "refresh"; expiresAt: number }
    >();
    const projects = new Map<number, Project>();
    const scenarios = new Map<number, Scenario>();
    const cache = new Map<string, Promise<Uint8Array>>();
    let nextProject = 1, nextAsset = 1, nextScenario = 1, nextActivity = 1;
    const now = () => ctx.clock.now();
    ctx.oidc.onExpireTokens(({ refresh }) => {
      for (const [t, record] of tokens) if (record.kind === "access" || refresh) tokens.delete(t);
    });

    // The API's routes (FastAPI-style, inferred) and the presigned storage; a handler is the
    // route's name in `handle`'s switches.
    const project = "/users/{user}/projects/{project}";
    const routes = new Router<string>()
      .on("POST", "/auth/login", "login")
      .on("POST", "/auth/refresh", "refresh")
      .on(["GET", "HEAD"], "/storage/{key:path}", "storage")
      .on("GET", "/users/{user}", "user")
      .on("GET", "/users/{user}/projects", "projects")
      .on("POST", "/users/{user}/projects", "create-project")
      .on("GET", project, "project")
      .on("POST", `${project}/assets/aoi`, "aoi")
      .on("GET", `${project}/assets`, "assets")
      .on("POST", `${project}/scenarios/{scenario}`, "create-scenario")
      .on("GET", `${project}/scenarios`, "scenarios")
      .on("GET", `${project}/scenarios/{scenario}`, "scenario")
      .on("GET", `${project}/activities/{activity}`, "activity")
      .on("GET", `${project}/scenarios/{scenario}/download/urls`, "download");

    const twin: BeodTwin = {
      prefix: PREFIX,
      users,
      concurrentJobLimit: options.concurrentJobLimit,
      urlLifetimeSeconds: 300,
      pageSize: 25,
      handle: async (request, url) => {
        const json = (body: unknown, status = 200) => Response.json(body, { status });
        const detail = (status: number, text: string) => json({ detail: text }, status);
        const invalid = (loc: string[], msg: string, type = "value_error") =>
          json({ detail: [{ loc, msg, type }] }, 422);
        const path = url.pathname.slice(PREFIX.length);
        const method = request.method;
        const body = async (): Promise<Json | Response> => {
          try {
            const value = await request.json();
            return value && typeof value === "object" && !Array.isArray(value)
              ? value
              : invalid(["body"], "Input should be a valid dictionary", "dict_type");
          } catch {
            return invalid(["body"], "JSON decode error", "json_invalid");
          }
        };
        const issue = (email: string) => {
          const access = crypto.randomUUID().replaceAll("-", "") +
            crypto.randomUUID().replaceAll("-", "");
          const refresh = crypto.randomUUID().replaceAll("-", "") +
            crypto.randomUUID().replaceAll("-", "");
          tokens.set(access, { email, kind: "access", expiresAt: now() + 86_400_000 });
          tokens.set(refresh, { email, kind: "refresh", expiresAt: now() + 30 * 86_400_000 });
          return {
            refresh_token: refresh,
            access_token: access,
            expires_in: 86400,
            token_type: "Bearer",
          };
        };

        const found = routes.match(method, path);
        if (found.kind === "none") return detail(404, "Not Found");
        if (found.kind === "method") {
          const answer = detail(405, "Method Not Allowed");
          answer.headers.set("allow", found.allow.join(", "));
          return answer;
        }
        const params = found.params;
        switch (found.handler) {
          case "login": {
            const b = await body();
            if (b instanceof Response) return b;
            for (const field of ["email", "password"]) {
              if (typeof b[field] !== "string") {
                return invalid(["body", field], "Field required", "missing");
              }
            }
            const user = users.get(String(b.email).toLowerCase());
            if (!user || user.password !== b.password) {
              return detail(401, "Incorrect email or password");
            }
            return json(issue(user.email));
          }
          case "refresh": {
            const b = await body();
            if (b instanceof Response) return b;
            const record = tokens.get(String(b.refresh_token));
            if (!record || record.kind !== "refresh" || record.expiresAt <= now()) {
              return detail(401, "Invalid or expired refresh token; log in again");
            }
            tokens.delete(String(b.refresh_token));
            return json(issue(record.email));
          }
          case "storage":
            return await storage(request, url, decodeURIComponent(params.key));
        }

        const bearer = request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
        if (!bearer) return detail(401, "Not authenticated");
        const record = tokens.get(bearer);
        if (!record || record.kind !== "access") return detail(401, "Invalid token");
        if (record.expiresAt <= now()) return detail(401, "Token expired");
        const user = users.get(record.email)!;
        if (params.user !== "me" && params.user !== user.id) {
          return detail(403, "Not allowed to access another user's resources");
        }
        switch (found.handler) {
          case "user":
            return json({
              id: user.id,
              email: user.email,
              credits: user.credits,
              first_name: "Demo",
              last_name: "User",
              company: "eojobs sandbox",
            });
          case "projects":
            return json([...projects.values()].filter((p) => p.user === user.id).map(projectJson));
          case "create-project": {
            const b = await body();
            if (b instanceof Response) return b;
            if (typeof b.name !== "string" || b.name.trim() === "") {
              return invalid(["body", "name"], "Field required", "missing");
            }
            const p: Project = { id: nextProject++, user: user.id, name: b.name, created: now() };
            projects.set(p.id, p);
            return json({ project_id: p.id }, 201);
          }
        }
        const project = /^\d+$/.test(params.project)
          ? projects.get(Number(params.project))
          : undefined;
        if (!project || project.user !== user.id) {
          return detail(404, `Project ${params.project} not found`);
        }
        switch (found.handler) {
          case "project":
            return json(projectJson(project));
          case "aoi": {
            const b = await body();
            if (b instanceof Response) return b;
            if (project.aoi) {
              return detail(
                409,
                `Project ${project.id} already has an AOI (asset ${project.aoi.id}); a project has one AOI`,
              );
            }
            const parsed = readPolygonWkt(b.geometry);
            if ("error" in parsed) {
              return invalid(["body", "geometry"], `Invalid WKT: ${parsed.error}`);
            }
            project.aoi = { id: nextAsset++, wkt: String(b.geometry), rings: parsed.rings };
            return json({ asset_id: project.aoi.id }, 201);
          }
          case "assets":
            return json(
              project.aoi
                ? [{ asset_id: project.aoi.id, type: "aoi", geometry: project.aoi.wkt }]
                : [],
            );
          case "create-scenario":
            return await createScenario(project, user, params.scenario, await body());
          case "scenarios":
            return json(
              [...scenarios.values()].filter((s) => s.project === project.id).map(scenarioJson),
            );
          case "scenario": {
            const s = /^\d+$/.test(params.scenario)
              ? scenarios.get(Number(params.scenario))
              : undefined;
            return s && s.project === project.id
              ? json(scenarioJson(s))
              : detail(404, `Scenario ${params.scenario} not found`);
          }
          case "activity": {
            const s = [...scenarios.values()].find((x) =>
              String(x.activityId) === params.activity && x.project === project.id
            );
            return s ? json(activityJson(s)) : detail(404, `Activity ${params.activity} not found`);
          }
          case "download": {
            const s = /^\d+$/.test(params.scenario)
              ? scenarios.get(Number(params.scenario))
              : undefined;
            if (!s || s.project === undefined || s.project !== project.id) {
              return detail(404, `Scenario ${params.scenario} not found`);
            }
            if (state(s) !== "SUCCESSFUL") {
              return detail(
                409,
                `Scenario ${s.id} is ${state(s)}; results can be downloaded once it is SUCCESSFUL`,
              );
            }
            return await downloadUrls(s, url.searchParams.get("continuation_token"));
          }
        }
        return detail(404, "Not Found");
      },
    };

    function projectJson(p: Project) {
      return {
        id: p.id,
        project_id: p.id,
        name: p.name,
        user_id: p.user,
        creation_date: naive(p.created),
        aoi_id: p.aoi?.id ?? null,
      };
    }

    function state(s: Scenario): string {
      const t = now();
      if (t < s.pendingAt) return "CREATED";
      if (t < s.runningAt) return "PENDING";
      if (t < s.endAt) return "RUNNING";
      return s.fails ? "FAILED" : "SUCCESSFUL";
    }

    function activityJson(s: Scenario) {
      const st = state(s);
      const progress = st === "RUNNING"
        ? Math.floor(((now() - s.runningAt) / (s.endAt - s.runningAt)) * 100)
        : st === "SUCCESSFUL"
        ? 100
        : 0;
      return {
        project_id: s.project,
        user_id: s.user,
        type: "SCENARIO-EXECUTION",
        progress,
        state: st,
        creation_date: naive(s.created),
        start_date: now() >= s.runningAt ? naive(s.runningAt) : null,
        end_date: now() >= s.endAt ? naive(s.endAt) : null,
        details: st === "FAILED" ? "Extraction failed on tile 0: source image unavailable" : "",
        misc: {},
        scenario_id: s.id,
        activity_id: s.activityId,
        id: s.activityId,
      };
    }

    function scenarioJson(s: Scenario) {
      return {
        id: s.id,
        scenario_id: s.id,
        name: s.name,
        type: s.type,
        project_id: s.project,
        activity_id: s.activityId,
        cost: s.cost,
        ...s.body,
      };
    }

    function createScenario(
      project: Project,
      user: BeodUser,
      type: string,
      b: Json | Response,
    ): Response {
      if (b instanceof Response) return b;
      const fail = (field: string, msg: string) =>
        Response.json({ detail: [{ loc: ["body", field], msg, type: "value_error" }] }, {
          status: 422,
        });
      if (!SCENARIO_TYPES.includes(type)) {
        return Response.json({
          detail: `Unknown scenario type "${type}"; available: ${SCENARIO_TYPES.join(", ")}`,
        }, { status: 404 });
      }
      if (typeof b.name !== "string" || !b.name) return fail("name", "Field required");
      if (b.source_image_type !== "basemap") {
        return fail("source_image_type", "Input should be 'basemap'");
      }
      if (b.source_image_id !== 1) {
        return fail("source_image_id", "Unknown basemap id; the ESRI basemap is 1");
      }
      if (typeof b.augmented !== "boolean") {
        return fail("augmented", "Input should be a valid boolean");
      }
      if (b.output_crs !== 3857 && b.output_crs !== 4326) {
        return fail("output_crs", "Input should be 3857 or 4326");
      }
      const list = (field: string, allowed: string[]) => {
        const v = b[field];
        if (typeof v !== "string") return undefined;
        const items = v.split(",").map((x) => x.trim()).filter(Boolean);
        return items.every((x) => allowed.includes(x)) ? items : undefined;
      };
      const vector = list("vector_formats", VECTOR),
        raster = list("raster_formats", RASTER),
        threeD = list("three_d_formats", THREE_D);
      if (!vector) {
        return fail("vector_formats", `Give a comma-separated list of ${VECTOR.join(", ")}`);
      }
      if (!raster) {
        return fail("raster_formats", `Give a comma-separated list of ${RASTER.join(", ")}`);
      }
      if (!threeD) {
        return fail(
          "three_d_formats",
          `Give ${THREE_D.join(", ")} (the only 3D format of non-augmented scenarios)`,
        );
      }
      if (!Array.isArray(b.dl_models)) return fail("dl_models", "Input should be a valid list");
      if (!project.aoi) {
        return Response.json({
          detail:
            `Project ${project.id} has no AOI; create one with POST .../projects/${project.id}/assets/aoi`,
        }, { status: 400 });
      }
      const limit = twin.concurrentJobLimit;
      if (limit !== undefined) {
        let executing = 0;
        for (const other of scenarios.values()) {
          if (other.user === user.id && now() < other.endAt) executing++;
        }
        if (executing >= limit) {
          return Response.json({
            detail:
              `Maximum number of concurrent scenario executions reached (${limit} per user): wait for one to finish`,
          }, { status: 403 });
        }
      }
      const area = areaKm2(project.aoi.rings);
      const cost = Math.max(1, Math.ceil(area * 5));
      if (user.credits < cost) {
        return Response.json({
          detail: `Insufficient credits: this extraction of ${
            area.toFixed(2)
          } km² costs ${cost} credits, you have ${user.credits}`,
        }, { status: 402 });
      }
      user.credits -= cost;
      const id = nextScenario++;
      const random = seededRandom(ctx.seed * 31 + id * 7907);
      const scale = ctx.timeScale * 1000;
      const created = now();
      const pendingAt = created + (1 + 2 * random()) * scale;
      const runningAt = pendingAt + (5 + 25 * random()) * scale;
      const endAt = runningAt + (60 + 240 * random()) * scale;
      const s: Scenario = {
        id,
        activityId: nextActivity++,
        project: project.id,
        user: user.id,
        type,
        name: b.name,
        body: b,
        spec: { crs: b.output_crs as number, vector, raster, threeD },
        tiles: tilesOf(project.aoi.rings, TILE_DEG),
        zip: area <= ZIP_LIMIT_KM2,
        cost,
        created,
        pendingAt,
        runningAt,
        endAt,
        fails: random() < 0.05,
      };
      scenarios.set(id, s);
      return Response.json({ scenario_id: s.id, activity_id: s.activityId }, { status: 201 });
    }

    async function presign(s: Scenario, file: string): Promise<string> {
      const date = new Date(now()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      const expires = twin.urlLifetimeSeconds;
      const key = `${s.user}/${s.project}/${s.id}/${file}`;
      const signature = await hmac(signer, `${key}\n${date}\n${expires}`);
      return `${ctx.origin}${PREFIX}/storage/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}` +
        `&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
    }

    async function downloadUrls(s: Scenario, token: string | null): Promise<Response> {
      if (s.zip) return Response.json({ [`${s.id}.zip`]: await presign(s, `${s.id}.zip`) });
      const all = s.tiles.flatMap((t) => filesOf(t, s.spec));
      let offset = 0;
      if (token) {
        const m = atob(token.replace(/-/g, "+").replace(/_/g, "/")).match(/^(\d+):(\d+)$/);
        if (!m || Number(m[1]) !== s.id || Number(m[2]) >= all.length) {
          return Response.json({
            detail:
              "Invalid continuation_token: use the NextContinuationToken of the previous page",
          }, { status: 400 });
        }
        offset = Number(m[2]);
      }
      const page = all.slice(offset, offset + twin.pageSize);
      const tree: Json = {};
      for (const file of page) {
        const parts = file.split("/");
        let node = tree;
        for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Json;
        node[parts[parts.length - 1]] = await presign(s, file);
      }
      if (offset + twin.pageSize < all.length) {
        tree.NextContinuationToken = btoa(`${s.id}:${offset + twin.pageSize}`).replace(/\+/g, "-")
          .replace(/\//g, "_");
      }
      return Response.json(tree);
    }

    async function storage(request: Request, url: URL, key: string): Promise<Response> {
      const xml = (code: string, message: string) =>
        new Response(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
          {
            status: 403,
            headers: { "content-type": "application/xml" },
          },
        );
      const date = url.searchParams.get("X-Amz-Date") ?? "";
      const expires = url.searchParams.get("X-Amz-Expires") ?? "";
      const signature = await hmac(signer, `${key}\n${date}\n${expires}`);
      if (signature !== url.searchParams.get("X-Amz-Signature")) {
        return xml(
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided.",
        );
      }
      const d = date.match(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/);
      const signedAt = d ? Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]) : 0;
      if (now() > signedAt + Number(expires) * 1000) {
        return xml("AccessDenied", "Request has expired");
      }
      const [, , scenarioId, ...rest] = key.split("/");
      const s = scenarios.get(Number(scenarioId));
      if (!s) return xml("NoSuchKey", "The specified key does not exist.");
      const file = rest.join("/");
      let bytes = cache.get(key);
      if (!bytes) {
        if (s.zip && file === `${s.id}.zip`) {
          bytes = (async () => {
            const entries: Record<string, Uint8Array> = {};
            for (const tile of s.tiles) {
              for (const f of filesOf(tile, s.spec)) entries[f] = await fileBytes(tile, s.spec, f);
            }
            return zipSync(entries, { level: 6 });
          })();
        } else {
          const tile = s.tiles.find((t) => t.name === file.split("/")[0]);
          if (!tile || !filesOf(tile, s.spec).includes(file)) {
            return xml("NoSuchKey", "The specified key does not exist.");
          }
          bytes = fileBytes(tile, s.spec, file);
        }
        cache.set(key, bytes);
      }
      const type = file.endsWith(".zip")
        ? "application/zip"
        : file.endsWith(".tif")
        ? "image/tiff"
        : file.endsWith(".json") || file.endsWith(".geojson")
        ? "application/json"
        : "application/octet-stream";
      return serveBytes(request, await bytes, type, key.replace(/[^a-z0-9]/gi, "").slice(-24));
    }

    return twin;
  };
}
