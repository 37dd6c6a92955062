/**
 * The Sen2Cube.AT twin, mounted at `/sen2cube`: JSON:API resources `/v1/inference`,
 * `/v1/factbase` and `/v1/knowledgebase` behind bearer tokens of the sandbox realm
 * `sen2cube-at`, inferences that run on the sandbox clock, and their result files (a GeoTIFF
 * composite and two CSV time series) under the factbase's `uri`.
 *
 * @module
 */
import { writeGeoTiff } from "../files/geotiff_writer.ts";
import { landCoverBands } from "../files/land_cover.ts";
import { serveBytes } from "../files/range.ts";
import { type Params, Router } from "../router.ts";
import { zipSync } from "../../deps/fflate.ts";
import { seededRandom } from "../random.ts";
import type { SandboxContext, SandboxMount } from "../server.ts";
import { errorResponse, pageLinks, query, QueryError } from "./jsonapi.ts";

type Json = Record<string, unknown>;
const PREFIX = "/sen2cube";
const CONTENT = { "content-type": "application/vnd.api+json" };

/** An inference as the twin keeps it. */
export interface TwinInference {
  /** Id. */
  id: number;
  /** Who created it (`sub`). */
  creator: string;
  /** Stored attributes. */
  attributes: Record<string, unknown>;
  /** Times on the sandbox clock (ms). */
  created: number;
  /** When it becomes SCHEDULED. */
  scheduledAt: number;
  /** When it becomes STARTED. */
  startedAt: number;
  /** When it ends. */
  endAt: number;
  /** Whether it ends FAILED. */
  fails: boolean;
  /** When a PATCH set its status to ABORTED (sandbox clock, ms). */
  abortedAt?: number;
  /** The AOI's polygons and their names. */
  polygons: Array<{ name: string; rings: number[][][] }>;
  /** The AOI's extent. */
  bbox: [number, number, number, number];
}

/** Options of {@linkcode sen2cubeTwin}. */
export interface Sen2CubeTwinOptions {
  /**
   * Inferences a user may have waiting or running at once (CREATED, SCHEDULED or STARTED). Over
   * it a new inference is refused with a JSON:API error object, status 403, title "Inference
   * limit reached". Sen2Cube.AT shares its workers among its users; the limit and its words are
   * inferred (flask-rest-jsonapi's error shape, the service's own voice). Default: no limit.
   */
  concurrentJobLimit?: number;
}

/** Test controls of the Sen2Cube twin. */
export interface Sen2CubeTwin extends SandboxMount {
  /** Inferences by id. */
  readonly inferences: Map<number, TwinInference>;
  /** See {@linkcode Sen2CubeTwinOptions.concurrentJobLimit}; may be changed while it runs. */
  concurrentJobLimit?: number;
}

const KNOWLEDGEBASES = [
  {
    id: 218,
    title: "04 - Cloud-Free Composite",
    description: "This is a demo model.",
    date: "2020-06-17",
  },
  {
    id: 219,
    title: "02 - Cloud coverage time series",
    description: "Cloud share over the AOI per observation.",
    date: "2020-05-02",
  },
  {
    id: 220,
    title: "05 - Mowing detection per parcel",
    description: "Vegetation drops before mowing events, per polygon.",
    date: "2021-04-11",
  },
];

/** A time as the service's marshmallow writes it: Python's isoformat (no fraction when whole). */
function iso(ms: number): string {
  const text = new Date(ms).toISOString();
  return text.endsWith(".000Z") ? text.replace(".000Z", "+00:00") : text.replace("Z", "000+00:00");
}

function polygonsOf(aoi: Json): Array<{ name: string; rings: number[][][] }> {
  const features = aoi.type === "FeatureCollection"
    ? aoi.features as Json[]
    : aoi.type === "Feature"
    ? [aoi]
    : [{ type: "Feature", properties: {}, geometry: aoi }];
  return features.flatMap((f, i) => {
    const g = f.geometry as Json | undefined;
    const name = String(
      (f.properties as Json | undefined)?.name ?? `Area-of-interest ${String(i).padStart(2, "0")}`,
    );
    if (g?.type === "Polygon") return [{ name, rings: g.coordinates as number[][][] }];
    if (g?.type === "MultiPolygon") {
      return (g.coordinates as number[][][][]).map((rings, k) => ({ name: `${name}-${k}`, rings }));
    }
    return [];
  });
}

