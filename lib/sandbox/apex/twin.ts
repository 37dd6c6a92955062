/**
 * The APEx Dispatch API twin, mounted at `/apex`: every endpoint of the reference with its
 * bodies, status codes, `X-Correlation-ID`, the server's three error shapes, bearer tokens of
 * the sandbox realm `apex`, per-user ownership, and the status websockets.
 *
 * @module
 */
import type { SandboxContext, SandboxMount } from "../server.ts";
import { serveBytes } from "../files/range.ts";
import {
  ApexStore,
  type ApexStoreState,
  DEFAULT_LIFECYCLE,
  type JobRecord,
  type LifeCycle,
  type Service,
  type TaskRecord,
} from "./jobs.ts";
import { collectionOf, makeResult, type ResultFile } from "./results.ts";
import { GRIDS, MAX_TILE_CELLS, splitPolygon, tileWork } from "./tiles.ts";
import { checkJobRequest, checkParamsRequest, checkTileRequest, type Issue } from "./validation.ts";
import { PARAMETER_SETS } from "./params.ts";
import { type Params, Router } from "../router.ts";

type Json = Record<string, unknown>;
const PREFIX = "/apex";
/** Result files kept in memory; older ones are made again when asked for. */
const RESULT_FILES_KEPT = 64;

/** The APEx twin, with controls for tests. */
export interface ApexTwin extends SandboxMount {
  /** Jobs and tasks. */
  store: ApexStore;
  /** Closes every open status websocket, as a network drop would. */
  dropSockets(): void;
  /** Open status websockets. */
  readonly openSockets: number;
  /** Requests answered and status messages pushed, for benchmarks and diagnostics. */
  readonly stats: { requests: number; pushes: number; pushedBytes: number };
}

function naive(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "").replace(/\.(\d{3})$/, ".$1000");
}

/** Options of {@linkcode apexTwin}. */
export interface ApexTwinOptions {
  /** Override the job life cycle (durations, failure share). */
  lifeCycle?: Partial<LifeCycle>;
  /**
   * Jobs a user may have running at once on the processing platform (openEO's per-user limit;
   * the Copernicus federation allows 2). Default: no limit.
   */
  concurrentJobLimit?: number;
  /**
   * How a submission over the limit is refused: `dispatch` (default) as the Dispatch API passes
   * openEO's refusal on, a 500 `INTERNAL_ERROR` whose `details.error` quotes openEO's
   * `[400] ConcurrentJobLimit`; `openeo` as openEO itself answers, a 400 with that code.
   */
  limitAnswer?: "dispatch" | "openeo";
}

/**
 * Makes the twin; pass it to `startSandbox({ mounts: [apexTwin()] })`.
 *
 * @example
 * ```ts ignore
 * import { startSandbox } from "../server.ts";
 * import { apexTwin } from "./twin.ts";
 * await using sandbox = await startSandbox({ mounts: [apexTwin()] });
 * ```
 */
export function apexTwin(options: ApexTwinOptions = {}): (ctx: SandboxContext) => ApexTwin {
  return (ctx) =>
    makeTwin(
      ctx,
      new ApexStore(ctx.seed, ctx.timeScale, { ...DEFAULT_LIFECYCLE, ...options.lifeCycle }),
      options,
    );
}

