/**
 * sen2cli (Sen2Cube-at/sen2cli, with requests-oauthlib and jsonapi-client 0.9.9) against the
 * twin: `session login`, `inference create`, `inference ls` with filters, paging and sorting,
 * `abort`, `rerun` and `delete`, in the order sen2cli makes the calls and with its headers and
 * URL forms; each answer is checked against what jsonapi-client and sen2cli read from it.
 */
import { sandbox } from "../helpers.ts";
import { nullable, replay, requote, type Shape, type State, type Step } from "./replay.ts";

/** The attributes sen2cli prints (`inference/util.py` DEFAULT_COLUMNS) must all be there. */
const COLUMNS = [
  "factbase_id",
  "favourite",
  "knowledgebase_id",
  "owner",
  "qgis_project_location",
  "output",
  "status",
  "status_message",
  "status_progress",
  "status_timestamp",
  "temp_range_end",
  "temp_range_start",
  "timestamp_created",
  "timestamp_finished",
  "timestamp_started",
];
/** sen2cli's INFERENCE_SCHEMA, which jsonapi-client validates created resources against. */
const SCHEMA_TYPES: Record<string, Shape> = {
  owner: "string",
  timestamp_created: nullable("string"),
  timestamp_started: nullable("string"),
  timestamp_finished: nullable("string"),
  status: nullable("string"),
  status_message: nullable("string"),
  temp_range_start: "string",
  temp_range_end: "string",
  area_of_interest: "string",
  qgis_project_location: nullable("string"),
  comment: "string",
  output_scale_factor: "integer",
  favourite: "boolean",
};
const INFERENCE: Shape = {
  props: {
    id: "any",
    type: { enum: ["inference"] },
    attributes: {
      props: Object.fromEntries(COLUMNS.map((c) => [c, SCHEMA_TYPES[c] ?? "any"])),
      optional: SCHEMA_TYPES,
    },
    links: { props: { self: "string" } },
  },
  optional: { relationships: { mapOf: { props: {}, optional: { links: { mapOf: "string" } } } } },
};
/** A new inference, as the created resource jsonapi-client validates: `output` is a list. */
const CREATED: Shape = {
  props: {
    data: {
      props: {
        id: "any",
        type: { enum: ["inference"] },
        attributes: {
          props: {
            ...Object.fromEntries(COLUMNS.map((c) => [c, SCHEMA_TYPES[c] ?? "any"])),
            output: { arrayOf: "string" },
            status: { enum: ["CREATED"] },
            // As sen2cli's README transcript of the service shows for the same command.
            status_message: { enum: ["Inference sucessfully created"] },
            temp_range_start: { enum: ["2020-03-01T00:00:00+00:00"] },
            temp_range_end: { enum: ["2020-08-01T23:59:59.999000+00:00"] },
            timestamp_created: { match: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/ },
            status_progress: "null",
          },
          optional: SCHEMA_TYPES,
        },
        links: { props: { self: "string" } },
      },
    },
  },
};
const LIST: Shape = {
  props: {
    data: { arrayOf: INFERENCE },
    meta: { props: { count: "integer" } },
    links: { props: { self: "string" }, optional: { next: "string", first: "string" } },
  },
};
const one = (status: string): Shape => ({
  props: {
    data: {
      props: {
        id: "any",
        type: { enum: ["inference"] },
        attributes: { props: { status: { enum: [status] } } },
      },
    },
  },
});

/** requests' defaults plus the bearer header sen2cli builds from the token. */
const HEADERS = (s: State, extra: Record<string, string> = {}) => ({
  "user-agent": "sen2cli 0.3.0 (python-requests/2.31.0)",
  "accept-encoding": "gzip, deflate",
  accept: "*/*",
  authorization: `${s.tokenType} ${s.token}`,
  ...extra,
});
/** jsonapi-client's writes: its content type over the session's headers. */
const WRITE = (s: State) => HEADERS(s, { "content-type": "application/vnd.api+json" });
/** sen2cli's `filter_string_from_parameter`, joined into jsonapi-client's `filter=[...]`. */
const byId = (id: unknown) => `filter=[{"name":"id", "op": "in", "val": [${id}]}]`;

