import assert from "node:assert/strict";
import { unzipSync } from "../../lib/deps/fflate.ts";
import type { HttpError } from "../../lib/http/errors.ts";
import { connectSen2Cube } from "../../lib/platforms/sen2cube/mod.ts";
import { parseCsv } from "../../lib/plot/timeseries.ts";
import { readRaster } from "../../lib/plot/raster.ts";
import type { Sen2CubeTwin } from "../../lib/sandbox/sen2cube/twin.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { sandbox, tempDir } from "../helpers.ts";

const AOI = {
  type: "FeatureCollection",
  features: [
    {
      type: "Feature",
      properties: { name: "Parcel A" },
      geometry: {
        type: "Polygon",
        coordinates: [[[14.07, 47.77], [14.15, 47.77], [14.15, 47.86], [14.07, 47.86], [
          14.07,
          47.77,
        ]]],
      },
    },
    {
      type: "Feature",
      properties: { name: "Parcel B" },
      geometry: {
        type: "Polygon",
        coordinates: [[[14.16, 47.77], [14.23, 47.77], [14.23, 47.86], [14.16, 47.86], [
          14.16,
          47.77,
        ]]],
      },
    },
  ],
};
const REQUEST = {
  knowledgebase: 218,
  aoi: AOI,
  start: "2021-03-01T00:00:00Z",
  end: "2021-07-31T23:59:59Z",
  outputScaleFactor: 10,
};

Deno.test("sen2cube: token, user info, an inference to SUCCEEDED through an expiring token, outputs and files", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const s2c = connectSen2Cube({ sandbox: sb.url, clock });
  assert.equal((await s2c.user()).preferred_username, "demo");
  const inference = await s2c.createInference(REQUEST);
  assert.equal(
    sb.twin<Sen2CubeTwin>("/sen2cube").inferences.get(inference.id)!.attributes.owner,
    "demo",
    "owner filled from the token",
  );
  const states: string[] = [];
  for await (
    const s of inference.watch({
      intervalMs: 1,
      sleep: () => Promise.resolve(clock.advance(4_000)),
    })
  ) {
    if (states.at(-1) !== s.raw) states.push(s.raw);
    if (s.raw === "SCHEDULED") sb.oidc.expireTokens();
  }
  assert.deepEqual(states, ["CREATED", "SCHEDULED", "STARTED", "SUCCEEDED"], states.join());
  assert.ok(s2c.session.stats.refreshes >= 1, "the token was refreshed during the watch");
  const outputs = await inference.outputs();
  assert.deepEqual(outputs.map((o) => [o.name, o.file_type, o.vis_type]), [
    ["Cloud_free_composite", "geotiff", "composite"],
    ["cloud_percentage_aoi", "csv", "single_line_graph"],
    ["pre_event_mowing_cloudless", "csv", "multi_line_graph"],
  ]);
  assert.ok(
    outputs.every((o) => o.url.startsWith(`${sb.url}/sen2cube/demo/output/sen2cube/demo/`)),
  );
  const files = await inference.download(dir.path);
  const single = parseCsv(await Deno.readTextFile(files[1].path));
  assert.deepEqual(Object.keys(single[0]), ["time", "cloud_percentage_aoi"]);
  assert.equal(single[0].time, "2021-03-01");
  assert.ok(
    single.every((r) =>
      typeof r.cloud_percentage_aoi === "number" && r.cloud_percentage_aoi >= 0 &&
      r.cloud_percentage_aoi <= 100
    ),
  );
  const multi = parseCsv(await Deno.readTextFile(files[2].path));
  assert.deepEqual([...new Set(multi.map((r) => r.space))], ["Parcel A", "Parcel B"]);
  const composite = await readRaster(files[0].path, { bands: [0, 1, 2] });
  assert.equal(composite.bands?.length, 3);
  assert.deepEqual(composite.bbox.map((v) => Math.round(v * 100) / 100), [
    14.07,
    47.77,
    14.23,
    47.86,
  ]);
});