function makeTwin(ctx: SandboxContext, store: ApexStore, options: ApexTwinOptions): ApexTwin {
  // Result files are made again on demand (they are a pure function of the job), so only the
  // most recent stay in memory: a twin that serves thousands of jobs stays small.
  const files = new Map<number, Promise<ResultFile>>();
  const published = new Set<number>();
  const resultOf = (job: JobRecord): Promise<ResultFile> => {
    let file = files.get(job.id);
    files.delete(job.id);
    file ??= makeResult(job);
    files.set(job.id, file);
    if (files.size > RESULT_FILES_KEPT) files.delete(files.keys().next().value!);
    return file;
  };
  const sockets = new Set<WebSocket>();
  const now = () => ctx.clock.now();

  const service = (s: Json): Service => ({
    endpoint: String(s.endpoint),
    namespace: (s.namespace as string | undefined) ?? null,
    application: String(s.application),
  });
  /** A checked `BaseJobRequest` as the fields of a job record. */
  const requestFields = (r: Json) => ({
    title: String(r.title),
    label: String(r.label),
    service: service(r.service as Json),
    parameters: r.parameters as Json,
    format: String(r.format),
  });
  const summary = (j: JobRecord) => ({
    id: j.id,
    title: j.title,
    label: j.label,
    status: store.status(j, now()),
    service: j.service,
    parameters: j.parameters,
  });
  const full = (j: JobRecord) => ({
    ...summary(j),
    created: naive(j.created),
    updated: naive(store.updated(j, now())),
  });
  const taskSummary = (t: TaskRecord) => ({
    id: t.id,
    title: t.title,
    label: t.label,
    status: store.taskStatus(t, now()),
  });
  const task = (t: TaskRecord) => ({
    ...taskSummary(t),
    service: t.service,
    created: naive(t.created),
    updated: naive(store.taskUpdated(t, now())),
    jobs: store.children(t, now()).map(summary),
  });
  const jobsStatus = (user: string, filters: string[]) => ({
    upscaling_tasks: filters.includes("upscaling")
      ? [...store.tasks.values()].filter((t) => t.user === user).map(taskSummary)
      : [],
    processing_jobs: filters.includes("processing")
      ? [...store.jobs.values()].filter((j) => j.user === user && j.taskId === undefined).map(
        summary,
      )
      : [],
  });

  const stats = { requests: 0, pushes: 0, pushedBytes: 0 };
  /** One request's answers and checks, in the server's shapes and order. */
  const callFor = (request: Request, url: URL) => {
    const correlation = request.headers.get("x-correlation-id") ?? crypto.randomUUID();
    const headers = { "x-correlation-id": correlation };
    const json = (body: unknown, status = 200, extra: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json", ...headers, ...extra },
      });
    const fail = (status: number, code: string, message: string, details: unknown = null) =>
      json(
        { status: "error", error_code: code, message, details, request_id: correlation },
        status,
      );
    const invalid = (issues: Issue[]) =>
      fail(422, "VALIDATION_ERROR", "Request validation failed.", { errors: issues });
    const notAuthenticated = () =>
      json({ detail: "Not authenticated" }, 401, { "www-authenticate": "Bearer" });

    const bearer = () => request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    /**
     * The user id (`sub`) of a token whose presence was checked first. As on the server, a
     * missing header is refused before anything else, a bad token only after the request
     * passed validation; a token with an audience is refused (PyJWT, no audience given).
     */
    const user = async (): Promise<string | Response> => {
      const token = bearer();
      if (!token) return notAuthenticated();
      const claims = await ctx.oidc.verifyAccess("apex", token);
      if (!claims || claims.aud !== undefined) {
        return fail(
          401,
          "AUTHENTICATION_FAILED",
          "Could not validate credentials. Please retry signing in.",
        );
      }
      return String(claims.sub);
    };
    const body = async (): Promise<{ value: unknown } | Response> => {
      const text = await request.text();
      try {
        return { value: JSON.parse(text) };
      } catch (error) {
        // FastAPI names the character where Python's parser stopped; V8 says where it did.
        const at = Number((error as Error).message.match(/position (\d+)/)?.[1] ?? 0);
        return invalid([{
          type: "json_invalid",
          loc: ["body", at],
          msg: "JSON decode error",
          input: {},
        }]);
      }
    };
    /** The caller and a checked job request, or the answer refusing them. */
    const jobRequest = async (
      withDimension: boolean,
    ): Promise<{ who: string; r: Json } | Response> => {
      if (!bearer()) return notAuthenticated();
      const b = await body();
      if (b instanceof Response) return b;
      const issues = checkJobRequest(b.value, withDimension);
      if (issues.length) return invalid(issues);
      const who = await user();
      return who instanceof Response ? who : { who, r: b.value as Json };
    };
    /** A path id parsed as pydantic does: spaces and a zero fraction allowed. */
    const intParam = (raw: string, name: string): number | Response => {
      const text = decodeURIComponent(raw).trim();
      const whole = text.match(/^([+-]?\d+)(?:\.0*)?$/);
      if (whole) {
        const id = BigInt(whole[1]);
        // The database column is a 64-bit integer: beyond it the server's query fails.
        if (id > 2n ** 63n - 1n || id < -(2n ** 63n)) {
          return fail(500, "INTERNAL_ERROR", "An unexpected error occurred.");
        }
        return Number(id);
      }
      const fractional = /^[+-]?\d*\.\d+$/.test(text);
      return invalid([{
        type: fractional ? "int_from_float" : "int_parsing",
        loc: ["path", name],
        msg: fractional
          ? "Input should be a valid integer, got a number with a fractional part"
          : "Input should be a valid integer, unable to parse string as an integer",
        input: decodeURIComponent(raw),
      }]);
    };

    /** The caller's own job or task by its path id; another user's is a 404, as on the server. */
    const owned = async <T extends { user: string }>(
      raw: string,
      param: string,
      records: Map<number, T>,
      code: string,
      what: string,
    ): Promise<T | Response> => {
      if (!bearer()) return notAuthenticated();
      const id = intParam(raw, param);
      if (id instanceof Response) return id;
      const who = await user();
      if (who instanceof Response) return who;
      const record = records.get(id);
      return record && record.user === who
        ? record
        : fail(404, code, `The requested ${what} was not found.`);
    };
    return {
      request,
      url,
      headers,
      json,
      fail,
      invalid,
      notAuthenticated,
      bearer,
      user,
      body,
      jobRequest,
      owned,
    };
  };

  type Call = ReturnType<typeof callFor>;
  type Handler = (c: Call, p: Params) => Promise<Response> | Response;
  /** A job of the caller's, or the answer refusing it. */
  const jobOf = (c: Call, p: Params) =>
    c.owned(p.job_id, "job_id", store.jobs, "JOB_NOT_FOUND", "job");

  // The server's routes in the order its routers register them (FastAPI on Starlette).
  const routes = new Router<Handler>()
    .on("POST", "/tiles", async ({ body, invalid, fail, json }) => {
      const b = await body();
      if (b instanceof Response) return b;
      const issues = checkTileRequest(b.value, Object.keys(GRIDS));
      if (issues.length) return invalid(issues);
      const req = b.value as { aoi: { coordinates: [number, number][][] }; grid: string };
      // The server would compute for minutes (or forever at a pole); the sandbox bounds one
      // request's work so that nobody can wedge it, and says why in the server's error shape.
      const work = tileWork(req.aoi.coordinates, req.grid);
      if (work > MAX_TILE_CELLS) {
        return fail(
          500,
          "INTERNAL_ERROR",
          `An error occurred while calculating tiles for ${req.grid}`,
          {
            error:
              `the sandbox splits at most ${MAX_TILE_CELLS} cells per request; this area spans ${
                Number.isFinite(work) ? work : "unboundedly many (it reaches a pole)"
              }`,
          },
        );
      }
      return json({
        type: "GeometryCollection",
        geometries: splitPolygon(req.aoi.coordinates, req.grid),
      }, 201);
    })
    .on("GET", "/jobs_status", async ({ bearer, notAuthenticated, url, invalid, user, json }) => {
      if (!bearer()) return notAuthenticated();
      const filters = url.searchParams.getAll("filter");
      const bad = filters.map((f, i) => [f, i] as const).filter(([f]) =>
        f !== "upscaling" && f !== "processing"
      );
      if (bad.length) {
        return invalid(bad.map(([f, i]) => ({
          type: "enum",
          loc: ["query", "filter", i],
          msg: "Input should be 'upscaling' or 'processing'",
          input: f,
        })));
      }
      const who = await user();
      if (who instanceof Response) return who;
      return json(jobsStatus(who, filters.length ? filters : ["upscaling", "processing"]));
    })
    .on("POST", "/unit_jobs", async ({ jobRequest, json, fail }) => {
      const checked = await jobRequest(false);
      if (checked instanceof Response) return checked;
      const { who, r } = checked;
      const limit = options.concurrentJobLimit;
      if (limit !== undefined && store.running(who, now()) >= limit) {
        const openeo = `Job was not started because concurrent job limit (${limit}) is reached.`;
        if (options.limitAnswer === "openeo") {
          return json(
            { id: crypto.randomUUID(), code: "ConcurrentJobLimit", message: openeo },
            400,
          );
        }
        return fail(500, "INTERNAL_ERROR", "An error occurred while creating the processing job.", {
          error: `[400] ConcurrentJobLimit: ${openeo}`,
        });
      }
      const job = store.addJob({
        user: who,
        ...requestFields(r),
        created: now(),
      });
      return json(summary(job), 201);
    })
    .on("GET", "/unit_jobs/{job_id}", async (c, p) => {
      const job = await jobOf(c, p);
      return job instanceof Response ? job : c.json(full(job));
    })
    .on("GET", "/unit_jobs/{job_id}/results", async (c, p) => {
      const job = await jobOf(c, p);
      if (job instanceof Response) return job;
      const id = job.id;
      const status = store.status(job, now());
      if (status !== "finished") {
        return c.fail(
          500,
          "INTERNAL_ERROR",
          "An error occurred while retrieving processing job results.",
          {
            error: status === "failed"
              ? store.failureReason(job)
              : `Job ${id} has status "${status}"; results exist once it is "finished".`,
          },
        );
      }
      published.add(id);
      const f = await resultOf(job);
      return c.json(
        await collectionOf(job, f, `${ctx.origin}${PREFIX}/assets/${id}-${job.assetKey}/${f.name}`),
      );
    })
    .on("DELETE", "/unit_jobs/{job_id}", async (c, p) => {
      const job = await jobOf(c, p);
      if (job instanceof Response) return job;
      // The server drops the record only (a TODO in its code): the platform job runs on and
      // still counts against the user's concurrent-job limit until it ends.
      store.forget(job);
      files.delete(job.id);
      published.delete(job.id);
      return c.json(null);
    })
    .on(
      "POST",
      "/sync_jobs",
      async ({ bearer, notAuthenticated, body, invalid, user, headers }) => {
        if (!bearer()) return notAuthenticated();
        const b = await body();
        if (b instanceof Response) return b;
        const issues = checkJobRequest(b.value, false);
        if (issues.length) return invalid(issues);
        const who = await user();
        if (who instanceof Response) return who;
        const r = b.value as Json;
        const file = await makeResult({
          id: 0,
          user: "",
          ...requestFields(r),
          created: now(),
          queuedAt: 0,
          runningAt: 0,
          endAt: 0,
          fails: false,
          assetKey: "",
        });
        // The server passes the backend's answer through: openEO's synchronous run says 200.
        return new Response(new Uint8Array(file.bytes), {
          status: 200,
          headers: { "content-type": file.type, ...headers },
        });
      },
    )
    .on("POST", "/upscale_tasks", async ({ jobRequest, json }) => {
      const checked = await jobRequest(true);
      if (checked instanceof Response) return checked;
      const { who, r } = checked;
      const t = store.addTask(
        {
          user: who,
          title: String(r.title),
          label: String(r.label),
          service: service(r.service as Json),
          created: now(),
        },
        { format: String(r.format), parameters: r.parameters as Json },
        r.dimension as { name: string; values: unknown[] },
      );
      return json(taskSummary(t), 201);
    })
    .on("GET", "/upscale_tasks/{task_id}", async (c, p) => {
      const t = await c.owned(p.task_id, "task_id", store.tasks, "TASK_NOT_FOUND", "task");
      return t instanceof Response ? t : c.json(task(t));
    })
    .on("GET", "/health", ({ json }) => json({ status: "ok", database: { status: "ok" } }))
    .on("POST", "/params", async ({ bearer, notAuthenticated, body, invalid, user, json }) => {
      if (!bearer()) return notAuthenticated();
      const b = await body();
      if (b instanceof Response) return b;
      const issues = checkParamsRequest(b.value);
      if (issues.length) return invalid(issues);
      const who = await user();
      if (who instanceof Response) return who;
      const r = b.value as Json;
      const application = String((r?.service as Json | undefined)?.application ?? "");
      const set = Object.entries(PARAMETER_SETS).find(([key]) => application.includes(key));
      if (!set) {
        return json({
          detail:
            `An error occurred while retrieving service parameters: no service description at ${application}`,
        }, 500);
      }
      return json(set[1]);
    })
    // The twin's own file server for result assets (the platform's storage, not the API).
    .on(["GET", "HEAD"], "/assets/{key}/{name}", async ({ request, json }, p) => {
      const [, idText, assetKey] = p.key.match(/^(\d+)-([0-9a-f]+)$/) ?? [];
      const job = idText ? store.jobs.get(Number(idText)) : undefined;
      const file = job && job.assetKey === assetKey && published.has(job.id)
        ? await resultOf(job)
        : undefined;
      if (!file || file.name !== p.name) return json({ detail: "Not Found" }, 404);
      return serveBytes(request, file.bytes, file.type, `${job!.assetKey}-${file.name}`);
    });
  // Websocket routes match only websocket requests (Starlette): a plain GET finds nothing.
  const socketRoutes = new Router<(c: Call, p: Params) => Response>()
    .on(
      "GET",
      "/ws/upscale_tasks/{task_id}",
      (c, p) => socket(c.request, c.url, p.task_id, c.headers),
    )
    .on("GET", "/ws/jobs_status", (c) => socket(c.request, c.url, undefined, c.headers));

  const handle = async (request: Request, url: URL): Promise<Response> => {
    stats.requests++;
    const c = callFor(request, url);
    const path = url.pathname.slice(PREFIX.length) || "/";
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const ws = socketRoutes.match(request.method, path);
      if (ws.kind === "route") return ws.handler(c, ws.params);
    }
    const found = routes.match(request.method, path);
    if (found.kind === "route") return await found.handler(c, found.params);
    if (found.kind === "method") {
      return c.json({ detail: "Method Not Allowed" }, 405, { allow: found.allow.join(", ") });
    }
    // Starlette redirects a path with a stray trailing slash to the route without it.
    if (path.length > 1 && path.endsWith("/") && routes.knows(path.slice(0, -1))) {
      const target = new URL(url);
      target.pathname = url.pathname.slice(0, -1);
      return new Response(null, { status: 307, headers: { ...c.headers, location: target.href } });
    }
    return c.json({ detail: "Not Found" }, 404);
  };

  const socket = (
    request: Request,
    url: URL,
    taskIdText: string | undefined,
    headers: Record<string, string>,
  ) => {
    // Query and path parameters are validated before the handshake; a failure closes it before
    // it is accepted, which the client sees as HTTP 403.
    const refuse = () => new Response(null, { status: 403, headers });
    const token = url.searchParams.get("token");
    if (!token) return refuse();
    const intervalText = url.searchParams.get("interval") ?? "10";
    if (!/^\s*[+-]?\d+(\.0*)?\s*$/.test(intervalText)) return refuse();
    const filters = url.searchParams.getAll("filter");
    if (filters.some((f) => f !== "upscaling" && f !== "processing")) return refuse();
    if (
      taskIdText !== undefined && !/^\s*[+-]?\d+(\.0*)?\s*$/.test(decodeURIComponent(taskIdText))
    ) {
      return refuse();
    }
    // Real seconds, as on the server, however fast the sandbox's jobs run: a big task's
    // messages are large, and a faster push would flood the client.
    const periodMs = Math.max(1, parseFloat(intervalText)) * 1000;
    const { socket: ws, response } = Deno.upgradeWebSocket(request);
    const taskId = taskIdText === undefined ? undefined : parseInt(decodeURIComponent(taskIdText));
    const tag = taskId === undefined ? {} : { task_id: taskId };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let userId: string | undefined;
    const send = (message: Json) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const text = JSON.stringify({ ...message, ...tag });
      if (message.type === "status") {
        stats.pushes++;
        stats.pushedBytes += text.length;
      }
      ws.send(text);
    };
    const stop = (code: string, message: string) => {
      send({ type: "error", data: null, message });
      ws.close(1011, code);
    };
    const poll = async () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      send({ type: "loading", data: null, message: "Starting retrieval of status" });
      // As on the real server, the token is checked at every poll: one that expires while the
      // stream runs ends it.
      const claims = await ctx.oidc.verifyAccess("apex", token);
      if (!claims || claims.aud !== undefined) {
        return stop(
          "AUTHENTICATION_FAILED",
          "Could not validate credentials. Please retry signing in.",
        );
      }
      userId = String(claims.sub);
      if (taskId === undefined) {
        send({
          type: "status",
          data: jobsStatus(userId, filters.length ? filters : ["upscaling", "processing"]),
          message: null,
        });
      } else {
        const t = store.tasks.get(taskId);
        if (!t || t.user !== userId) {
          return stop("TASK_NOT_FOUND", "The requested task was not found.");
        }
        send({ type: "status", data: task(t), message: null });
      }
      timer = setTimeout(poll, periodMs);
    };
    ws.onopen = () => {
      sockets.add(ws);
      send({ type: "init", data: null, message: "Starting status stream" });
      poll();
    };
    ws.onclose = () => {
      sockets.delete(ws);
      clearTimeout(timer);
    };
    ws.onerror = () => clearTimeout(timer);
    return response;
  };

  return {
    prefix: PREFIX,
    handle,
    store,
    state: {
      save: () => store.snapshot(),
      load: (state) => store.restore(state as ApexStoreState),
    },
    dropSockets() {
      for (const ws of sockets) ws.close(1012, "sandbox fault: dropped");
      sockets.clear();
    },
    get openSockets() {
      return sockets.size;
    },
    stats,
  };
}
