/**
 * The APEx Dispatch API's generated Python client (ESA-APEx/apex_dispatch_api_client,
 * openapi-python-client over httpx) against the twin: the tutorial's calls in the client's order,
 * with its headers, and each answer checked against the model its `_parse_response` builds
 * (`schemas/openapi.json` v0.7.2: the statuses each operation parses and the fields each model's
 * `from_dict` pops).
 */
import { connectApex } from "../../lib/platforms/apex/mod.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { PV_UDP, VIENNA } from "../fixtures.ts";
import { sandbox } from "../helpers.ts";
import { nullable, replay, type Shape, type State } from "./replay.ts";

const DATE_TIME: Shape = { match: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/ };
const SERVICE: Shape = {
  props: { endpoint: "string", application: "string" },
  optional: { namespace: nullable("string") },
};
const LABEL: Shape = { enum: ["openeo", "ogc_api_process"] };
const STATUS: Shape = {
  enum: ["created", "queued", "running", "finished", "canceled", "failed", "unknown"],
};
const JOB_SUMMARY = {
  id: "integer",
  title: "string",
  label: LABEL,
  status: STATUS,
  service: SERVICE,
  parameters: { mapOf: "any" },
} satisfies Record<string, Shape>;
const JOB: Shape = { props: { ...JOB_SUMMARY, created: DATE_TIME, updated: DATE_TIME } };
const TASK_SUMMARY = {
  id: "integer",
  title: "string",
  label: LABEL,
  status: STATUS,
} satisfies Record<
  string,
  Shape
>;
const TASK: Shape = {
  props: {
    ...TASK_SUMMARY,
    service: SERVICE,
    created: DATE_TIME,
    updated: DATE_TIME,
    jobs: { arrayOf: { props: JOB_SUMMARY } },
  },
};
const POSITION: Shape = { arrayOf: "number", min: 2 };
const BBOX = { bbox: nullable({ arrayOf: "number", min: 4 }) };
const POLYGON: Shape = {
  props: { type: { enum: ["Polygon"] }, coordinates: { arrayOf: { arrayOf: POSITION, min: 4 } } },
  optional: BBOX,
};
const MULTI_POLYGON: Shape = {
  props: {
    type: { enum: ["MultiPolygon"] },
    coordinates: { arrayOf: { arrayOf: { arrayOf: POSITION, min: 4 } } },
  },
  optional: BBOX,
};
const GEOMETRY_COLLECTION: Shape = {
  props: {
    type: { enum: ["GeometryCollection"] },
    geometries: { arrayOf: { anyOf: [POLYGON, MULTI_POLYGON] }, min: 1 },
  },
  optional: BBOX,
};
const PARAMETER: Shape = {
  props: {
    name: "string",
    type: {
      enum: [
        "datetime",
        "date-interval",
        "bounding-box",
        "polygon",
        "boolean",
        "integer",
        "double",
        "string",
        "array-string",
      ],
    },
    optional: "boolean",
    description: "string",
  },
  optional: { default: "any", options: { arrayOf: "any" } },
};
const LINK: Shape = {
  props: { href: "string", rel: "string" },
  optional: { type: nullable("string"), title: nullable("string") },
};
const ASSET: Shape = {
  props: { href: "string" },
  optional: {
    type: nullable("string"),
    title: nullable("string"),
    description: nullable("string"),
    roles: nullable({ arrayOf: "string" }),
  },
};
const COLLECTION: Shape = {
  props: {
    id: "string",
    description: "string",
    links: { arrayOf: LINK },
    type: { enum: ["Collection"] },
    license: "string",
    extent: {
      props: {
        spatial: { props: { bbox: { arrayOf: { arrayOf: "number", min: 4 }, min: 1 } } },
        temporal: { props: { interval: { arrayOf: { arrayOf: nullable("string") }, min: 1 } } },
      },
    },
  },
  optional: {
    stac_version: "string",
    stac_extensions: nullable({ arrayOf: "string" }),
    title: nullable("string"),
    assets: nullable({ mapOf: ASSET }),
    keywords: nullable({ arrayOf: "string" }),
  },
};
const ERROR: Shape = {
  props: { error_code: "string", message: "string" },
  optional: {
    status: "string",
    details: nullable({ mapOf: "any" }),
    request_id: nullable("string"),
  },
};
/** `HTTPValidationError.from_dict` pops an optional `detail` list. */
const VALIDATION_ERROR: Shape = {
  props: {},
  optional: {
    detail: {
      arrayOf: {
        props: {
          loc: { arrayOf: { anyOf: ["string", "integer"] } },
          msg: "string",
          type: "string",
        },
      },
    },
  },
};

/** httpx's default headers and the AuthenticatedClient's bearer token. */
const HEADERS = (s: State, json = false): Record<string, string> => ({
  accept: "*/*",
  "accept-encoding": "gzip, deflate",
  "user-agent": "python-httpx/0.28.1",
  authorization: `Bearer ${s.token}`,
  ...(json ? { "content-type": "application/json" } : {}),
});

const JOB_REQUEST = {
  title: "PV farms over Vienna",
  label: "openeo",
  service: { endpoint: "https://openeofed.dataspace.copernicus.eu", application: PV_UDP },
  parameters: { temporal_extent: ["2023-05-01", "2023-09-30"], spatial_extent: VIENNA },
  format: "gtiff",
};