Deno.test("sen2cube: JSON:API paging to the last page, both filter forms, sorting, and error objects", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const s2c = connectSen2Cube({ sandbox: sb.url, clock });
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await s2c.createInference({ ...REQUEST, comment: `run ${i}` })).id);
  }
  const first = await s2c.api.page("inference", { pageSize: 2 });
  assert.equal(first.meta?.count, 5);
  assert.equal(first.jsonapi?.version, "1.0");
  assert.match(first.links!.last, /page%5Bnumber%5D=3/);
  assert.match(first.links!.next, /page%5Bnumber%5D=2/);
  const all = [];
  for await (const r of s2c.inferences({ pageSize: 2 })) all.push(Number(r.id));
  assert.deepEqual(all, ids);
  const last = await s2c.api.page("inference", { pageSize: 2 }, 3);
  assert.equal(last.data.length, 1);
  assert.equal(last.links!.next, undefined);

  const sorted = [];
  for await (
    const r of s2c.inferences({
      sort: ["-id"],
      filter: [{ name: "id", op: "in_", val: ids.slice(1, 4) }],
    })
  ) sorted.push(Number(r.id));
  assert.deepEqual(sorted, ids.slice(1, 4).reverse());
  const either = [];
  for await (
    const r of s2c.inferences({
      filter: [{
        or: [{ name: "comment", op: "eq", val: "run 0" }, {
          name: "comment",
          op: "like",
          val: "%4",
        }],
      }],
    })
  ) {
    either.push(r.attributes.comment);
  }
  assert.deepEqual(either, ["run 0", "run 4"]);
  const created = [];
  for await (const r of s2c.inferences({ where: { status: "CREATED" } })) created.push(r.id);
  assert.equal(created.length, 5);
  clock.advance(3_600_000);
  const none = [];
  for await (const r of s2c.inferences({ where: { status: "CREATED" } })) none.push(r.id);
  assert.equal(none.length, 0);

  const kbs = [];
  for await (const kb of s2c.knowledgebases({ pageSize: 2 })) kbs.push(kb.attributes.title);
  assert.equal(kbs.length, 3);

  for (
    const [query, detail] of [
      ["filter=%5Bnot%20json", /Parse error/],
      [
        `filter=${encodeURIComponent('[{"name":"colour","op":"eq","val":1}]')}`,
        /InferenceSchema has no attribute colour/,
      ],
      [
        `filter=${encodeURIComponent('[{"name":"status","op":"approx","val":1}]')}`,
        /status has no operator approx/,
      ],
      ["filter%5Bcolour%5D=red", /has no attribute colour/],
    ] as const
  ) {
    await assert.rejects(s2c.api.http.json(`inference?${query}`), (e: HttpError) => {
      const error = (e.body as { errors: Array<Record<string, unknown>> }).errors[0];
      assert.equal(e.status, 400);
      assert.equal(error.title, "Invalid filters querystring parameter.");
      assert.equal(error.source, undefined, "flask-rest-jsonapi drops source on filter errors");
      assert.match(String(error.detail), detail);
      return true;
    });
  }
  await assert.rejects(
    s2c.api.http.json("inference?sort=-colour"),
    (e: HttpError) => e.status === 400 && /sort/.test(e.message),
  );
  const anonymous = await fetch(`${sb.url}/sen2cube/v1/inference`);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).errors[0].status, "401");
});

