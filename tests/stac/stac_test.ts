import assert from "node:assert/strict";
import { dirname, resolve } from "node:path";
import { clientCredentials } from "../../lib/auth/grants.ts";
import { OidcSession } from "../../lib/auth/session.ts";
import { writeRunData } from "../../lib/stac/run_data.ts";
import { fileFacts } from "../../lib/stac/build.ts";
import { PublishError, publishStac } from "../../lib/stac/publish.ts";
import type { Sandbox } from "../../lib/sandbox/server.ts";
import {
  type ObjectStoreTwin,
  PUBLISHER_CLIENT,
  type StacTwin,
} from "../../lib/sandbox/stac/twin.ts";
import { tempDir } from "../helpers.ts";
import { pvResult, rasterSandbox } from "../raster/helpers.ts";
import { stacErrors } from "./validate.ts";

type Json = Record<string, unknown>;

/** A run of three finished tiles (two UTM zones), written as data into `dir`. */
async function run(dir: string) {
  const { sb, clock } = await rasterSandbox();
  const areas: Array<[number, number, number, number]> = [
    [17.90, 48.00, 17.95, 48.03],
    [17.95, 48.00, 17.999, 48.03],
    [18.001, 48.00, 18.05, 48.03],
  ];
  const tiles = [];
  for (const [i, a] of areas.entries()) {
    const key = `tile-${i + 1}`;
    const href = await pvResult(sb, clock, a, `${dir}/${key}/openEO.tif`);
    tiles.push({
      key,
      path: `${dir}/${key}/openEO.tif`,
      jobId: String(i + 1),
      jobUrl: `${sb.url}/apex/unit_jobs/${i + 1}`,
      platform: "APEx Dispatch API",
      durationSeconds: 60 + i,
      cost: 2.5,
      costUnit: "credits",
      ...(i === 0 ? { permanentHref: href } : {}),
    });
  }
  const data = await writeRunData({
    folder: dir,
    id: "pv-run-1",
    title: "PV farms",
    tiles,
    interval: ["2023-05-01", "2023-09-30"],
    providers: [{ name: "ESA APEx", roles: ["processor", "host"] }],
    license: "CC-BY-4.0",
    synthetic: true,
  });
  return { sb, data };
}

/** Publishing to the sandbox's catalogue and store, signed in as the publisher. */
function publishing(sb: Sandbox) {
  const session = publisher(sb);
  return {
    catalog: `${sb.url}/stac/`,
    auth: session,
    store: { url: `${sb.url}/store/`, auth: session },
  };
}

function publisher(sb: Sandbox) {
  return new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: PUBLISHER_CLIENT.id,
    clientSecret: PUBLISHER_CLIENT.secret,
    signIn: clientCredentials(),
    cache: false,
  });
}

