/**
 * The UP42 processing twin, mounted at `/up42`: processes with their EULAs and prices, input
 * validation, cost, execution in a workspace, jobs that pass through every status of UP42's
 * table in order (credits withheld on `accepted`, captured on `captured`, released on failure,
 * `rejected` on a short balance, `unlicensed` without the EULA), STAC storage with search by
 * `job_id`, asset downloads and signed download URLs valid five minutes. Tokens come from the
 * sandbox realm `public`.
 *
 * @module
 */
import { writeGeoTiff } from "../files/geotiff_writer.ts";
import { utmCrs } from "../../geo/projection.ts";
import { sampleGrid } from "../files/grid.ts";
import { landCoverOn } from "../files/land_cover.ts";
import { serveBytes } from "../files/range.ts";
import { Router } from "../router.ts";
import { seededRandom } from "../random.ts";
import type { SandboxContext, SandboxMount } from "../server.ts";

type Json = Record<string, unknown>;
const PREFIX = "/up42";
/** The statuses a job ends in (up42-py's TERMINAL_STATUSES). */
const TERMINAL = ["captured", "released", "invalid", "rejected", "unlicensed"];

interface Process {
  id: string;
  title: string;
  description: string;
  eulaId: string;
  creditsPerKm2: number;
  needsPan: boolean;
}

interface Item {
  id: string;
  collection: string;
  owner: string;
  bbox: [number, number, number, number];
  properties: Json;
  assets: Record<string, { assetId: string; title: string; roles: string[]; type: string }>;
  /** The job that makes it, for results: they exist once the job has succeeded. */
  job?: string;
}

/** A UP42 processing job as the twin keeps it. */
export interface Up42TwinJob {
  /** Job id. */
  id: string;
  /** Process. */
  processId: string;
  /** Owner (`sub`) and workspace. */
  owner: string;
  /** Inputs as sent. */
  inputs: Record<string, unknown>;
  /** Price in credits. */
  credits: number;
  /** Statuses with the time each starts (ms). */
  timeline: Array<[string, number]>;
  /** Result collection id, once successful. */
  collection: string;
}

/** Options of {@linkcode up42Twin}. */
export interface Up42TwinOptions {
  /**
   * Processing jobs a workspace may have under way at once (every status before `captured`,
   * `released`, `invalid`, `rejected` or `unlicensed`). Over it an execution is refused with a
   * 409 problem (`status`, `title`, `detail`) that names the limit; nothing is charged. UP42
   * documents no number: the limit and its words are inferred. Default: no limit.
   */
  concurrentJobLimit?: number;
  /** Credits each account starts with. @default {1000} */
  credits?: number;
}

/** Test controls of the UP42 twin. */
export interface Up42Twin extends SandboxMount {
  /** See {@linkcode Up42TwinOptions.concurrentJobLimit}; may be changed while it runs. */
  concurrentJobLimit?: number;
  /** Credit balance by user id (`sub`); missing means the starting credits (1,000 by default). */
  balances: Map<string, number>;
  /** Jobs by id. */
  jobs: Map<string, Up42TwinJob>;
  /** Publishes a new version of a process's EULA: everyone has to accept it again. */
  updateEula(processId: string): void;
  /** Makes the next job fail after running (its credits are then released). */
  failNextJob: boolean;
}