Deno.test("sen2cube: bad inferences are refused with a pointer to the field; owner is kept as sent", async () => {
  await using sb = await sandbox();
  const s2c = connectSen2Cube({ sandbox: sb.url });
  const token = await s2c.session.getToken();
  const post = async (data: unknown) => {
    const r = await fetch(`${sb.url}/sen2cube/v1/inference`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/vnd.api+json" },
      body: JSON.stringify({ data }),
    });
    return { status: r.status, body: await r.json() };
  };
  const base = {
    type: "inference",
    attributes: {
      temp_range_start: "2021-03-01T00:00:00Z",
      temp_range_end: "2021-07-31T00:00:00Z",
      area_of_interest: JSON.stringify(AOI),
    },
    relationships: {
      knowledgebase: { data: { type: "knowledgebase", id: "218" } },
      factbase: { data: { type: "factbase", id: "1" } },
    },
  };
  const wrongType = await post({ ...base, type: "inferences" });
  assert.equal(wrongType.status, 409);
  const backwards = await post({
    ...base,
    attributes: { ...base.attributes, temp_range_end: "2020-01-01T00:00:00Z" },
  });
  assert.equal(backwards.status, 422);
  assert.deepEqual(backwards.body.errors[0].source, { pointer: "/data/attributes/temp_range_end" });
  const notGeoJson = await post({
    ...base,
    attributes: { ...base.attributes, area_of_interest: "{" },
  });
  assert.deepEqual(notGeoJson.body.errors[0].source, {
    pointer: "/data/attributes/area_of_interest",
  });
  const unknownKb = await post({
    ...base,
    relationships: {
      ...base.relationships,
      knowledgebase: { data: { type: "knowledgebase", id: "9" } },
    },
  });
  assert.equal(unknownKb.status, 404);
  const ownerless = await post(base);
  assert.equal(ownerless.status, 201);
  assert.equal(
    ownerless.body.data.attributes.owner,
    null,
    "the service does not fill owner: the seed's known bug",
  );
  await assert.rejects(
    s2c.createInference({ ...REQUEST, start: "March" }),
    /start: "March" is not an ISO date-time/,
  );
  await assert.rejects(
    s2c.createInference({ ...REQUEST, aoi: "POLYGON ((0 0, 1 0, 1 1))" }),
    /aoi/,
  );
});

