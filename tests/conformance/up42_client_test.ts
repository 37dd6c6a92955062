/**
 * up42-py 3.x with pystac-client against the twin: sign-in (`http/oauth.py`), the workspace from
 * the user info (`base.py`), a processing job from template to captured (`processing.py`:
 * process, EULA, validation, cost, execution, tracking, listing), its results through
 * pystac-client (landing page, collection, CQL2 search) and a STAC asset's signed download
 * (`asset.py`), in the SDK's order and with its headers; each answer is checked against what the
 * SDK and pystac read from it.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../../lib/time/clock.ts";
import { sandbox } from "../helpers.ts";
import { nullable, replay, type Shape, type State, type Step } from "./replay.ts";

const PROCESS = "pansharpening";
const TERMINAL = ["captured", "released", "invalid", "rejected", "unlicensed"];
/** `Job.from_metadata` pops these keys; the times go through `fromisoformat(value[:23])`. */
const TIME: Shape = { match: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}/ };
const JOB: Shape = {
  props: {
    processID: "string",
    jobID: "string",
    accountID: "string",
    workspaceID: nullable("string"),
    definition: { mapOf: "any" },
    status: {
      enum: [
        "created",
        "licensed",
        "unlicensed",
        "valid",
        "invalid",
        "accepted",
        "rejected",
        "running",
        "successful",
        "failed",
        "captured",
        "released",
      ],
    },
    created: TIME,
    started: nullable(TIME),
    finished: nullable(TIME),
    updated: TIME,
  },
  optional: {
    results: nullable({
      props: {},
      optional: {
        collection: nullable("string"),
        errors: nullable({ arrayOf: { props: { name: "string", message: "string" } } }),
      },
    }),
    creditConsumption: nullable({ props: {}, optional: { credits: "integer" } }),
  },
};
const LINK: Shape = { props: { rel: "string", href: "string" } };
/** pystac's Collection.from_dict. */
const COLLECTION: Shape = {
  props: {
    type: { enum: ["Collection"] },
    stac_version: "string",
    id: "string",
    description: "string",
    license: "string",
    extent: {
      props: {
        spatial: { props: { bbox: { arrayOf: { arrayOf: "number", min: 4 }, min: 1 } } },
        temporal: { props: { interval: { arrayOf: { arrayOf: nullable("string") }, min: 1 } } },
      },
    },
    links: { arrayOf: LINK },
  },
};
/** pystac's Item.from_dict, with the UP42 properties up42-py's stac module reads. */
const ITEM: Shape = {
  props: {
    type: { enum: ["Feature"] },
    stac_version: "string",
    id: "string",
    geometry: { props: { type: "string", coordinates: "any" } },
    bbox: { arrayOf: "number", min: 4 },
    properties: {
      props: { datetime: nullable("string"), "up42-system:job_id": "string" },
      optional: { "up42-system:asset_id": "string", "up42-user:title": "string" },
    },
    links: { arrayOf: LINK },
    assets: { mapOf: { props: { href: "string" }, optional: { type: "string", title: "string" } } },
  },
};

/** The SDK's session headers (`http/session.py`) and its bearer token (`Up42Auth`). */
const HEADERS = (s: State): Record<string, string> => ({
  "content-type": "application/json",
  "cache-control": "no-cache",
  "user-agent": "up42-py/3.1.0 (https://github.com/up42/up42-py)",
  authorization: `Bearer ${s.token}`,
});

