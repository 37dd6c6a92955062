import assert from "node:assert/strict";
import type { HttpError } from "../../lib/http/errors.ts";
import {
  connectUp42,
  CostNotConfirmedError,
  type Up42,
  Up42ValidationError,
} from "../../lib/platforms/up42/mod.ts";
import { up42Backend } from "../../lib/platforms/up42/backend.ts";
import { readRaster } from "../../lib/plot/raster.ts";
import type { Up42Twin } from "../../lib/sandbox/up42/twin.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { JobManager } from "../../lib/upscale/manager.ts";
import { OidcSession } from "../../lib/auth/session.ts";
import { password } from "../../lib/auth/grants.ts";
import { sandbox, tempDir } from "../helpers.ts";

const PROCESS = "pansharpening";

async function statuses(
  clock: ManualClock,
  job: { watch: (o: object) => AsyncIterable<{ raw: string }> },
  onStatus?: (raw: string) => void,
) {
  const seen: string[] = [];
  for await (
    const s of job.watch({
      intervalMs: 1,
      sleep: () => Promise.resolve(clock.advance(1_500)),
    })
  ) {
    seen.push(s.raw);
    onStatus?.(s.raw);
  }
  return seen;
}

async function scenes(up42: Up42) {
  const items = await up42.search();
  const withPan = items.find((i) => "panchromatic.tiff" in i.assets)!;
  const without = items.find((i) => !("panchromatic.tiff" in i.assets))!;
  return { pan: withPan.links[0].href, noPan: without.links[0].href };
}

Deno.test("up42: EULA, validation, cost, a confirmed run through every status, results, downloads and signed URLs", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const up42 = connectUp42({ sandbox: sb.url, clock });
  const processes = await up42.processes();
  assert.deepEqual(processes.map((p) => p.id), ["pansharpening", "true-color-conversion"]);
  const description = await up42.process(PROCESS);
  assert.ok("item" in description.inputs && "title" in description.inputs);
  assert.ok(description.additionalParameters.parameters.some((p) => p.name === "eula-id"));
  await assert.rejects(up42.process("nope"), (e: HttpError) => e.status === 404);
  const { pan, noPan } = await scenes(up42);
  const inputs = { title: "Pansharpened imagery over Oxford", item: pan };

  assert.equal((await up42.eula(PROCESS)).isAccepted, false);
  await assert.rejects(
    up42.run(PROCESS, inputs, { confirm: true }),
    (e: Error) => e instanceof Up42ValidationError && e.errors[0].name === "EulaNotAccepted",
  );
  assert.equal((await up42.acceptEula(PROCESS)).isAccepted, true);

  assert.deepEqual(await up42.validate(PROCESS, inputs), []);
  assert.deepEqual((await up42.validate(PROCESS, { item: pan })).map((e) => e.name), [
    "InvalidSchema",
  ]);
  assert.deepEqual(await up42.validate(PROCESS, { title: "x", item: noPan }), [{
    name: "MissingPanchromaticAsset",
    message: "The panchromatic band is missing.",
  }]);
  const cost = await up42.cost(PROCESS, inputs);
  assert.equal(cost.pricingStrategy, "area");
  assert.equal(cost.unit, "SQ_KM");
  assert.ok(cost.totalCredits > 0 && cost.totalSize! > 0);

  await assert.rejects(
    up42.run(PROCESS, inputs),
    (e: Error) => e instanceof CostNotConfirmedError && e.cost.totalCredits === cost.totalCredits,
  );
  let shown = 0;
  await assert.rejects(
    up42.run(PROCESS, inputs, { confirm: (c) => (shown = c.totalCredits, false) }),
    CostNotConfirmedError,
  );
  assert.equal(shown, cost.totalCredits);
  const none = [];
  for await (const j of up42.jobs()) none.push(j);
  assert.equal(none.length, 0, "nothing was spent without a yes");

  const before = await up42.balance();
  const job = await up42.run(PROCESS, inputs, {
    confirm: (c) => c.totalCredits <= cost.totalCredits,
  });
  assert.equal(job.submitted?.status, "created");
  const seen = await statuses(clock, job, (raw) => {
    if (raw === "successful") sb.oidc.expireTokens();
  });
  assert.deepEqual(seen, [
    "created",
    "licensed",
    "valid",
    "accepted",
    "running",
    "successful",
    "captured",
  ]);
  assert.equal(await up42.balance(), before - cost.totalCredits, "credits captured");
  assert.equal((await job.status()).data.creditConsumption?.credits, cost.totalCredits);

  const results = await job.results();
  assert.equal(results.length, 1);
  assert.equal(results[0].properties["up42-system:job_id"], job.id);
  for (
    const key of ["up42-system:asset_id", "up42-system:account_id", "up42-system:workspace_id"]
  ) {
    assert.ok(results[0].properties[key], key);
  }
  assert.equal(results[0].properties.hidden, undefined, "no internal flags");
  assert.ok(
    (await up42.search()).some((i) => i.id === results[0].id),
    "job results appear in an unfiltered search",
  );
  const files = await job.download(dir.path);
  const raster = await readRaster(files[0].path, { bands: [0, 1, 2, 3] });
  assert.equal(raster.bands?.length, 4);
  const href = Object.values(results[0].assets)[0].href;
  const anonymous = await fetch(href);
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const signed = await up42.signedUrl(href);
  const viaSigned = await fetch(signed);
  assert.equal(viaSigned.status, 200);
  const fileName = Object.keys(results[0].assets)[0];
  assert.match(fileName, /\.tiff$/);
  assert.ok(new URL(signed).pathname.endsWith(`/${fileName}`), "the signed URL names the file");
  assert.equal(viaSigned.headers.get("content-disposition"), `attachment; filename="${fileName}"`);
  assert.deepEqual(
    new Uint8Array(await viaSigned.arrayBuffer()),
    await Deno.readFile(files[0].path),
  );
  clock.advance(301_000);
  const expired = await fetch(signed);
  assert.equal(expired.status, 403);
  assert.match((await expired.json()).detail, /expired/);
});