Deno.test("sen2cube: an inference has no outputs ([]) until it succeeds; abort, rerun and delete", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const s2c = connectSen2Cube({ sandbox: sb.url, clock });
  const inference = await s2c.createInference(REQUEST);
  const fresh = await inference.status();
  assert.deepEqual(fresh.data.attributes.output, []);
  assert.equal(fresh.message, "Inference sucessfully created", "the service's words and spelling");
  await assert.rejects(
    inference.outputs(),
    /inference \d+ is CREATED; its results exist once it is SUCCEEDED/,
  );
  await inference.abort();
  const aborted = await inference.status();
  assert.equal(aborted.raw, "ABORTED");
  assert.equal(aborted.state, "canceled");
  clock.advance(3600_000);
  assert.equal((await inference.status()).raw, "ABORTED", "an aborted inference stays aborted");
  await inference.rerun();
  assert.equal((await inference.status()).raw, "CREATED");
  clock.advance(3600_000);
  assert.equal((await inference.status()).raw, "SUCCEEDED");
  const token = await s2c.api.http.auth!.getToken();
  const r = await fetch(`${sb.url}/sen2cube/v1/inference/${inference.id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.deepEqual(await r.json(), { meta: { message: "Object successfully deleted" } });
  await assert.rejects(inference.status(), /404|not found/i);
});

Deno.test("sen2cube: every link a resource carries leads back to the twin", async () => {
  await using sb = await sandbox();
  const s2c = connectSen2Cube({ sandbox: sb.url });
  const inference = await s2c.createInference(REQUEST);
  const token = await s2c.api.http.auth!.getToken();
  const get = async (href: string) => {
    const r = await fetch(new URL(href, sb.url), { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: await r.json() };
  };
  const one = await get(`/sen2cube/v1/inference/${inference.id}`);
  assert.equal(one.status, 200);
  for (const href of [one.body.links.self, one.body.data.links.self]) {
    const followed = await get(href);
    assert.equal(followed.status, 200, href);
    assert.equal(followed.body.data.id, inference.id);
  }
  const related = one.body.data.relationships.factbase.links.related;
  assert.match(related, /^\/sen2cube\/v1\/inference\/\d+\/factbase$/);
});

Deno.test("sen2cube: filter operators resolve as flask-rest-jsonapi does (op, op_, __op__)", async () => {
  await using sb = await sandbox();
  const s2c = connectSen2Cube({ sandbox: sb.url });
  for (const comment of ["alpha run", "beta run", "alpha test"]) {
    await s2c.createInference({ ...REQUEST, comment });
  }
  const token = await s2c.api.http.auth!.getToken();
  const list = async (query: string) => {
    const r = await fetch(`${sb.url}/sen2cube/v1/inference?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: r.status, body: await r.json() };
  };
  const comments = async (filter: unknown) => {
    const r = await list(`filter=${encodeURIComponent(JSON.stringify(filter))}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.data.map((d: { attributes: { comment: string } }) => d.attributes.comment).sort();
  };
  assert.deepEqual(await comments([{ name: "comment", op: "startswith", val: "alpha" }]), [
    "alpha run",
    "alpha test",
  ]);
  assert.deepEqual(await comments([{ name: "comment", op: "endswith", val: "run" }]), [
    "alpha run",
    "beta run",
  ]);
  assert.deepEqual(await comments([{ name: "comment", op: "in", val: ["beta run", "x"] }]), [
    "beta run",
  ]);
  assert.deepEqual(await comments([{ name: "comment", op: "notin", val: ["beta run"] }]), [
    "alpha run",
    "alpha test",
  ]);
  assert.deepEqual(await comments([{ name: "comment", op: "eq", val: "beta run" }]), ["beta run"]);
  assert.deepEqual(await comments([{ name: "comment", op: "ne", val: "beta run" }]), [
    "alpha run",
    "alpha test",
  ]);
  const simple = await list("filter[status]=CREATED,SCHEDULED");
  assert.equal(simple.body.data.length, 3, "a comma list is an in filter");
  const noOp = await list(`filter=${encodeURIComponent('[{"name":"comment","val":"x"}]')}`);
  assert.equal(noOp.status, 400);
  assert.equal(noOp.body.errors[0].detail, "Can't find op of a filter");
  const badOp = await list(
    `filter=${encodeURIComponent('[{"name":"comment","op":"near","val":"x"}]')}`,
  );
  assert.equal(badOp.status, 400);
  assert.equal(badOp.body.errors[0].detail, "comment has no operator near");
  assert.equal(badOp.body.errors[0].source, undefined, "the library drops source on filters");
});

Deno.test("sen2cube: include=factbase returns the factbase in `included`; an unknown include is a 400", async () => {
  await using sb = await sandbox();
  const s2c = connectSen2Cube({ sandbox: sb.url });
  const inference = await s2c.createInference(REQUEST);
  const token = await s2c.api.http.auth!.getToken();
  const get = async (query: string) => {
    const r = await fetch(`${sb.url}/sen2cube/v1/inference/${inference.id}?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: r.status, body: await r.json() };
  };
  const withFactbase = await get("include=factbase");
  assert.equal(withFactbase.status, 200);
  assert.deepEqual(
    withFactbase.body.included.map((r: { type: string; id: number }) => [r.type, r.id]),
    [["factbase", 1]],
  );
  assert.equal((await get("")).body.included, undefined, "nothing included unless asked");
  const onePage = await fetch(`${sb.url}/sen2cube/v1/inference`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const links = (await onePage.json()).links;
  assert.deepEqual(Object.keys(links), ["self"], "first and last only when there are pages");
  const bad = await get("include=owner");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].title, "Invalid include querystring parameter.");
  assert.deepEqual(bad.body.errors[0].source, { parameter: "include" });
});

Deno.test("sen2cube: every advertised file downloads, the QGIS project too; progress stays empty", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const s2c = connectSen2Cube({ sandbox: sb.url, clock });
  const inference = await s2c.createInference(REQUEST);
  clock.advance(3600_000);
  const done = await inference.status();
  assert.equal(done.raw, "SUCCEEDED");
  assert.equal(done.data.attributes.status_progress, null);
  const factbase = await s2c.factbase(done.data.attributes.factbase_id);
  const qgis = String(done.data.attributes.qgis_project_location);
  const r = await fetch(factbase.attributes.uri.replace(/\/$/, "") + qgis);
  assert.equal(r.status, 200);
  const files = unzipSync(new Uint8Array(await r.arrayBuffer()));
  const [name] = Object.keys(files);
  assert.match(name, /^qgis-project-id\d+\.qgs$/);
  const project = new TextDecoder().decode(files[name]);
  for (const output of await inference.outputs()) assert.ok(project.includes(output.name));
});