const PROCESSES: Process[] = [
  {
    // Ids as UP42 names them in up42-py's processing templates.
    id: "pansharpening",
    title: "Pansharpening",
    description:
      "Merges the panchromatic band into the multispectral bands for sharper colour imagery.",
    eulaId: "6a1f8c2e-0f4b-4b8e-9d6e-3c1a2b7f9e01",
    creditsPerKm2: 4,
    needsPan: true,
  },
  {
    id: "true-color-conversion",
    title: "True colour conversion",
    description: "Converts multispectral imagery into a true-colour (red, green, blue) product.",
    eulaId: "0b9d2f4a-5c3e-4e7f-8a1b-2d4c6e8f0a12",
    creditsPerKm2: 1,
    needsPan: false,
  },
];

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${
    hex.slice(20)
  }`;
}

/** A timestamp with the service's nanosecond precision. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000000Z");
}

function km2([w, s, e, n]: [number, number, number, number]): number {
  return (e - w) * 111.32 * Math.cos(((s + n) / 2) * Math.PI / 180) * (n - s) * 110.57;
}

/**
 * Makes the twin; the sandbox mounts it by default.
 *
 * @example
 * ```ts ignore
 * import { startSandbox } from "../server.ts";
 * import { up42Twin } from "./twin.ts";
 * await using sandbox = await startSandbox({ mounts: [up42Twin()] });
 * ```
 */
export function up42Twin(options: Up42TwinOptions = {}): (ctx: SandboxContext) => Up42Twin {
  return (ctx) => {
    ctx.oidc.addRealm({
      name: "public",
      // up42-py signs in as client "up42-sdk" (password grant, scope openid).
      clients: [
        { id: "up42-api" },
        { id: "up42-sdk" },
        { id: "up42-project", secret: "project-secret" },
      ],
    });
    const random = seededRandom(ctx.seed * 7 + 42);
    const now = () => ctx.clock.now();
    const balances = new Map<string, number>();
    const withheld = new Map<string, number>();
    const eulaVersions = new Map<string, number>(PROCESSES.map((p) => [p.eulaId, 1]));
    const accepted = new Map<string, number>();
    const items = new Map<string, Item>();
    const jobs = new Map<string, Up42TwinJob>();
    const assets = new Map<
      string,
      {
        bytes?: Promise<Uint8Array>;
        make: () => Promise<Uint8Array>;
        owner: string;
        type: string;
        /** The file's name, as its STAC asset key gives it. */
        name: string;
      }
    >();
    const signingKey = crypto.getRandomValues(new Uint8Array(16)).join("");
    const balance = (user: string) => balances.get(user) ?? options.credits ?? 1000;
    const json = (body: unknown, status = 200) => Response.json(body, { status });
    const problem = (status: number, title: string, detail: string) =>
      json({ status, title, detail }, status);
    const base = `${ctx.origin}${PREFIX}`;

    const raster = (bbox: [number, number, number, number], bands: number) => async () => {
      // A scene comes in the UTM zone of its centre, as the providers' products do.
      const grid = sampleGrid(
        bbox,
        utmCrs([(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2]),
        1,
        300,
      );
      const planes = landCoverOn(grid, bands);
      return await writeGeoTiff({
        width: grid.width,
        height: grid.height,
        data: planes[0],
        extraBands: planes.slice(1),
        bbox: grid.bbox,
        crs: grid.crs,
      });
    };

    /** The user's storage: two scenes, one without a panchromatic band. */
    const ensureStorage = (user: string) => {
      if ([...items.values()].some((i) => i.owner === user)) return;
      const collection = uuid(random);
      const scenes: Array<[string, [number, number, number, number], boolean]> = [
        ["Pléiades Neo over Oxford", [-1.30, 51.72, -1.22, 51.78], true],
        ["SPOT over the Thames estuary, multispectral only", [0.60, 51.45, 0.70, 51.52], false],
      ];
      for (const [title, bbox, pan] of scenes) {
        const id = uuid(random);
        const itemAssets: Item["assets"] = {};
        const add = (name: string, role: string, bands: number) => {
          const assetId = uuid(random);
          assets.set(assetId, {
            make: raster(bbox, bands),
            owner: user,
            type: "image/tiff; application=geotiff; profile=cloud-optimized",
            name,
          });
          itemAssets[name] = {
            assetId,
            title: `${role} data`,
            roles: ["data", role],
            type: "image/tiff; application=geotiff; profile=cloud-optimized",
          };
        };
        add("multispectral.tiff", "multispectral", 4);
        if (pan) add("panchromatic.tiff", "panchromatic", 1);
        items.set(id, {
          id,
          collection,
          owner: user,
          bbox,
          properties: { "up42-user:title": title, datetime: "2024-06-21T10:42:00Z" },
          assets: itemAssets,
        });
      }
    };
    const itemUrl = (i: Item) => `${base}/v2/assets/stac/collections/${i.collection}/items/${i.id}`;
    const itemJson = (i: Item) => ({
      type: "Feature",
      stac_version: "1.0.0",
      id: i.id,
      collection: i.collection,
      bbox: i.bbox,
      geometry: {
        type: "Polygon",
        coordinates: [[[i.bbox[0], i.bbox[1]], [i.bbox[2], i.bbox[1]], [i.bbox[2], i.bbox[3]], [
          i.bbox[0],
          i.bbox[3],
        ], [i.bbox[0], i.bbox[1]]]],
      },
      properties: i.properties,
      assets: Object.fromEntries(
        Object.entries(i.assets).map((
          [name, a],
        ) => [name, {
          href: `${base}/v2/assets/${a.assetId}`,
          title: a.title,
          type: a.type,
          roles: a.roles,
        }]),
      ),
      links: [{ rel: "self", href: itemUrl(i) }],
    });
    const itemByUrl = (url: unknown, user: string) => {
      const m = String(url).match(/\/v2\/assets\/stac\/collections\/[^/]+\/items\/([^/?]+)$/);
      const i = m ? items.get(m[1]) : undefined;
      return i && i.owner === user ? i : undefined;
    };

    const statusOf = (job: Up42TwinJob): string => {
      let current = job.timeline[0][0];
      for (const [s, at] of job.timeline) if (at <= now()) current = s;
      return current;
    };
    /** Moves credits as the statuses pass: withheld on accepted, captured or released at the end. */
    const settle = (job: Up42TwinJob) => {
      const s = statusOf(job);
      const reached = (name: string) => job.timeline.some(([x, at]) => x === name && at <= now());
      if (reached("accepted") && !withheld.has(job.id)) {
        withheld.set(job.id, job.credits);
        balances.set(job.owner, balance(job.owner) - job.credits);
      }
      if ((s === "released") && withheld.get(job.id)) {
        balances.set(job.owner, balance(job.owner) + job.credits);
        withheld.set(job.id, 0);
      }
    };
    /** Seconds from the job's start to its end, or to now while it runs; none before it starts. */
    const durationOf = (job: Up42TwinJob): number | undefined => {
      settle(job);
      const started = job.timeline.find(([x]) => x === "running")?.[1];
      if (started === undefined || started > now()) return undefined;
      const done = TERMINAL.includes(statusOf(job));
      return Math.floor(((done ? job.timeline.at(-1)![1] : now()) - started) / 1000);
    };
    const jobJson = (job: Up42TwinJob) => {
      settle(job);
      const s = statusOf(job);
      const at = (name: string) => job.timeline.find(([x]) => x === name)?.[1];
      const started = at("running");
      const done = TERMINAL.includes(s);
      const successful = s === "successful" || s === "captured";
      return {
        processID: job.processId,
        jobID: job.id,
        accountID: job.owner,
        workspaceID: job.owner,
        definition: { inputs: job.inputs },
        status: s,
        created: iso(job.timeline[0][1]),
        started: started !== undefined && started <= now() ? iso(started) : null,
        finished: done ? iso(job.timeline.at(-1)![1]) : null,
        updated: iso(Math.max(...job.timeline.filter(([, t]) => t <= now()).map(([, t]) => t))),
        results: successful
          ? { collection: `${base}/v2/assets/stac/collections/${job.collection}` }
          : s === "failed" || s === "released"
          ? {
            errors: [{
              name: "ProcessingFailed",
              message: "The process failed on the input scene.",
            }],
          }
          : s === "rejected"
          ? {
            errors: [{
              name: "InsufficientCredits",
              message: `The job costs ${job.credits} credits; the balance is ${
                balance(job.owner)
              }.`,
            }],
          }
          : s === "unlicensed"
          ? {
            errors: [{
              name: "EulaNotAccepted",
              message: `Accept the EULA of ${job.processId} first.`,
            }],
          }
          : null,
        creditConsumption: s === "captured" ? { credits: job.credits } : null,
      };
    };

    /** A 400 as UP42 answers schema errors: `title` and `status`, and the validator's text. */
    const schemaError = (text: string) =>
      json({ title: "Bad Request", status: 400, "schema-error": text }, 400);
    const checkInputs = (process: Process, body: Json, user: string): Response | { item: Item } => {
      const inputs = body?.inputs as Json | undefined;
      if (!inputs || typeof inputs !== "object") {
        return schemaError("$: required property 'inputs' not found");
      }
      if (typeof inputs.title !== "string") {
        return schemaError("$.inputs: required property 'title' not found");
      }
      // Job titles are 1 to 250 characters (the validator's wording).
      if (inputs.title.length < 1) {
        return schemaError("$.inputs.title: must be at least 1 characters long");
      }
      if (inputs.title.length > 250) {
        return schemaError("$.inputs.title: may only be 250 characters long");
      }
      if (typeof inputs.item !== "string") {
        return schemaError("$.inputs: required property 'item' not found");
      }
      const item = itemByUrl(inputs.item, user);
      if (!item) {
        return json({
          errors: [{
            name: "ItemNotFound",
            message: `No STAC item at ${inputs.item} in your storage.`,
          }],
        }, 422);
      }
      if (process.needsPan && !item.assets["panchromatic.tiff"]) {
        return json({
          errors: [{
            name: "MissingPanchromaticAsset",
            message: "The panchromatic band is missing.",
          }],
        }, 422);
      }
      return { item };
    };
    const processJson = (p: Process, user: string) => ({
      id: p.id,
      title: p.title,
      description: p.description,
      version: "1.0.0",
      jobControlOptions: ["async-execute"],
      inputs: {
        title: { title: "Title", schema: { type: "string" } },
        item: {
          title: "STAC item",
          description: "URL of a STAC item in your storage",
          schema: { type: "string", format: "uri" },
        },
      },
      outputs: {
        collection: { title: "Result collection", schema: { type: "string", format: "uri" } },
      },
      additionalParameters: {
        parameters: [
          { name: "eula-id", value: [p.eulaId] },
          { name: "price", value: [{ credits: p.creditsPerKm2, unit: "SQ_KM" }] },
          {
            name: "eula-accepted",
            value: [accepted.get(`${user}|${p.eulaId}`) === eulaVersions.get(p.eulaId)],
          },
        ],
      },
    });

    /** A signed storage URL: no token, the signature and its expiry instead. */
    const signedDownload = async (request: Request, url: URL, id: string) => {
      const asset = assets.get(id);
      const expires = Number(url.searchParams.get("expires"));
      const expected = await sign(`${id}:${expires}`);
      if (!asset || url.searchParams.get("signature") !== expected) {
        return problem(403, "Forbidden", "The signature does not match.");
      }
      if (now() > expires) {
        return problem(403, "Forbidden", "The download URL has expired; create a new one.");
      }
      asset.bytes ??= asset.make();
      const answer = serveBytes(request, await asset.bytes, asset.type, id);
      const disposition = url.searchParams.get("response-content-disposition");
      if (disposition) answer.headers.set("content-disposition", disposition);
      return answer;
    };

    // The API's routes (and the storage's signed URLs); a handler is the route's name in
    // `handle`'s switch.
    const routes = new Router<string>()
      .on("GET", "/v2/users/me", "me")
      .on("GET", "/v2/payments/balance", "balance")
      .on("GET", "/v2/processing/processes", "processes")
      .on("GET", "/v2/processing/processes/{id}", "process")
      .on("POST", "/v2/processing/processes/{id}/validation", "validation")
      .on("POST", "/v2/processing/processes/{id}/cost", "cost")
      .on("POST", "/v2/processing/processes/{id}/execution", "execution")
      .on(["GET", "PATCH", "PUT"], "/v2/eulas/{id}", "eula")
      .on("GET", "/v2/processing/jobs", "jobs")
      .on("GET", "/v2/processing/jobs/{id}", "job")
      .on("POST", "/v2/assets/stac/search", "search")
      .on("GET", "/v2/assets/stac", "landing")
      .on("GET", "/v2/assets/stac/", "landing")
      .on("GET", "/v2/assets/stac/collections", "collections")
      .on("GET", "/v2/assets/stac/collections/{id}", "collection")
      .on("GET", "/v2/assets/stac/collections/{id}/items/{item}", "item")
      .on(["GET", "HEAD"], "/v2/assets/{id}", "asset")
      .on("POST", "/v2/assets/{id}/download-url", "download-url")
      .on(["GET", "HEAD"], "/signed/{id}", "signed")
      .on(["GET", "HEAD"], "/signed/{id}/{name}", "signed");

    const handle = async (request: Request, url: URL): Promise<Response> => {
      const path = url.pathname.slice(PREFIX.length);
      const method = request.method;
      const found = routes.match(method, path);
      if (found.kind === "none") return problem(404, "Not Found", `No route for ${method} ${path}`);
      if (found.kind === "method") {
        const answer = problem(405, "Method Not Allowed", `${method} is not allowed here.`);
        answer.headers.set("allow", found.every.join(", "));
        return answer;
      }
      const params = found.params;
      if (found.handler === "signed") return signedDownload(request, url, params.id);
      const token = request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
      const claims = token ? await ctx.oidc.verifyAccess("public", token) : undefined;
      if (!claims) {
        return problem(
          401,
          "Unauthorized",
          token ? "The token is invalid or expired." : "Authentication is required.",
        );
      }
      const user = String(claims.sub);
      ensureStorage(user);
      const body = async (): Promise<Json | Response> => {
        try {
          return await request.json();
        } catch {
          return schemaError("$: the body is not valid JSON");
        }
      };

      // A STAC API landing page and collections, so that pystac-client opens the catalogue.
      const stac = `${base}/v2/assets/stac`;
      const collectionJson = (id: string) => {
        const mine = [...items.values()].filter((i) => i.owner === user && i.collection === id);
        const boxes = mine.map((i) => i.bbox);
        return {
          type: "Collection",
          stac_version: "1.0.0",
          id,
          title: null,
          description: `Items of collection ${id}`,
          license: "proprietary",
          extent: {
            spatial: {
              bbox: [[
                Math.min(...boxes.map((b) => b[0])),
                Math.min(...boxes.map((b) => b[1])),
                Math.max(...boxes.map((b) => b[2])),
                Math.max(...boxes.map((b) => b[3])),
              ]],
            },
            temporal: { interval: [[null, null]] },
          },
          links: [
            { rel: "self", href: `${stac}/collections/${id}`, type: "application/json" },
            { rel: "root", href: `${stac}/`, type: "application/json" },
            { rel: "items", href: `${stac}/collections/${id}/items`, type: "application/geo+json" },
          ],
        };
      };
      switch (found.handler) {
        case "me": {
          return json({ id: user, email: claims.email, workspaceId: user });
        }
        case "balance": {
          for (const job of jobs.values()) if (job.owner === user) settle(job);
          return json({ available: { amount: balance(user), unit: "CREDIT" } });
        }
        case "processes": {
          return json({
            processes: PROCESSES.map((p) => processJson(p, user)),
            links: [{ rel: "self", href: `${base}${path}` }],
          });
        }
        case "process":
        case "validation":
        case "cost":
        case "execution": {
          const process = PROCESSES.find((p) => p.id === params.id);
          if (!process) return problem(404, "Not Found", `Process ${params.id} does not exist.`);
          if (found.handler === "process") return json(processJson(process, user));
          const b = await body();
          if (b instanceof Response) return b;
          const checked = checkInputs(process, b, user);
          if (checked instanceof Response) return checked;
          const area = km2(checked.item.bbox);
          const credits = Math.ceil(area * process.creditsPerKm2);
          if (found.handler === "validation") return new Response(null, { status: 200 });
          if (found.handler === "cost") {
            return json({
              pricingStrategy: "area",
              totalCredits: credits,
              totalSize: Math.round(area * 10) / 10,
              unit: "SQ_KM",
            });
          }
          const workspace = url.searchParams.get("workspaceId");
          if (workspace !== user) {
            return problem(
              403,
              "Forbidden",
              `workspaceId ${workspace} is not your workspace (${user}).`,
            );
          }
          const limit = twin.concurrentJobLimit;
          if (limit !== undefined) {
            let underWay = 0;
            for (const other of jobs.values()) {
              if (other.owner === user && !TERMINAL.includes(statusOf(other))) underWay++;
            }
            if (underWay >= limit) {
              return problem(
                409,
                "Conflict",
                `Maximum number of concurrent processing jobs (${limit}) reached for workspace ${user}. Wait until a job finishes.`,
              );
            }
          }
          const t0 = now();
          const step = (seconds: number) => seconds * 1000 * ctx.timeScale;
          const licensed =
            accepted.get(`${user}|${process.eulaId}`) === eulaVersions.get(process.eulaId);
          const timeline: Array<[string, number]> = [["created", t0]];
          let t = t0 + step(2 + 3 * random());
          if (!licensed) timeline.push(["unlicensed", t]);
          else {
            timeline.push(["licensed", t], ["valid", t += step(2 + 3 * random())]);
            const affordable = balance(user) >= credits;
            timeline.push([affordable ? "accepted" : "rejected", t += step(2 + 3 * random())]);
            if (affordable) {
              timeline.push(["running", t += step(5 + 20 * random())]);
              const fails = twin.failNextJob || random() < 0.05;
              twin.failNextJob = false;
              timeline.push([fails ? "failed" : "successful", t += step(30 + 90 * random())]);
              timeline.push([fails ? "released" : "captured", t += step(3 + 5 * random())]);
            }
          }
          const job: Up42TwinJob = {
            id: uuid(random),
            processId: process.id,
            owner: user,
            inputs: b.inputs as Json,
            credits,
            timeline,
            collection: uuid(random),
          };
          jobs.set(job.id, job);
          const outputId = uuid(random);
          const source = checked.item;
          const bands = process.id === "true-color-conversion" ? 3 : 4;
          const outputAsset = uuid(random);
          const outputName = `${outputId.slice(0, 8)}_${
            process.id === "true-color-conversion" ? "rgb" : "pan"
          }_${job.id}.tiff`;
          assets.set(outputAsset, {
            make: raster(source.bbox, bands),
            owner: user,
            type: "image/tiff; application=geotiff; profile=cloud-optimized",
            name: outputName,
          });
          items.set(outputId, {
            id: outputId,
            collection: job.collection,
            owner: user,
            bbox: source.bbox,
            properties: {
              "up42-system:job_id": job.id,
              "up42-system:asset_id": outputAsset,
              "up42-system:account_id": user,
              "up42-system:workspace_id": user,
              "up42-user:title": String((b.inputs as Json).title),
              datetime: iso(t0),
            },
            job: job.id,
            assets: {
              [outputName]: {
                assetId: outputAsset,
                title: `${process.title} result`,
                roles: [
                  "data",
                  process.id === "true-color-conversion" ? "true-color" : "pansharpened",
                ],
                type: "image/tiff; application=geotiff; profile=cloud-optimized",
              },
            },
          });
          return json(jobJson(job), 201);
        }
        case "eula": {
          const version = eulaVersions.get(params.id);
          if (version === undefined) {
            return problem(404, "Not Found", `EULA ${params.id} does not exist.`);
          }
          const key = `${user}|${params.id}`;
          if (method === "PATCH" || method === "PUT") {
            const b = await body();
            if (b instanceof Response) return b;
            if (typeof b.isAccepted !== "boolean") {
              return problem(400, "Bad Request", 'Send {"isAccepted": true} to accept the EULA.');
            }
            if (b.isAccepted) accepted.set(key, version);
            else accepted.delete(key);
          }
          const process = PROCESSES.find((p) => p.eulaId === params.id)!;
          return json({
            id: params.id,
            title: `${process.title} end-user license agreement`,
            version,
            isAccepted: accepted.get(key) === version,
            updated: iso(0),
          });
        }
        case "jobs": {
          const statuses = url.searchParams.get("status")?.split(",");
          const processIds = url.searchParams.get("processId")?.split(",");
          const ids = url.searchParams.get("ids")?.split(",");
          const workspace = url.searchParams.get("workspaceId");
          const bounds: Record<string, number> = {};
          for (const name of ["minDuration", "maxDuration"]) {
            const value = url.searchParams.get(name);
            if (value === null) continue;
            if (!/^\d+$/.test(value)) {
              return problem(
                400,
                "Bad Request",
                `${name}: "${value}" is not a whole number of seconds`,
              );
            }
            bounds[name] = Number(value);
          }
          // Filters and the usual sort read the stored jobs: only the page asked for is dressed
          // as JSON, so neither a status read of two jobs nor a page of a long list costs a
          // thousand answers.
          const wanted = ids && new Set(ids);
          let list = [...jobs.values()].filter((j) =>
            j.owner === user && (!wanted || wanted.has(j.id)) &&
            (!workspace || j.owner === workspace) &&
            (!processIds || processIds.includes(j.processId))
          );
          if (statuses) {
            list = list.filter((j) => {
              settle(j);
              return statuses.includes(statusOf(j));
            });
          }
          // A job that has not started has no duration, so no duration bound admits it.
          for (
            const [name, admits] of [
              ["minDuration", (s: number, b: number) => s >= b],
              ["maxDuration", (s: number, b: number) => s <= b],
            ] as const
          ) {
            const bound = bounds[name];
            if (bound === undefined) continue;
            list = list.filter((j) => {
              const seconds = durationOf(j);
              return seconds !== undefined && admits(seconds, bound);
            });
          }
          const sort = url.searchParams.get("sort") ?? "created,desc";
          const [field, direction] = sort.split(",");
          const sign = direction === "asc" ? 1 : -1;
          if (field === "created") {
            list.sort((a, b) => (a.timeline[0][1] - b.timeline[0][1]) * sign);
          } else {
            // up42-py sorts by nested fields too, such as `creditConsumption.credits`.
            const key = (j: Up42TwinJob) =>
              field.split(".").reduce<unknown>((v, k) => (v as Json | undefined)?.[k], jobJson(j));
            const keys = new Map(list.map((j) => [j, key(j)]));
            list.sort((a, b) => {
              const x = keys.get(a), y = keys.get(b);
              const order = typeof x === "number" && typeof y === "number"
                ? x - y
                : String(x).localeCompare(String(y));
              return order * sign;
            });
          }
          const limit = Math.max(1, Number(url.searchParams.get("limit") ?? "50"));
          const page = Math.max(0, Number(url.searchParams.get("page") ?? "0"));
          const links: Json[] = [];
          if ((page + 1) * limit < list.length) {
            const next = new URL(`${base}${path}`);
            for (const [k, v] of url.searchParams) if (k !== "page") next.searchParams.set(k, v);
            next.searchParams.set("page", String(page + 1));
            links.push({ rel: "next", href: next.pathname.slice(PREFIX.length) + next.search });
          }
          return json({
            jobs: list.slice(page * limit, (page + 1) * limit).map(jobJson),
            links,
          });
        }
        case "job": {
          const job = jobs.get(params.id);
          if (!job || job.owner !== user) {
            return problem(404, "Not Found", `Job ${params.id} not found.`);
          }
          return json(jobJson(job));
        }
        case "search": {
          const b = await body();
          if (b instanceof Response) return b;
          const filter = b.filter as Json | undefined;
          let list = [...items.values()].filter((i) => i.owner === user);
          if (filter) {
            const args = filter.args as unknown[] | undefined;
            const property = (args?.[0] as Json | undefined)?.property;
            if (filter.op !== "=" || typeof property !== "string" || args?.length !== 2) {
              return problem(
                400,
                "Bad Request",
                'filter: only CQL2 JSON equality is supported here: {"op": "=", "args": [{"property": "job_id"}, "<id>"]}',
              );
            }
            // `job_id` is the search's queryable for the items' `up42-system:job_id`.
            const key = property === "job_id" ? "up42-system:job_id" : property;
            list = list.filter((i) => i.properties[key] === args[1]);
          }
          // A job's results exist once it has succeeded, in every search.
          list = list.filter((i) => {
            if (i.job === undefined) return true;
            const job = jobs.get(i.job);
            const s = job ? statusOf(job) : "";
            return s === "successful" || s === "captured";
          });
          const limit = Number(b.limit ?? 50);
          return json({
            type: "FeatureCollection",
            features: list.slice(0, limit).map(itemJson),
            links: [],
          });
        }
        case "landing": {
          return json({
            type: "Catalog",
            stac_version: "1.0.0",
            id: "up42-storage",
            title: "UP42 storage",
            description: "Your UP42 storage: delivered and processed assets as STAC",
            conformsTo: [
              "https://api.stacspec.org/v1.0.0/core",
              "https://api.stacspec.org/v1.0.0/collections",
              "https://api.stacspec.org/v1.0.0/item-search",
              "https://api.stacspec.org/v1.0.0/item-search#filter",
              "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
              "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
            ],
            links: [
              { rel: "self", href: `${stac}/`, type: "application/json" },
              { rel: "root", href: `${stac}/`, type: "application/json" },
              { rel: "data", href: `${stac}/collections`, type: "application/json" },
              {
                rel: "search",
                href: `${stac}/search`,
                type: "application/geo+json",
                method: "POST",
              },
            ],
          });
        }
        case "collections": {
          const ids = [
            ...new Set(
              [...items.values()].filter((i) => i.owner === user)
                .map((i) => i.collection),
            ),
          ];
          return json({
            collections: ids.map(collectionJson),
            links: [{ rel: "self", href: `${stac}/collections`, type: "application/json" }],
          });
        }
        case "collection": {
          if (![...items.values()].some((i) => i.owner === user && i.collection === params.id)) {
            return problem(404, "Not Found", `Collection ${params.id} not found.`);
          }
          return json(collectionJson(params.id));
        }
        case "item": {
          const item = items.get(params.item);
          if (!item || item.owner !== user || item.collection !== params.id) {
            return problem(404, "Not Found", `Item ${params.item} not found.`);
          }
          return json(itemJson(item));
        }
        case "asset":
        case "download-url": {
          const asset = assets.get(params.id);
          if (!asset || asset.owner !== user) {
            return problem(404, "Not Found", `Asset ${params.id} not found.`);
          }
          if (found.handler === "download-url") {
            const expires = now() + 300_000;
            // Signed URLs name the file, in the path and as the disposition, as a storage
            // service's do: a client that saves by URL or header gets `....tiff`, not `output`.
            const signed = new URL(`${base}/signed/${params.id}/${encodeURIComponent(asset.name)}`);
            signed.searchParams.set(
              "response-content-disposition",
              `attachment; filename="${asset.name}"`,
            );
            signed.searchParams.set("expires", String(expires));
            signed.searchParams.set("signature", await sign(`${params.id}:${expires}`));
            return json({ url: signed.href });
          }
          asset.bytes ??= asset.make();
          return serveBytes(request, await asset.bytes, asset.type, params.id);
        }
      }
      return problem(404, "Not Found", `No route for ${method} ${path}`);
    };

    async function sign(text: string): Promise<string> {
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${signingKey}:${text}`)),
      );
      return [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
    }

    const twin: Up42Twin = {
      prefix: PREFIX,
      handle,
      balances,
      jobs,
      failNextJob: false,
      concurrentJobLimit: options.concurrentJobLimit,
      updateEula(processId: string) {
        const process = PROCESSES.find((p) => p.id === processId);
        if (!process) throw new RangeError(`no process ${processId}`);
        eulaVersions.set(process.eulaId, eulaVersions.get(process.eulaId)! + 1);
      },
    };
    return twin;
  };
}