/**
 * Makes the twin; the sandbox mounts it by default.
 *
 * @example
 * ```ts ignore
 * import { startSandbox } from "../server.ts";
 * import { sen2cubeTwin } from "./twin.ts";
 * await using sandbox = await startSandbox({ mounts: [sen2cubeTwin()] });
 * ```
 */
export function sen2cubeTwin(
  options: Sen2CubeTwinOptions = {},
): (ctx: SandboxContext) => Sen2CubeTwin {
  return (ctx) => {
    const inferences = new Map<number, TwinInference>();
    const files = new Map<string, Promise<Uint8Array>>();
    const sizes = new Map<string, number>();
    const ready = new Set<number>();
    let nextId = 10424;
    const now = () => ctx.clock.now();
    const factbaseUri = `${ctx.origin}${PREFIX}/demo`;
    const factbase = {
      id: 1,
      attributes: {
        title: "Austria",
        description: "Sen2Cube.at data cube for Austria (sandbox)",
        owner: "eojobs sandbox",
        project: "sen2cube",
        owner_email: "info@example.com",
        uri: factbaseUri,
        status: "OK",
        sensor: "sentinel-2",
        dateStart: "2015-07-04",
        dateEnd: "2026-10-31",
        srs: "EPSG:4326",
        resolution: [10, 10],
        layout: { reflectance: [], appearance: [], topography: [], atmosphere: [], artifacts: [] },
        footprint_bbox: {
          type: "Polygon",
          coordinates: [[[9.6337, 46.247], [9.3567, 48.8823], [17.2034, 48.9995], [
            17.0947,
            46.3539,
          ], [9.6337, 46.247]]],
        },
        basemaps: [],
        preview_factor: 10,
      },
    };

    /** Where the inference's life stands on the clock. */
    const stage = (inf: TwinInference): [string, string] => {
      const t = now();
      if (inf.abortedAt !== undefined) return ["ABORTED", "The inference was aborted"];
      // The service's own words and spelling.
      if (t < inf.scheduledAt) return ["CREATED", "Inference sucessfully created"];
      if (t < inf.startedAt) return ["SCHEDULED", "The inference is waiting for a free worker"];
      if (t < inf.endAt) return ["STARTED", "The inference is being processed"];
      return inf.fails
        ? ["FAILED", "The inference failed: no valid observations in the temporal range"]
        : ["SUCCEEDED", "The inference was successfully processed"];
    };
    /**
     * The status the service reports: SUCCEEDED only once the outputs are written (settle), so
     * that every output entry can say its size.
     */
    const status = (inf: TwinInference): [string, string] => {
      const s = stage(inf);
      return s[0] === "SUCCEEDED" && !ready.has(inf.id)
        ? ["STARTED", "The inference is being processed"]
        : s;
    };
    const outputsOf = (inf: TwinInference) => {
      const owner = String(inf.attributes.owner ?? "unknown");
      const base = `/output/sen2cube/${owner}`;
      // Where an output lies and its size, once written (see settle).
      const file = (data: string) => ({ data, bytes: sizes.get(data) });
      return [
        {
          name: "Cloud_free_composite",
          inference_id: inf.id,
          value_type: "numerical",
          value_range: [354, 4463],
          dims: ["band", "y", "x"],
          file_type: "geotiff",
          vis_type: "composite",
          ...file(`${base}/Cloud_free_composite_id${inf.id}_4326.tiff`),
          band_value_ranges: [[354, 4463], [602, 3601], [764, 3229]],
        },
        {
          name: "cloud_percentage_aoi",
          inference_id: inf.id,
          value_type: "numerical",
          value_range: [0, 100],
          dims: ["time"],
          file_type: "csv",
          vis_type: "single_line_graph",
          ...file(`${base}/cloud_percentage_aoi_id${inf.id}.csv`),
          "x-axis": "time",
          "y-axis": "cloud_percentage_aoi",
        },
        {
          name: "pre_event_mowing_cloudless",
          inference_id: inf.id,
          value_type: "numerical",
          value_range: [0, 100],
          dims: ["space", "time"],
          file_type: "csv",
          vis_type: "multi_line_graph",
          ...file(`${base}/pre_event_mowing_cloudless_id${inf.id}.csv`),
          "x-axis": "time",
          "y-axis": "pre_event_mowing_cloudless",
          lines: "space",
        },
      ];
    };
    const row = (inf: TwinInference): Json => {
      const [s, message] = status(inf);
      const done = s === "SUCCEEDED" || s === "FAILED";
      return {
        id: inf.id,
        ...inf.attributes,
        status: s,
        status_message: message,
        timestamp_created: iso(inf.created),
        timestamp_started: now() >= inf.startedAt ? iso(inf.startedAt) : null,
        timestamp_finished: done ? iso(inf.endAt) : null,
        // The service lists no outputs (an empty list, not null) until results exist.
        output: s === "SUCCEEDED" ? JSON.stringify(outputsOf(inf)) : [],
        qgis_project_location: s === "SUCCEEDED" ? qgisOf(inf) : null,
        status_timestamp: null,
        // The service leaves progress empty, also while it runs (sen2cli's transcripts).
        status_progress: null,
      };
    };
    const resource = (type: string, id: number, attributes: Json, relationships: string[]) => ({
      type,
      attributes,
      id,
      relationships: Object.fromEntries(relationships.map((r) => [r, {
        links: {
          self: `${PREFIX}/v1/${type}/${id}/relationships/${r}`,
          related: `${PREFIX}/v1/${type}/${id}/${r}`,
        },
      }])),
      // Root-relative like the service's, under the twin's mount so that a client reaches it.
      links: { self: `${PREFIX}/v1/${type}/${id}` },
    });
    const inferenceResource = (inf: TwinInference) => {
      const { id: _, ...attributes } = row(inf);
      return resource("inference", inf.id, attributes, ["factbase", "knowledgebase"]);
    };

    const qgisOf = (inf: TwinInference) =>
      `/output/sen2cube/${inf.attributes.owner}/qgis-project-id${inf.id}.zip`;
    /** A QGIS project that lists the inference's outputs as layers, zipped. */
    const qgisProject = (inf: TwinInference): Uint8Array => {
      const layers = outputsOf(inf).map((o) =>
        `    <maplayer type="${o.file_type === "geotiff" ? "raster" : "vector"}">` +
        `<layername>${o.name}</layername><datasource>./${o.data.split("/").at(-1)}</datasource>` +
        `</maplayer>`
      ).join("\n");
      const qgs = `<!DOCTYPE qgis>\n<qgis projectname="Sen2Cube inference ${inf.id}">\n` +
        `  <projectlayers>\n${layers}\n  </projectlayers>\n</qgis>\n`;
      return zipSync({ [`qgis-project-id${inf.id}.qgs`]: new TextEncoder().encode(qgs) });
    };
    const makeFile = async (inf: TwinInference, name: string): Promise<Uint8Array> => {
      const random = seededRandom(inf.id * 131 + name.length);
      const start = Date.parse(String(inf.attributes.temp_range_start)),
        end = Date.parse(String(inf.attributes.temp_range_end));
      const days: string[] = [];
      for (let t = start; t <= end && days.length < 400; t += 5 * 86_400_000) {
        days.push(new Date(t).toISOString().slice(0, 10));
      }
      if (name.startsWith("cloud_percentage_aoi")) {
        return new TextEncoder().encode(
          "time,cloud_percentage_aoi\n" +
            days.map((d) => `${d},${(100 * random() ** 2).toFixed(2)}`).join("\n") + "\n",
        );
      }
      if (name.startsWith("pre_event_mowing_cloudless")) {
        const lines = ["space,time,pre_event_mowing_cloudless"];
        for (const p of inf.polygons) {
          let level = 40 + 30 * random();
          for (const d of days) {
            level = Math.min(
              100,
              Math.max(0, level + 8 * (random() - 0.4) - (random() < 0.08 ? 35 : 0)),
            );
            lines.push(`${p.name},${d},${level.toFixed(2)}`);
          }
        }
        return new TextEncoder().encode(lines.join("\n") + "\n");
      }
      const [w, s, e, n] = inf.bbox;
      const scale = Number(inf.attributes.output_scale_factor ?? 1) || 1;
      const px = 0.0001 * scale;
      const width = Math.max(1, Math.min(2048, Math.round((e - w) / px))),
        height = Math.max(1, Math.min(2048, Math.round((n - s) / px)));
      const bands = landCoverBands(inf.bbox, width, height, 3);
      return await writeGeoTiff({
        width,
        height,
        data: bands[0],
        extraBands: [bands[1], bands[2]],
        bbox: inf.bbox,
      });
    };

    /** A file the inference advertises, made once and kept. */
    const produce = (inf: TwinInference, path: string): Promise<Uint8Array> => {
      let bytes = files.get(path);
      if (!bytes) {
        bytes = qgisOf(inf) === path
          ? Promise.resolve(qgisProject(inf))
          : makeFile(inf, path.split("/").at(-1)!);
        files.set(path, bytes);
      }
      return bytes;
    };
    /** Writes the outputs of the inferences that have finished on the clock. */
    const settle = async (infs: Iterable<TwinInference>) => {
      for (const inf of infs) {
        if (ready.has(inf.id) || stage(inf)[0] !== "SUCCEEDED") continue;
        for (const o of outputsOf(inf)) {
          if (!sizes.has(o.data)) sizes.set(o.data, (await produce(inf, o.data)).length);
        }
        ready.add(inf.id);
      }
    };

    const kbAttributes = (k: typeof KNOWLEDGEBASES[number]) => ({
      title: k.title,
      description: k.description,
      owner: "sen2cube",
      date: k.date,
      favourite: false,
      blockdefs: "<xml/>",
    });
    /** One signed-in request's JSON:API answers. */
    const callFor = (request: Request, url: URL, user: string) => {
      /** The resources `include` asks for, or the error flask-rest-jsonapi answers. */
      const included = (infs: TwinInference[]): Json[] | Response => {
        const names = url.searchParams.get("include")?.split(",").filter(Boolean) ?? [];
        const out = new Map<string, Json>();
        for (const name of names) {
          if (name !== "factbase" && name !== "knowledgebase") {
            return errorResponse(
              400,
              "Invalid include querystring parameter.",
              `InferenceSchema has no attribute ${name}`,
              { parameter: "include" },
            );
          }
          for (const inf of infs) {
            if (name === "factbase") {
              out.set(
                "factbase/1",
                resource("factbase", 1, factbase.attributes, ["inferences_fb"]),
              );
            } else {
              const k = KNOWLEDGEBASES.find((x) =>
                x.id === Number(inf.attributes.knowledgebase_id)
              );
              if (k) {
                out.set(
                  `knowledgebase/${k.id}`,
                  resource("knowledgebase", k.id, kbAttributes(k), ["inferences_kb"]),
                );
              }
            }
          }
        }
        return [...out.values()];
      };
      const list = (
        rows: Json[],
        make: (r: Json) => unknown,
        fields: string[],
        schema: string,
        relationships: string[],
      ) => {
        try {
          const q = query(url, rows, schema, fields, relationships);
          return Response.json({
            data: q.rows.map(make),
            links: pageLinks(url, q.page, q.pages, q.size),
            meta: { count: q.count },
            jsonapi: { version: "1.0" },
          }, { headers: CONTENT });
        } catch (error) {
          if (error instanceof QueryError) {
            // flask-rest-jsonapi drops the `source` of filter and sort errors.
            const dropped = error.parameter === "filters" || error.parameter === "sort";
            return errorResponse(
              400,
              error.title,
              error.message,
              dropped ? undefined : { parameter: error.parameter },
            );
          }
          throw error;
        }
      };
      const single = (data: unknown, self: string, status = 200, include: Json[] = []) =>
        Response.json({
          data,
          ...(include.length ? { included: include } : {}),
          links: { self: `${PREFIX}${self}` },
          jsonapi: { version: "1.0" },
        }, {
          status,
          headers: CONTENT,
        });

      return { request, url, user, included, list, single };
    };
    type Call = ReturnType<typeof callFor>;
    type Handler = (c: Call, p: Params) => Promise<Response> | Response;
    /** The caller's inference by its path id, or flask-rest-jsonapi's 404. */
    const inferenceOf = (c: Call, p: Params): TwinInference | Response => {
      const inf = /^\d+$/.test(p.id) ? inferences.get(Number(p.id)) : undefined;
      return inf && inf.creator === c.user
        ? inf
        : errorResponse(404, "Object not found", `TwinInference: ${p.id} not found`, {
          parameter: "id",
        });
    };
    /** An inference's detail document, with what `include` asks for. */
    const detail = (c: Call, inf: TwinInference) => {
      const extra = c.included([inf]);
      if (extra instanceof Response) return extra;
      return c.single(inferenceResource(inf), `/v1/inference/${inf.id}`, 200, extra);
    };
    const INFERENCE_FIELDS = [
      "id",
      "owner",
      "comment",
      "status",
      "status_message",
      "timestamp_created",
      "timestamp_started",
      "timestamp_finished",
      "factbase_id",
      "knowledgebase_id",
      "temp_range_start",
      "temp_range_end",
      "output_scale_factor",
      "favourite",
    ];
    // flask-rest-jsonapi's resources: a list (GET, POST) and a detail (GET, PATCH, DELETE) each.
    const routes = new Router<Handler>()
      .on("GET", "/v1/inference", ({ user, list }) =>
        list(
          [...inferences.values()].filter((i) => i.creator === user).map(row),
          (r) => inferenceResource(inferences.get(r.id as number)!),
          INFERENCE_FIELDS,
          "InferenceSchema",
          ["factbase", "knowledgebase"],
        ))
      .on("POST", "/v1/inference", ({ request, user }) => create(request, user))
      .on("GET", "/v1/inference/{id}", (c, p) => {
        const inf = inferenceOf(c, p);
        return inf instanceof Response ? inf : detail(c, inf);
      })
      .on("PATCH", "/v1/inference/{id}", async (c, p) => {
        const inf = inferenceOf(c, p);
        if (inf instanceof Response) return inf;
        const body = await c.request.json().catch(() => undefined);
        const wanted = body?.data?.attributes?.status;
        if (wanted === "ABORTED") inf.abortedAt = now();
        else if (wanted === "CREATED") {
          // A rerun: the inference goes through its life again from now.
          const span = [inf.scheduledAt, inf.startedAt, inf.endAt].map((t) => t - inf.created);
          inf.created = now();
          [inf.scheduledAt, inf.startedAt, inf.endAt] = span.map((d) => inf.created + d);
          inf.abortedAt = undefined;
        } else if (wanted !== undefined) {
          return errorResponse(422, "Validation error", `status: ${wanted} cannot be set`, {
            pointer: "/data/attributes/status",
          });
        }
        return detail(c, inf);
      })
      .on("DELETE", "/v1/inference/{id}", (c, p) => {
        const inf = inferenceOf(c, p);
        if (inf instanceof Response) return inf;
        inferences.delete(inf.id);
        return Response.json({ meta: { message: "Object successfully deleted" } }, {
          headers: { "content-type": "application/vnd.api+json" },
        });
      })
      .on("GET", "/v1/factbase", ({ list }) =>
        list(
          [{ id: 1, ...factbase.attributes }],
          () => resource("factbase", 1, factbase.attributes, ["inferences_fb"]),
          ["id", "title", "status", "sensor"],
          "FactbaseSchema",
          ["inferences_fb"],
        ))
      .on(
        "GET",
        "/v1/factbase/{id}",
        ({ single }, p) =>
          p.id === "1"
            ? single(
              resource("factbase", 1, factbase.attributes, ["inferences_fb"]),
              "/v1/factbase/1",
            )
            : errorResponse(404, "Object not found", `Factbase: ${p.id} not found`, {
              parameter: "id",
            }),
      )
      .on("GET", "/v1/knowledgebase", ({ list }) =>
        list(
          KNOWLEDGEBASES.map((k) => ({ ...k })),
          (r) =>
            resource(
              "knowledgebase",
              r.id as number,
              kbAttributes(r as typeof KNOWLEDGEBASES[number]),
              ["inferences_kb"],
            ),
          ["id", "title", "date"],
          "KnowledgebaseSchema",
          ["inferences_kb"],
        ))
      .on("GET", "/v1/knowledgebase/{id}", ({ single }, p) => {
        const k = /^\d+$/.test(p.id)
          ? KNOWLEDGEBASES.find((x) => x.id === Number(p.id))
          : undefined;
        return k
          ? single(
            resource("knowledgebase", k.id, kbAttributes(k), ["inferences_kb"]),
            `/v1/knowledgebase/${k.id}`,
          )
          : errorResponse(404, "Object not found", `Knowledgebase: ${p.id} not found`, {
            parameter: "id",
          });
      });

    /** The file host's paths (the factbase's `uri` + an output's `data`). */
    const fileRoutes = new Router<true>().on(
      ["GET", "HEAD"],
      "/demo/output/sen2cube/{owner}/{name}",
      true,
    );
    /** The service's output files (served without a token, as on the real file host). */
    const serveFile = async (request: Request, path: string): Promise<Response> => {
      const name = path.split("/").at(-1)!;
      // Every file the inference advertises: its outputs and its QGIS project.
      const inf = [...inferences.values()].find((i) =>
        qgisOf(i) === path || outputsOf(i).some((o) => o.data === path)
      );
      if (!inf || status(inf)[0] !== "SUCCEEDED") {
        return new Response("Not Found", { status: 404 });
      }
      return serveBytes(
        request,
        await produce(inf, path),
        name.endsWith(".csv")
          ? "text/csv"
          : name.endsWith(".zip")
          ? "application/zip"
          : "image/tiff",
        `s2c-${inf.id}-${name.length}`,
      );
    };

    const handle = async (request: Request, url: URL): Promise<Response> => {
      const path = url.pathname.slice(PREFIX.length);
      const file = fileRoutes.match(request.method, path);
      if (file.kind === "route") {
        return serveFile(request, `/output/sen2cube/${file.params.owner}/${file.params.name}`);
      }
      // Flask routes before the view runs: an unknown path is a 404 and a known path with
      // another method a 405, whatever the token.
      const found = routes.match(request.method, path);
      if (found.kind === "none") return errorResponse(404, "Not Found", `No resource at ${path}`);
      if (found.kind === "method") {
        const response = errorResponse(
          405,
          "Method Not Allowed",
          "The method is not allowed for the requested URL.",
        );
        response.headers.set("allow", found.every.join(", "));
        return response;
      }
      const token = request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
      const claims = token ? await ctx.oidc.verifyAccess("sen2cube-at", token) : undefined;
      if (!claims) {
        return errorResponse(
          401,
          "Unauthorized",
          token
            ? "The access token is invalid or expired"
            : "Missing Authorization header with a bearer token",
        );
      }
      const user = String(claims.sub);
      if (path.startsWith("/v1/inference")) {
        await settle([...inferences.values()].filter((i) => i.creator === user));
      }
      return await found.handler(callFor(request, url, user), found.params);
    };

    const create = async (request: Request, user: string): Promise<Response> => {
      let doc: Json;
      try {
        doc = await request.json();
      } catch {
        return errorResponse(400, "Bad request", "Request body is not valid JSON", { pointer: "" });
      }
      const data = doc?.data as Json | undefined;
      if (!data || typeof data !== "object") {
        return errorResponse(422, "Validation error", "Object must include `data` key.", {
          pointer: "/",
        });
      }
      if (data.type !== "inference") {
        return errorResponse(409, "Incorrect type", `Invalid type. Expected "inference".`, {
          pointer: "/data/type",
        });
      }
      const a = (data.attributes ?? {}) as Json;
      const invalid = (field: string, detail: string) =>
        errorResponse(422, "Validation error", detail, { pointer: `/data/attributes/${field}` });
      for (const f of ["temp_range_start", "temp_range_end"]) {
        if (typeof a[f] !== "string" || Number.isNaN(Date.parse(String(a[f])))) {
          return invalid(f, "Not a valid datetime.");
        }
      }
      if (Date.parse(String(a.temp_range_start)) >= Date.parse(String(a.temp_range_end))) {
        return invalid("temp_range_end", "temp_range_end must be after temp_range_start.");
      }
      if (typeof a.area_of_interest !== "string") {
        return invalid(
          "area_of_interest",
          "Not a valid string: a GeoJSON given as a string is expected.",
        );
      }
      let polygons;
      try {
        polygons = polygonsOf(JSON.parse(a.area_of_interest));
      } catch {
        return invalid("area_of_interest", "Not valid GeoJSON.");
      }
      if (polygons.length === 0) {
        return invalid("area_of_interest", "The GeoJSON holds no polygon.");
      }
      const rel = (data.relationships ?? {}) as Json;
      const relId = (name: string) =>
        Number(((rel[name] as Json | undefined)?.data as Json | undefined)?.id);
      const kb = relId("knowledgebase"), fb = relId("factbase");
      if (!KNOWLEDGEBASES.some((k) => k.id === kb)) {
        return errorResponse(404, "Related object not found", `Knowledgebase: ${kb} not found`, {
          pointer: "/data/relationships/knowledgebase",
        });
      }
      if (fb !== 1) {
        return errorResponse(404, "Related object not found", `Factbase: ${fb} not found`, {
          pointer: "/data/relationships/factbase",
        });
      }
      const limit = twin.concurrentJobLimit;
      if (limit !== undefined) {
        let waiting = 0;
        for (const other of inferences.values()) {
          if (other.creator === user && other.abortedAt === undefined && now() < other.endAt) {
            waiting++;
          }
        }
        if (waiting >= limit) {
          return errorResponse(
            403,
            "Inference limit reached",
            `You have ${waiting} inferences waiting or running; at most ${limit} per user are allowed at a time. Wait for one to finish or abort one.`,
          );
        }
      }
      const coords = polygons.flatMap((p) => p.rings[0]);
      const bbox: [number, number, number, number] = [
        Math.min(...coords.map((c) => c[0])),
        Math.min(...coords.map((c) => c[1])),
        Math.max(...coords.map((c) => c[0])),
        Math.max(...coords.map((c) => c[1])),
      ];
      const id = nextId++;
      const random = seededRandom(ctx.seed * 17 + id);
      const scale = ctx.timeScale * 1000;
      const created = now();
      const scheduledAt = created + (1 + 3 * random()) * scale;
      const startedAt = scheduledAt + (10 + 50 * random()) * scale;
      const endAt = startedAt + (60 + 120 * random()) * scale;
      const inf: TwinInference = {
        id,
        creator: user,
        // The real service does not fill `owner` from the token: what the client sends is kept.
        attributes: {
          owner: a.owner ?? null,
          comment: a.comment ?? "",
          factbase_id: fb,
          knowledgebase_id: kb,
          area_of_interest: a.area_of_interest,
          temp_range_start: iso(Date.parse(String(a.temp_range_start))),
          temp_range_end: iso(Date.parse(String(a.temp_range_end))),
          output_scale_factor: a.output_scale_factor ?? 1,
          favourite: a.favourite ?? false,
        },
        created,
        scheduledAt,
        startedAt,
        endAt,
        fails: random() < 0.05,
        polygons,
        bbox,
      };
      inferences.set(id, inf);
      return Response.json(
        {
          data: inferenceResource(inf),
          links: { self: `${PREFIX}/v1/inference/${id}` },
          jsonapi: { version: "1.0" },
        },
        { status: 201, headers: CONTENT },
      );
    };

    const twin: Sen2CubeTwin = {
      prefix: PREFIX,
      handle,
      inferences,
      concurrentJobLimit: options.concurrentJobLimit,
    };
    return twin;
  };
}