Deno.test("conformance: the generated APEx Dispatch client's calls, as it parses the answers", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const api = `${sb.url}/apex`;
  const session = connectApex({ sandbox: sb.url, clock }).session!;
  const state: State = { token: await session.getToken() };
  await replay([
    {
      call: "health_health_get.sync",
      method: "GET",
      url: () => `${api}/health`,
      headers: (s) => HEADERS(s),
      status: [200],
    },
    {
      call: "split_in_tiles_tiles_post.sync (TileRequest -> GeometryCollection)",
      method: "POST",
      url: () => `${api}/tiles`,
      headers: (s) => HEADERS(s, true),
      json: () => ({ aoi: VIENNA, grid: "20x20km" }),
      status: [201],
      shape: GEOMETRY_COLLECTION,
      keep: (body, s) => s.tiles = (body as { geometries: unknown[] }).geometries,
    },
    {
      call: "get_job_params_params_post.sync (ParamRequest -> list[Parameter])",
      method: "POST",
      url: () => `${api}/params`,
      headers: (s) => HEADERS(s, true),
      json: () => ({ label: JOB_REQUEST.label, service: JOB_REQUEST.service }),
      status: [200],
      shape: { arrayOf: PARAMETER, min: 1 },
    },
    {
      call: "create_unit_job_unit_jobs_post.sync (BaseJobRequest -> ProcessingJobSummary)",
      method: "POST",
      url: () => `${api}/unit_jobs`,
      headers: (s) => HEADERS(s, true),
      json: () => JOB_REQUEST,
      status: [201],
      shape: { props: JOB_SUMMARY },
      keep: (body, s) => s.job = (body as { id: number }).id,
    },
    {
      call: "get_job_unit_jobs_job_id_get.sync (-> ProcessingJob)",
      method: "GET",
      url: (s) => `${api}/unit_jobs/${s.job}`,
      headers: (s) => HEADERS(s),
      status: [200],
      shape: JOB,
    },
    {
      call: "get_job_results_unit_jobs_job_id_results_get.sync (-> Collection | None)",
      method: "GET",
      url: (s) => `${api}/unit_jobs/${s.job}/results`,
      headers: (s) => HEADERS(s),
      // Hours later the job has finished, and the user has signed in again for a fresh token
      // (the generated client takes a token; it does not refresh one).
      before: async (s) => {
        clock.advance(6 * 3600_000);
        s.token = await session.getToken();
      },
      status: [200],
      shape: nullable(COLLECTION),
    },
    {
      call: "create_upscale_task_upscale_tasks_post.sync (-> UpscalingTaskSummary)",
      method: "POST",
      url: () => `${api}/upscale_tasks`,
      headers: (s) => HEADERS(s, true),
      json: (s) => ({
        ...JOB_REQUEST,
        parameters: { temporal_extent: ["2023-05-01", "2023-09-30"] },
        dimension: { name: "spatial_extent", values: s.tiles },
      }),
      status: [201],
      shape: { props: TASK_SUMMARY },
      keep: (body, s) => s.task = (body as { id: number }).id,
    },
    {
      call: "get_upscale_task_upscale_tasks_task_id_get.sync (-> UpscalingTask)",
      method: "GET",
      url: (s) => `${api}/upscale_tasks/${s.task}`,
      headers: (s) => HEADERS(s),
      status: [200],
      shape: TASK,
    },
    {
      call: "get_jobs_status_jobs_status_get.sync (filter repeated -> JobsStatusResponse)",
      method: "GET",
      url: () => `${api}/jobs_status?filter=upscaling&filter=processing`,
      headers: (s) => HEADERS(s),
      status: [200],
      shape: {
        props: {
          upscaling_tasks: { arrayOf: { props: TASK_SUMMARY }, min: 1 },
          processing_jobs: { arrayOf: { props: JOB_SUMMARY }, min: 1 },
        },
      },
    },
    {
      // The client parses 201 here; the server passes openEO's 200 through (issue 11, item 4),
      // so the generated client returns the raw answer with `parsed` None.
      call: "create_sync_job_sync_jobs_post.sync_detailed",
      method: "POST",
      url: () => `${api}/sync_jobs`,
      headers: (s) => HEADERS(s, true),
      json: () => JOB_REQUEST,
      status: [200],
    },
    {
      call: "delete_job_unit_jobs_job_id_delete.sync",
      method: "DELETE",
      url: (s) => `${api}/unit_jobs/${s.job}`,
      headers: (s) => HEADERS(s),
      status: [200],
    },
    {
      call: "get_job_unit_jobs_job_id_get.sync after the delete (-> ErrorResponse)",
      method: "GET",
      url: (s) => `${api}/unit_jobs/${s.job}`,
      headers: (s) => HEADERS(s),
      status: [404],
      shape: { props: { error_code: { enum: ["JOB_NOT_FOUND"] }, message: "string" } },
    },
    {
      call: "get_upscale_task_upscale_tasks_task_id_get.sync of an unknown task",
      method: "GET",
      url: () => `${api}/upscale_tasks/999999`,
      headers: (s) => HEADERS(s),
      status: [404],
      shape: ERROR,
    },
    {
      call: "create_unit_job_unit_jobs_post.sync with a bad body (-> HTTPValidationError)",
      method: "POST",
      url: () => `${api}/unit_jobs`,
      headers: (s) => HEADERS(s, true),
      json: () => ({ ...JOB_REQUEST, format: "png" }),
      status: [422],
      shape: VALIDATION_ERROR,
    },
  ], state);
});