Deno.test("conformance: sen2cli's session and inference commands, as jsonapi-client reads the answers", async () => {
  await using sb = await sandbox();
  const api = `${sb.url}/sen2cube/v1`;
  const auth = `${sb.url}/auth/realms/sen2cube-at/protocol/openid-connect`;
  const aoi = JSON.stringify({
    type: "FeatureCollection",
    features: [{
      type: "Feature",
      properties: { name: "Area-of-interest 00" },
      geometry: {
        type: "Polygon",
        coordinates: [[[14.07, 47.77], [14.07, 47.86], [14.23, 47.86], [14.23, 47.77], [
          14.07,
          47.77,
        ]]],
      },
    }],
  });
  const create = (n: number): Step => ({
    call: `inference create #${n} (create.py: session.create + commit -> POST)`,
    method: "POST",
    url: () => `${api}/inference`,
    headers: (s) => ({
      authorization: `${s.tokenType} ${s.token}`,
      "content-type": "application/vnd.api+json",
    }),
    json: (s) => ({
      data: {
        type: "inference",
        attributes: {
          owner: s.user,
          "timestamp-created": null,
          "timestamp-started": null,
          "timestamp-finished": null,
          status: null,
          output: [],
          favourite: false,
          comment: "Created by sen2cli",
          status_message: null,
          temp_range_start: "2020-03-01T00:00:00.000Z",
          temp_range_end: "2020-08-01T23:59:59.999Z",
          area_of_interest: aoi,
          output_scale_factor: 1,
        },
        relationships: {
          knowledgebase: { data: { id: 218, type: "knowledgebase" } },
          factbase: { data: { id: 1, type: "factbase" } },
        },
      },
    }),
    status: [200, 201, 202, 204],
    shape: CREATED,
    keep: (body, s) => {
      const data = (body as { data: { id: unknown } }).data;
      (s.ids as unknown[]).push(data.id);
    },
  });
  /** update.py and delete.py first fetch the inferences their filter names, then act on each. */
  const fetchFor = (what: string, id: (s: State) => unknown): Step => ({
    call: `inference ${what}: the filtered GET`,
    method: "GET",
    url: (s) => requote(`${api}/inference?${byId(id(s))}`),
    headers: (s) => HEADERS(s),
    status: [200],
    shape: LIST,
    keep: (body, s) =>
      s.self = (body as { data: Array<{ links: { self: string } }> }).data[0].links.self,
  });
  /** jsonapi-client's Link.url: an absolute href as it is, a root-relative one on the server. */
  const at = (s: State) =>
    /^https?:/.test(String(s.self)) ? String(s.self) : `${new URL(sb.url).origin}${s.self}`;
  const patch = (status: string): Step => ({
    call: `inference status -> ${status} (update.py: resource.commit -> PATCH links.self)`,
    method: "PATCH",
    url: at,
    headers: WRITE,
    json: (s) => ({
      data: { type: "inference", id: s.first, attributes: { status }, relationships: {} },
    }),
    status: [200, 201, 202, 204],
    shape: one(status),
  });
  await replay([
    {
      call: "session login (requests-oauthlib LegacyApplicationClient.fetch_token)",
      method: "POST",
      url: () => `${auth}/token`,
      headers: () => ({
        accept: "application/json",
        "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
      }),
      form: () => ({
        grant_type: "password",
        username: "demo",
        password: "demo",
        client_id: "iq-web-client",
      }),
      status: [200],
      shape: {
        props: {
          access_token: "string",
          token_type: { match: /^bearer$/i },
          expires_in: "integer",
          refresh_token: "string",
          refresh_expires_in: "integer",
        },
      },
      keep: (body, s) => {
        const t = body as { access_token: string; token_type: string };
        [s.token, s.tokenType, s.ids] = [t.access_token, t.token_type, []];
      },
    },
    {
      call: "get_user_info (oauth_util.py: GET userinfo)",
      method: "GET",
      url: () => `${auth}/userinfo`,
      headers: (s) => HEADERS(s),
      status: [200],
      shape: { props: { sub: "string", preferred_username: "string" } },
      keep: (body, s) => s.user = (body as { preferred_username: string }).preferred_username,
    },
    create(1),
    create(2),
    {
      call: "inference ls --id (get.py: filter, page[size], page[number])",
      method: "GET",
      url: (s) =>
        requote(`${api}/inference?${byId((s.ids as unknown[])[0])}&page[size]=30&page[number]=1`),
      headers: (s) => HEADERS(s),
      status: [200],
      shape: LIST,
      keep: (body, s) => {
        const list = body as { data: Array<{ id: unknown }>; meta: { count: number } };
        if (list.meta.count !== 1 || list.data[0].id !== (s.ids as unknown[])[0]) {
          throw new Error(`the id filter found ${JSON.stringify(list.data.map((d) => d.id))}`);
        }
        s.first = list.data[0].id;
      },
    },
    {
      call: "inference ls with a page size of 1 (first page)",
      method: "GET",
      url: () => requote(`${api}/inference?page[size]=1&page[number]=1`),
      headers: (s) => HEADERS(s),
      status: [200],
      shape: {
        props: {
          ...(LIST as { props: Record<string, Shape> }).props,
          links: { props: { next: "string" } },
        },
      },
      keep: (body, s) => s.next = (body as { links: { next: string } }).links.next,
    },
    {
      call: "inference ls --page-fetch-follows (links.next.fetch())",
      method: "GET",
      url: (s) =>
        /^https?:/.test(String(s.next)) ? String(s.next) : `${new URL(sb.url).origin}${s.next}`,
      headers: (s) => HEADERS(s),
      status: [200],
      shape: LIST,
    },
    {
      call: "inference ls --status --sort=status,-id",
      method: "GET",
      url: () =>
        requote(
          `${api}/inference?filter=[{"name":"status", "op": "in", "val": ["CREATED","SCHEDULED"]}]&sort=status,-id&page[size]=30&page[number]=1`,
        ),
      headers: (s) => HEADERS(s),
      status: [200],
      shape: LIST,
    },
    fetchFor("abort", (s) => s.first),
    patch("ABORTED"),
    fetchFor("rerun", (s) => s.first),
    patch("CREATED"),
    fetchFor("abort", (s) => s.first),
    patch("ABORTED"),
    fetchFor("delete", (s) => s.first),
    {
      call: "inference delete (delete.py: resource.delete + commit -> DELETE links.self)",
      method: "DELETE",
      url: at,
      headers: WRITE,
      json: () => ({}),
      status: [200, 201, 202, 204],
      shape: { props: { meta: { props: { message: "string" } } } },
    },
    {
      call: "inference ls --id of the deleted inference",
      method: "GET",
      url: (s) => requote(`${api}/inference?${byId(s.first)}&page[size]=30&page[number]=1`),
      headers: (s) => HEADERS(s),
      status: [200],
      shape: { props: { data: { arrayOf: INFERENCE }, meta: { props: { count: { enum: [0] } } } } },
    },
  ]);
});