Deno.test("up42: a short balance is rejected, a failed job releases its credits, an updated EULA must be accepted again", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const twin = sb.twin<Up42Twin>("/up42");
  const up42 = connectUp42({ sandbox: sb.url, clock });
  const { pan } = await scenes(up42);
  const inputs = { title: "t", item: pan };
  await up42.acceptEula(PROCESS);
  const me = await up42.workspaceId();

  twin.failNextJob = true;
  const before = await up42.balance();
  const failing = await up42.run(PROCESS, inputs, { confirm: true });
  const failed = await statuses(clock, failing);
  assert.deepEqual(failed.slice(-3), ["running", "failed", "released"]);
  assert.equal(await up42.balance(), before, "withheld credits released");
  assert.match((await failing.status()).message!, /ProcessingFailed/);
  await assert.rejects(failing.results(), /successful or captured/);

  twin.balances.set(me, 1);
  const poor = await up42.run(PROCESS, inputs, { confirm: true });
  assert.deepEqual(await statuses(clock, poor), ["created", "licensed", "valid", "rejected"]);
  assert.equal(await up42.balance(), 1);

  twin.updateEula(PROCESS);
  assert.equal(
    (await up42.eula(PROCESS)).isAccepted,
    false,
    "a new EULA version needs a new acceptance",
  );
  const token = await up42.session.getToken();
  const raw = await fetch(
    `${sb.url}/up42/v2/processing/processes/${PROCESS}/execution?workspaceId=${me}`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    },
  );
  const unlicensed = up42.job((await raw.json()).jobID);
  assert.deepEqual(await statuses(clock, unlicensed), ["created", "unlicensed"]);
  await up42.acceptEula(PROCESS);
  assert.equal((await up42.eula(PROCESS)).isAccepted, true);

  const listed = [];
  for await (const j of up42.jobs({ limit: 1 })) listed.push(j.jobID);
  assert.equal(listed.length, 3, "every page followed");
  const rejected = [];
  for await (const j of up42.jobs({ status: ["rejected"] })) rejected.push(j.jobID);
  assert.deepEqual(rejected, [poor.id]);
  const wrongWorkspace = await fetch(
    `${sb.url}/up42/v2/processing/processes/${PROCESS}/execution?workspaceId=someone-else`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    },
  );
  assert.equal(wrongWorkspace.status, 403);
  await wrongWorkspace.body?.cancel();
});

Deno.test("up42: project login with client credentials, and no token means 401", async () => {
  await using sb = await sandbox();
  const project = connectUp42({
    sandbox: sb.url,
    clientId: "up42-project",
    clientSecret: "project-secret",
  });
  assert.equal((await project.processes()).length, 2);
  const wrong = connectUp42({ sandbox: sb.url, clientId: "up42-project", clientSecret: "nope" });
  await assert.rejects(wrong.processes(), /unauthorized_client|Invalid client/);
  const anonymous = await fetch(`${sb.url}/up42/v2/processing/processes`);
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});