Deno.test("stac: a run's Collection and Items are valid STAC with working relative links", async () => {
  await using dir = await tempDir();
  const { sb, data } = await run(dir.path);
  await using _ = sb;
  assert.equal(data.items, 3);
  const collectionPath = data.collection!;
  const collection = JSON.parse(await Deno.readTextFile(collectionPath)) as Json;
  assert.deepEqual(stacErrors(collection), []);
  assert.deepEqual((collection.summaries as Json)["proj:code"], ["EPSG:32633", "EPSG:32634"]);
  assert.equal(collection["eojobs:synthetic"], "synthetic data (eojobs sandbox)");
  const mosaic = (collection.assets as Record<string, Json>).mosaic;
  assert.equal(mosaic["proj:code"], data.mosaic!.crs);
  assert.deepEqual(mosaic["proj:shape"], [data.mosaic!.height, data.mosaic!.width]);
  const folder = dirname(collectionPath);
  const items = (collection.links as Json[]).filter((l) => l.rel === "item");
  assert.equal(items.length, 3);
  for (const link of items) {
    assert.ok(!/^[a-z]+:/.test(String(link.href)), "relative");
    const itemPath = resolve(folder, String(link.href));
    const item = JSON.parse(await Deno.readTextFile(itemPath)) as Json;
    assert.deepEqual(stacErrors(item), [], String(item.id));
    const p = item.properties as Json;
    assert.match(String(p["proj:code"]), /^EPSG:3263[34]$/);
    assert.equal((p["proj:transform"] as number[])[0], 10);
    assert.equal(p.start_datetime, "2023-05-01T00:00:00Z");
    assert.equal(p["eojobs:cost"], 2.5);
    const via = (item.links as Json[]).find((l) => l.rel === "via")!;
    assert.match(String(via.href), /\/apex\/unit_jobs\/\d$/);
    for (const l of (item.links as Json[]).filter((l) => l.rel !== "via")) {
      assert.equal(resolve(dirname(itemPath), String(l.href)), collectionPath);
    }
    const asset = (item.assets as Record<string, Json>).data;
    const file = resolve(dirname(itemPath), String(asset.href));
    const facts = await fileFacts(file);
    assert.equal(asset["file:size"], facts.size);
    assert.equal(asset["file:checksum"], facts.checksum);
    assert.deepEqual(asset["raster:bands"], [{ data_type: "uint8", nodata: 255 }]);
  }
  // A broken document is caught: the validator is no rubber stamp.
  assert.notDeepEqual(stacErrors({ ...collection, extent: { spatial: {} } }), []);
});

Deno.test("stac: publishing twice gives the same catalogue; an interrupted publish resumes", async () => {
  await using dir = await tempDir();
  const { sb, data } = await run(dir.path);
  await using _ = sb;
  const options = publishing(sb);
  const controller = new AbortController();
  await assert.rejects(
    publishStac(data.collection!, {
      ...options,
      signal: controller.signal,
      onProgress: (done) => done === 2 && controller.abort(new Error("interrupted")),
    }),
    /interrupted/,
  );
  const twin = sb.twin<StacTwin>("/stac");
  assert.equal(twin.items.get("pv-run-1")!.size, 1, "stopped after the collection and one item");
  const first = await publishStac(data.collection!, options);
  assert.equal(first.collection, "updated");
  assert.deepEqual(first.items, { created: 2, updated: 1 });
  const before = structuredClone([...twin.items.get("pv-run-1")!.values()]);
  const store = sb.twin<ObjectStoreTwin>("/store");
  const objects = store.objects.size;
  const again = await publishStac(data.collection!, options);
  assert.deepEqual(again.items, { created: 0, updated: 3 });
  assert.equal(again.uploaded, 0, "files the store holds are not sent again");
  assert.equal(store.objects.size, objects);
  assert.deepEqual([...twin.items.get("pv-run-1")!.values()], before, "the same catalogue");
  assert.equal(twin.collections.size, 1);
  // Assets point at permanent URLs: the platform's where it lasts, else the uploaded file.
  const [t1, t2] = before.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const href = (i: Json) => String(((i.assets as Json).data as Json).href);
  assert.match(href(t1), /\/apex\/assets\/1-[0-9a-f]+\/openEO\.tif$/, "the platform's own URL");
  assert.equal(href(t2), `${sb.url}/store/pv-run-1/tile-2/openEO.tif`);
  const served = await fetch(href(t2));
  assert.equal(
    (await served.arrayBuffer()).byteLength,
    (await Deno.stat(`${dir.path}/tile-2/openEO.tif`)).size,
  );

  // Searched back as pystac-client does: the landing page's conformance, then POST /search pages.
  const landing = await (await fetch(`${sb.url}/stac/`)).json();
  assert.ok(landing.conformsTo.includes("https://api.stacspec.org/v1.0.0/item-search"));
  const search = (landing.links as Json[]).find((l) => l.rel === "search" && l.method === "POST")!;
  let body: Json | undefined = {
    collections: ["pv-run-1"],
    bbox: [17.9, 47.9, 18.1, 48.1],
    limit: 2,
  };
  let url = String(search.href);
  const found: string[] = [];
  while (body) {
    const page: Json = await (await fetch(url, { method: "POST", body: JSON.stringify(body) }))
      .json();
    found.push(...(page.features as Json[]).map((f) => String(f.id)));
    const next: Json | undefined = (page.links as Json[]).find((l) => l.rel === "next");
    body = next
      ? {
        collections: ["pv-run-1"],
        limit: 2,
        token: new URL(String(next.href)).searchParams.get("token"),
      }
      : undefined;
    url = String(search.href);
  }
  assert.deepEqual(found.sort(), ["pv-run-1-tile-1", "pv-run-1-tile-2", "pv-run-1-tile-3"]);
  const outside = await (await fetch(`${sb.url}/stac/search?bbox=0,0,1,1`)).json();
  assert.equal(outside.features.length, 0);
});