Deno.test("sen2cube: output entries say their size in bytes, the size of the file they name", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const s2c = connectSen2Cube({ sandbox: sb.url, clock });
  const inference = await s2c.createInference(REQUEST);
  clock.advance(3600_000);
  const outputs = await inference.outputs();
  assert.ok(
    outputs.every((o) => Number.isInteger(o.bytes) && o.bytes! > 0),
    "bytes on every entry",
  );
  const files = await inference.download(dir.path);
  for (const [i, file] of files.entries()) {
    assert.equal((await Deno.stat(file.path)).size, outputs[i].bytes, outputs[i].name);
  }
  const raw = JSON.parse(String((await inference.status()).data.attributes.output));
  assert.deepEqual(
    Object.keys(raw[0]).slice(7, 9),
    ["data", "bytes"],
    "bytes follows data, as in the service's entries",
  );
});

Deno.test("sen2cube: page and sort errors carry flask-rest-jsonapi's titles, details and sources", async () => {
  await using sb = await sandbox();
  const s2c = connectSen2Cube({ sandbox: sb.url });
  await s2c.createInference(REQUEST);
  const token = await s2c.api.http.auth!.getToken();
  const error = async (query: string) => {
    const r = await fetch(`${sb.url}/sen2cube/v1/inference?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(r.status, 400, query);
    return (await r.json()).errors[0];
  };
  assert.deepEqual(await error("page%5Bsize%5D=ten"), {
    status: "400",
    title: "Bad request",
    detail: "Parse error",
    source: { parameter: "page[size]" },
  });
  assert.deepEqual(await error("page%5Boffset%5D=10"), {
    status: "400",
    title: "Bad request",
    detail: "offset is not a valid parameter of pagination",
    source: { parameter: "page" },
  });
  assert.deepEqual(await error("sort=-factbase"), {
    status: "400",
    title: "Invalid sort querystring parameter.",
    detail: "You can't sort on factbase because it is a relationship field",
  });
  assert.deepEqual(await error(`filter=${encodeURIComponent('[{"name":"status","val":"x"}]')}`), {
    status: "400",
    title: "Invalid filters querystring parameter.",
    detail: "Can't find op of a filter",
  });
  const spaced = await fetch(`${sb.url}/sen2cube/v1/inference?page%5Bsize%5D=%201_0%20`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(spaced.status, 200, "Python's int() reads ' 1_0 ' as 10");
});

Deno.test("sen2cube: routes as Flask's: 405 with Allow on a known path, 404 before any token check", async () => {
  await using sb = await sandbox();
  const s2c = connectSen2Cube({ sandbox: sb.url });
  const inference = await s2c.createInference(REQUEST);
  const token = await s2c.api.http.auth!.getToken();
  const put = await fetch(`${sb.url}/sen2cube/v1/inference/${inference.id}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, PATCH, DELETE");
  assert.equal((await put.json()).errors[0].title, "Method Not Allowed");
  const post = await fetch(`${sb.url}/sen2cube/v1/factbase/1`, { method: "POST" });
  assert.equal(post.status, 405, "routing comes before the token check");
  assert.equal(post.headers.get("allow"), "GET");
  await post.body?.cancel();
  const unknown = await fetch(`${sb.url}/sen2cube/v1/nothing`);
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
  const notInt = await fetch(`${sb.url}/sen2cube/v1/inference/abc`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(notInt.status, 404);
  await notInt.body?.cancel();
  const anonymous = await fetch(`${sb.url}/sen2cube/v1/inference/${inference.id}`);
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});