Deno.test("up42: up42-py's sign-in works: client up42-sdk, password grant, an e-mail address, scope openid", async () => {
  await using sb = await sandbox();
  const form = new URLSearchParams({
    username: "demo@example.com",
    password: "demo",
    grant_type: "password",
    client_id: "up42-sdk",
    scope: "openid",
  });
  const r = await fetch(`${sb.url}/auth/realms/public/protocol/openid-connect/token`, {
    method: "POST",
    body: form,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(r.status, 200);
  const token = await r.json();
  assert.ok(token.access_token && token.id_token, "an access token, and an ID token for openid");
  const processes = await fetch(`${sb.url}/up42/v2/processing/processes`, {
    headers: { authorization: `Bearer ${token.access_token}` },
  });
  assert.equal(processes.status, 200);
  await processes.body?.cancel();
  const wrong = await fetch(`${sb.url}/auth/realms/public/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ ...Object.fromEntries(form), password: "nope" }),
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
});

Deno.test("up42: a STAC landing page and collections, as pystac-client opens a catalogue", async () => {
  await using sb = await sandbox();
  const up42 = connectUp42({ sandbox: sb.url });
  const token = await up42.session!.getToken();
  const get = async (href: string) => {
    const r = await fetch(href, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: await r.json() };
  };
  const root = await get(`${sb.url}/up42/v2/assets/stac/`);
  assert.equal(root.status, 200);
  assert.equal(root.body.type, "Catalog");
  assert.ok(root.body.conformsTo.includes("https://api.stacspec.org/v1.0.0/item-search"));
  const link = (rel: string) =>
    root.body.links.find((l: { rel: string; href: string }) => l.rel === rel)?.href;
  const collections = await get(link("data"));
  assert.equal(collections.status, 200);
  assert.ok(collections.body.collections.length > 0);
  const first = collections.body.collections[0];
  const one = await get(first.links.find((l: { rel: string }) => l.rel === "self").href);
  assert.equal(one.status, 200);
  assert.equal(one.body.type, "Collection");
  assert.equal(one.body.extent.spatial.bbox[0].length, 4);
  const search = await fetch(link("search"), {
    method: "POST",
    body: JSON.stringify({ collections: [first.id], limit: 5 }),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  assert.equal(search.status, 200);
  assert.equal((await search.json()).type, "FeatureCollection");
  assert.equal((await get(`${sb.url}/up42/v2/assets/stac/collections/nope`)).status, 404);
});

Deno.test("up42: 400s carry title and status; titles are 1 to 250 characters; nanosecond times", async () => {
  await using sb = await sandbox();
  const up42 = connectUp42({ sandbox: sb.url });
  const token = await up42.session!.getToken();
  const item = (await up42.search()).find((i) => "panchromatic.tiff" in i.assets)!.links[0].href;
  const validate = async (title: string) => {
    const r = await fetch(`${sb.url}/up42/v2/processing/processes/${PROCESS}/validation`, {
      method: "POST",
      body: JSON.stringify({ inputs: { title, item } }),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
    return { status: r.status, body: r.status === 200 ? undefined : await r.json() };
  };
  assert.equal((await validate("x".repeat(250))).status, 200);
  for (
    const [title, text] of [["", /at least 1 characters/], [
      "x".repeat(251),
      /250 characters/,
    ]] as const
  ) {
    const r = await validate(title);
    assert.equal(r.status, 400);
    assert.equal(r.body.title, "Bad Request");
    assert.equal(r.body.status, 400);
    assert.match(r.body["schema-error"], text);
  }
  await up42.acceptEula(PROCESS);
  const job = await up42.run(PROCESS, { title: "times", item }, { confirm: true });
  const { data } = await job.status();
  assert.match(data.created, /\.\d{9}Z$/, "nanosecond precision");
});

Deno.test("up42: the job list filters by ids and by duration in seconds, and sorts by nested fields", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const up42 = connectUp42({ sandbox: sb.url, clock });
  const { pan } = await scenes(up42);
  await up42.acceptEula(PROCESS);
  const done = await up42.run(PROCESS, { title: "done", item: pan }, { confirm: true });
  await statuses(clock, done);
  const waiting = await up42.run(PROCESS, { title: "waiting", item: pan }, { confirm: true });
  const all = [];
  for await (const j of up42.jobs()) all.push(j);
  assert.equal(all.length, 2);
  const finished = all.find((j) => j.jobID === done.id)!;
  const seconds = Math.floor(
    (Date.parse(finished.finished!) - Date.parse(finished.started!)) / 1000,
  );
  assert.ok(seconds > 0);
  const ids = async (filter: Parameters<Up42["jobs"]>[0]) => {
    const out = [];
    for await (const j of up42.jobs(filter)) out.push(j.jobID);
    return out;
  };
  assert.deepEqual(await ids({ ids: [waiting.id] }), [waiting.id]);
  assert.deepEqual(await ids({ ids: [done.id, waiting.id], sort: "created,asc" }), [
    done.id,
    waiting.id,
  ]);
  assert.deepEqual(await ids({ minDuration: seconds }), [done.id], "not started: no duration");
  assert.deepEqual(await ids({ minDuration: seconds + 1 }), []);
  assert.deepEqual(await ids({ maxDuration: seconds }), [done.id]);
  assert.deepEqual(await ids({ maxDuration: seconds - 1 }), []);
  assert.deepEqual(await ids({ sort: "creditConsumption.credits,desc" }).then((x) => x.length), 2);
  await assert.rejects(ids({ minDuration: 1.5 }), /minDuration: 1.5 is not a whole number/);
  const token = await up42.session!.getToken();
  const r = await fetch(`${sb.url}/up42/v2/processing/jobs?maxDuration=soon`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 400);
  const body = await r.json();
  assert.equal(body.status, 400);
  assert.match(body.detail, /maxDuration/);
});

Deno.test("up42: a known path with another method is a 405 naming the allowed ones", async () => {
  await using sb = await sandbox();
  const up42 = connectUp42({ sandbox: sb.url });
  const token = await up42.session!.getToken();
  const call = (method: string, path: string) =>
    fetch(`${sb.url}/up42${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const del = await call("DELETE", `/v2/processing/processes/${PROCESS}`);
  assert.equal(del.status, 405);
  assert.equal(del.headers.get("allow"), "GET");
  assert.equal((await del.json()).status, 405);
  const get = await call("GET", `/v2/processing/processes/${PROCESS}/execution`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  await get.body?.cancel();
  const eula = await call("DELETE", "/v2/eulas/anything");
  assert.equal(eula.headers.get("allow"), "GET, PATCH, PUT");
  await eula.body?.cancel();
  const unknown = await call("GET", "/v2/nothing");
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

Deno.test("up42 backend: the tag search stops once past a job known to be older, instead of reading every page", async () => {
  await using sb = await sandbox();
  const twin = sb.twin<Up42Twin>("/up42");
  const log: string[] = [];
  const lists = () => log.splice(0).filter((l) => l === "jobs").length;
  const up42 = connectUp42({ sandbox: sb.url, http: { fetch: loggingFetch(log, []) } });
  const owner = await up42.workspaceId();
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < 700; i++) {
    twin.jobs.set(`job-${i}`, {
      id: `job-${i}`,
      processId: PROCESS,
      owner,
      inputs: { title: `eojobs [old-${i}]` },
      credits: 1,
      timeline: [["created", t0 + i * 1_000], ["captured", t0 + i * 1_000 + 500]],
      collection: "none",
    });
  }
  const backend = up42Backend(up42, { processId: PROCESS, confirm: true });
  lists();
  assert.equal((await backend.findByTag(["never"])).size, 0);
  assert.equal(lists(), 4, "with nothing known, a tag that never became a job costs every page");
  assert.equal((await backend.findByTag(["never"], undefined, ["job-690"])).size, 0);
  assert.equal(lists(), 1, "past job-690 nothing newer can be");
  const found = await backend.findByTag(["old-695", "never"], undefined, ["job-690"]);
  assert.deepEqual([...found], [["old-695", "job-695"]], "jobs newer than the known one are found");
});

/** A fetch that logs UP42's checks, executions and job lists in order, by title where a body has one. */
function loggingFetch(log: string[], pending: Promise<unknown>[]): typeof fetch {
  return async (input, init) => {
    const path = new URL(String(input)).pathname;
    const kind = path.match(/\/(validation|cost|execution)$/)?.[1] ??
      (path.endsWith("/processing/jobs") ? "jobs" : undefined);
    if (kind !== undefined) {
      const title = init?.body ? JSON.parse(String(init.body)).inputs?.title : undefined;
      log.push(title === undefined ? kind : `${kind} ${title}`);
    }
    const answer = fetch(input, init);
    pending.push(answer.catch(() => {}));
    return await answer;
  };
}

Deno.test("up42 backend: a job checked ahead is created with its execution alone, and its cost is confirmed then", async () => {
  await using sb = await sandbox();
  const log: string[] = [];
  const pending: Promise<unknown>[] = [];
  const up42 = connectUp42({ sandbox: sb.url, http: { fetch: loggingFetch(log, pending) } });
  await up42.acceptEula(PROCESS);
  const { pan, noPan } = await scenes(up42);
  const shown: number[] = [];
  const backend = up42Backend(up42, {
    processId: PROCESS,
    confirm: (cost) => (shown.push(cost.totalCredits), cost.totalCredits < 1_000_000),
  });
  backend.prepare!({ item: pan }, "a");
  backend.prepare!({ item: pan }, "a");
  await Promise.all(pending);
  assert.deepEqual(log.sort(), ["cost eojobs [a]", "validation eojobs [a]"], "asked once");
  assert.equal(shown.length, 0, "nobody is asked to pay before the job is submitted");
  log.length = 0;
  await backend.submit({ item: pan }, "a");
  assert.deepEqual(log, ["execution eojobs [a]"]);
  assert.equal(shown.length, 1, "the cost checked ahead was confirmed at the submission");

  log.length = 0;
  await backend.submit({ item: pan }, "b");
  assert.deepEqual(log.slice(-1), ["execution eojobs [b]"]);
  assert.deepEqual(log.slice(0, 2).sort(), ["cost eojobs [b]", "validation eojobs [b]"]);

  backend.prepare!({ item: noPan }, "c");
  await Promise.all(pending);
  log.length = 0;
  await assert.rejects(
    backend.submit({ item: noPan }, "c"),
    (e: Error) =>
      e instanceof Up42ValidationError && e.errors[0].name === "MissingPanchromaticAsset",
  );
  assert.ok(!log.includes("execution eojobs [c]"), "invalid inputs were never executed");

  const stingy = up42Backend(up42, { processId: PROCESS, confirm: () => false });
  stingy.prepare!({ item: pan }, "d");
  await Promise.all(pending);
  await assert.rejects(stingy.submit({ item: pan }, "d"), CostNotConfirmedError);
  const titles = [];
  for await (const job of up42.jobs()) {
    titles.push((job.definition?.inputs as { title?: string }).title);
  }
  assert.deepEqual(titles.sort(), ["eojobs [a]", "eojobs [b]"]);
});

Deno.test("up42 backend under the manager: the next job is checked while the slot is still busy", async () => {
  await using sb = await sandbox({ timeScale: 0.002 });
  await using dir = await tempDir();
  const log: string[] = [];
  const up42 = connectUp42({ sandbox: sb.url, http: { fetch: loggingFetch(log, []) } });
  await up42.acceptEula(PROCESS);
  const { pan } = await scenes(up42);
  const manager = await JobManager.open(
    Array.from({ length: 3 }, (_, i) => ({ key: `s${i}`, item: { item: pan } })),
    {
      backend: up42Backend(up42, { processId: PROCESS, confirm: true }),
      dir: dir.path,
      concurrency: 1,
      pollIntervalMs: 20,
      download: false,
    },
  );
  for await (const _ of manager.run());
  assert.equal(manager.summary().counts.done, 3);
  for (const key of ["s1", "s2"]) {
    const title = `eojobs [eojobs:${key}#1]`;
    const checked = log.indexOf(`validation ${title}`);
    const executed = log.indexOf(`execution ${title}`);
    assert.ok(checked >= 0 && checked < executed, `${key} checked before it ran`);
    assert.ok(
      log.slice(checked, executed).includes("jobs"),
      `${key} was checked while the job before it still ran: ${log.join(", ")}`,
    );
  }
  assert.equal(log.filter((l) => l.startsWith("validation")).length, 3, "each job checked once");
});

Deno.test("a session signed in elsewhere is used as it is, and shared by two clients signs in once", async () => {
  await using sb = await sandbox();
  const session = new OidcSession({
    issuer: `${sb.url}/auth/realms/public`,
    clientId: "up42-api",
    signIn: password({ username: "demo", password: "demo" }),
    cache: false,
  });
  const one = connectUp42({ sandbox: sb.url, session });
  const two = connectUp42({ sandbox: sb.url, session });
  assert.equal(one.session, session);
  assert.equal(await one.workspaceId(), await two.workspaceId());
  assert.ok((await two.processes()).length > 0);
  assert.equal(session.stats.signIns, 1);
});