Deno.test("stac: a catalogue or store that refuses is one line naming the document and the fix", async () => {
  await using dir = await tempDir();
  const { sb, data } = await run(dir.path);
  await using _ = sb;
  const session = publisher(sb);
  await assert.rejects(
    publishStac(data.collection!, {
      catalog: `${sb.url}/stac/`,
      store: { url: `${sb.url}/store/`, auth: session },
    }),
    (e: PublishError) =>
      e instanceof PublishError && e.status === 401 && e.document === "collection pv-run-1" &&
      /collection pv-run-1: the catalogue answered 401 .*; sign in again/.test(e.message),
  );
  await assert.rejects(
    publishStac(data.collection!, { catalog: `${sb.url}/stac/`, auth: session }),
    /collection pv-run-1 asset mosaic: the asset \.\.\/mosaic\.tif is a local file with no permanent URL; name an object store/,
  );
  await assert.rejects(
    publishStac(data.collection!, {
      catalog: `${sb.url}/stac/`,
      auth: session,
      store: { url: `${sb.url}/store/` },
    }),
    /asset data: upload of \.\.\/\.\.\/tile-2\/openEO\.tif: the store answered 403 .*token may not write to this store/,
  );
  const itemPath = `${dir.path}/stac/items/pv-run-1-tile-3.json`;
  const item = JSON.parse(await Deno.readTextFile(itemPath));
  delete item.geometry;
  await Deno.writeTextFile(itemPath, JSON.stringify(item));
  await assert.rejects(
    publishStac(data.collection!, {
      catalog: `${sb.url}/stac/`,
      auth: session,
      store: { url: `${sb.url}/store/`, auth: session },
    }),
    (e: PublishError) =>
      e.status === 400 && e.document === "item pv-run-1-tile-3" &&
      /item pv-run-1-tile-3: the catalogue answered 400 .*validate it against the STAC schemas/
        .test(e.message),
  );
});

Deno.test("stac: a catalogue that refuses an update (409) or a document (422) names it and the fix", async () => {
  await using dir = await tempDir();
  const { sb, data } = await run(dir.path);
  await using _ = sb;
  const options = publishing(sb);
  await publishStac(data.collection!, options);
  // The twin takes updates; a catalogue that does not answers PUT with 409, another validates
  // with 422 (FastAPI's own status) instead of stac-fastapi's 400.
  const answering = (status: number, body: Json): typeof fetch => async (input, init) => {
    const request = new Request(input, init);
    const answer = await fetch(request);
    if (request.method !== "PUT" || !request.url.includes("/items/")) return answer;
    await answer.body?.cancel();
    return Response.json(body, { status });
  };
  await assert.rejects(
    publishStac(data.collection!, {
      ...options,
      fetch: answering(409, { code: "ConflictError", description: "Item exists and is locked" }),
    }),
    (e: PublishError) =>
      e.status === 409 && /^item pv-run-1-tile-\d$/.test(e.document) &&
      /the catalogue answered 409 \(.*\); it exists and could not be updated; delete it in the catalogue or choose another id/
        .test(e.message),
  );
  await assert.rejects(
    publishStac(data.collection!, {
      ...options,
      fetch: answering(422, { detail: [{ loc: ["body", "bbox"], msg: "Field required" }] }),
    }),
    (e: PublishError) => e.status === 422 && /validate it against the STAC schemas/.test(e.message),
  );
});