Deno.test("conformance: up42-py and pystac-client from sign-in to a downloaded result", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const api = `${sb.url}/up42`;
  const stac = `${api}/v2/assets/stac`;
  const auth = `${sb.url}/auth/realms/public/protocol/openid-connect`;
  const inputs = (s: State) => ({ inputs: { title: "Pansharpened Oxford", item: s.item } });
  const track: Step = {
    call: "Job.track -> Job.get (GET /v2/processing/jobs/{id})",
    method: "GET",
    url: (s) => `${api}/v2/processing/jobs/${s.job}`,
    headers: HEADERS,
    before: () => clock.advance(20_000),
    status: [200],
    shape: JOB,
    keep: (body, s) => {
      const job = body as { status: string; results?: { collection?: string } };
      s.status = job.status;
      s.collection = job.results?.collection?.split("/").at(-1);
    },
  };
  const state = await replay([
    {
      call: "AccountTokenRetriever (password grant, client up42-sdk, an e-mail address)",
      method: "POST",
      url: () => `${auth}/token`,
      headers: () => ({ "content-type": "application/x-www-form-urlencoded" }),
      form: () => ({
        grant_type: "password",
        username: "demo@example.com",
        password: "demo",
        client_id: "up42-sdk",
      }),
      status: [200],
      shape: { props: { access_token: "string", expires_in: "integer" } },
      keep: (body, s) => s.token = (body as { access_token: string }).access_token,
    },
    {
      call: "workspace.authenticate: user info, whose `sub` is the workspace id",
      method: "GET",
      url: () => `${auth}/userinfo`,
      headers: HEADERS,
      status: [200],
      shape: { props: { sub: "string" } },
      keep: (body, s) => s.workspace = (body as { sub: string }).sub,
    },
    {
      call: "pystac-client Client.open(/v2/assets/stac/): the landing page",
      method: "GET",
      url: () => `${stac}/`,
      headers: HEADERS,
      status: [200],
      shape: {
        props: {
          type: { enum: ["Catalog"] },
          id: "string",
          description: "string",
          stac_version: "string",
          conformsTo: { arrayOf: "string", min: 1 },
          links: { arrayOf: LINK, min: 1 },
        },
      },
      keep: (body, s) => {
        const landing = body as {
          conformsTo: string[];
          links: Array<{ rel: string; href: string }>;
        };
        for (const c of ["/collections", "/item-search", "/item-search#filter"]) {
          assert.ok(landing.conformsTo.some((x) => x.endsWith(c)), `conforms to ${c}`);
        }
        s.search = landing.links.find((l) => l.rel === "search")!.href;
        s.data = landing.links.find((l) => l.rel === "data")!.href;
      },
    },
    {
      call: "ItemSearch (POST search): a scene in storage to process",
      method: "POST",
      url: (s) => String(s.search),
      headers: HEADERS,
      json: () => ({ limit: 100 }),
      status: [200],
      shape: { props: { type: { enum: ["FeatureCollection"] }, features: "any" } },
      keep: (body, s) => {
        const features = (body as {
          features: Array<{ assets: Record<string, unknown>; links: Array<{ href: string }> }>;
        }).features;
        s.item = features.find((f) => "panchromatic.tiff" in f.assets)!.links[0].href;
      },
    },
    {
      call: "JobTemplate.__validate_process_exists (GET the process)",
      method: "GET",
      url: () => `${api}/v2/processing/processes/${PROCESS}`,
      headers: HEADERS,
      status: [200],
      shape: {
        props: {
          additionalParameters: {
            props: {
              parameters: { arrayOf: { props: { name: "string", value: { arrayOf: "any" } } } },
            },
          },
        },
      },
      keep: (body, s) => {
        const parameters = (body as {
          additionalParameters: { parameters: Array<{ name: string; value: unknown[] }> };
        }).additionalParameters.parameters;
        s.eula = parameters.find((p) => p.name === "eula-id")!.value[0];
      },
    },
    {
      call: "JobTemplate.__validate_eula (GET the EULA)",
      method: "GET",
      url: (s) => `${api}/v2/eulas/${s.eula}`,
      headers: HEADERS,
      status: [200],
      shape: { props: { isAccepted: { enum: [false] } } },
    },
    {
      // Not the SDK: the user accepts the EULA in the console, then runs the template again.
      call: "the console accepts the EULA",
      method: "PATCH",
      url: (s) => `${api}/v2/eulas/${s.eula}`,
      headers: HEADERS,
      json: () => ({ isAccepted: true }),
      status: [200],
    },
    {
      call: "JobTemplate.__validate_eula, again",
      method: "GET",
      url: (s) => `${api}/v2/eulas/${s.eula}`,
      headers: HEADERS,
      status: [200],
      shape: { props: { isAccepted: { enum: [true] } } },
    },
    {
      call: "JobTemplate.__validate_inputs (POST validation: 200 when valid)",
      method: "POST",
      url: () => `${api}/v2/processing/processes/${PROCESS}/validation`,
      headers: HEADERS,
      json: inputs,
      status: [200],
    },
    {
      call: "JobTemplate.__validate_inputs with no item (400 -> schema-error)",
      method: "POST",
      url: () => `${api}/v2/processing/processes/${PROCESS}/validation`,
      headers: HEADERS,
      json: () => ({ inputs: { title: "no item" } }),
      status: [400],
      shape: { props: { "schema-error": "string", title: "string", status: { enum: [400] } } },
    },
    {
      call: "JobTemplate.__evaluate (POST cost)",
      method: "POST",
      url: () => `${api}/v2/processing/processes/${PROCESS}/cost`,
      headers: HEADERS,
      json: inputs,
      status: [200],
      shape: {
        props: { pricingStrategy: "string", totalCredits: "integer" },
        optional: { totalSize: "number", unit: "string" },
      },
    },
    {
      call: "JobTemplate.execute (POST execution?workspaceId=) -> Job.from_metadata",
      method: "POST",
      url: (s) => `${api}/v2/processing/processes/${PROCESS}/execution?workspaceId=${s.workspace}`,
      headers: HEADERS,
      json: inputs,
      status: [200, 201, 202],
      shape: JOB,
      keep: (body, s) => s.job = (body as { jobID: string }).jobID,
    },
    ...Array.from({ length: 12 }, () => track),
  ]);
  assert.ok(TERMINAL.includes(String(state.status)), `the job ended: ${state.status}`);
  assert.equal(state.status, "captured");
  await replay([
    {
      call: "Job.all (GET jobs: workspaceId, processId, status, sort) -> Job.from_metadata",
      method: "GET",
      url: (s) =>
        `${api}/v2/processing/jobs?workspaceId=${s.workspace}&processId=${PROCESS}&status=captured&sort=created%2Cdesc`,
      headers: HEADERS,
      status: [200],
      shape: { props: { jobs: { arrayOf: JOB, min: 1 }, links: { arrayOf: LINK } } },
    },
    {
      call: "Job.collection -> pystac-client get_collection (the data link + /{id})",
      method: "GET",
      url: (s) => `${String(s.data).replace(/\/$/, "")}/${s.collection}`,
      headers: HEADERS,
      status: [200],
      shape: COLLECTION,
    },
    {
      call: "pystac-client search with a CQL2 JSON filter on the job id",
      method: "POST",
      url: (s) => String(s.search),
      headers: HEADERS,
      json: (s) => ({
        filter: { op: "=", args: [{ property: "job_id" }, s.job] },
        "filter-lang": "cql2-json",
        limit: 100,
      }),
      status: [200],
      shape: {
        props: { type: { enum: ["FeatureCollection"] }, features: { arrayOf: ITEM, min: 1 } },
      },
      keep: (body, s) => {
        const item = (body as { features: Array<{ assets: Record<string, { href: string }> }> })
          .features[0];
        s.asset = Object.values(item.assets)[0].href.split("/").at(-1);
      },
    },
    {
      call: "Asset.get_stac_asset_url (POST download-url of href's last segment)",
      method: "POST",
      url: (s) => `${api}/v2/assets/${s.asset}/download-url`,
      headers: HEADERS,
      status: [200],
      shape: { props: { url: "string" } },
      keep: (body, s) => s.signed = (body as { url: string }).url,
    },
    {
      call: "download the signed URL (requests.get, no token)",
      method: "GET",
      url: (s) => String(s.signed),
      status: [200],
      keep: (_body, _s, response) => {
        assert.match(
          response.headers.get("content-disposition") ?? "",
          /filename="[^"]+\.tiff?"/,
          "the file's name comes with it",
        );
      },
    },
  ], state);
});
