import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { unzipSync } from "../../lib/deps/fflate.ts";
import { AoiError } from "../../lib/geo/errors.ts";
import type { HttpError } from "../../lib/http/errors.ts";
import { connectBeod, type ScenarioRequest } from "../../lib/platforms/beod/mod.ts";
import type { BeodTwin } from "../../lib/sandbox/beod/twin.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { sandbox, tempDir } from "../helpers.ts";

const SOPHIA = "POLYGON (( 6.9526850935291 43.6127384923652, 6.94943181004093 43.6123795674845, " +
  "6.94656582220611 43.611370079773, 6.95060918882712 43.6056268939605, 6.95587640971274 43.605649329347, " +
  "6.95759600241363 43.6079825638504, 6.95877338119982 43.6099231178373, 6.95855649563394 43.6117963099847, " +
  "6.9526850935291 43.6127384923652 ))";
const LARGE = "POLYGON ((6.93 43.60, 6.95 43.60, 6.95 43.615, 6.93 43.615, 6.93 43.60))";
const REQUEST: ScenarioRequest = {
  name: "My First extraction",
  source_image_type: "basemap",
  source_image_id: 1,
  augmented: false,
  output_crs: 3857,
  vector_formats: "shapefile,geopackage,geojson",
  raster_formats: "geotiff",
  three_d_formats: "3d_tiles",
  dl_models: [],
};

async function finished(
  clock: ManualClock,
  scenario: { watch: (o: object) => AsyncIterable<{ raw: string; progress?: number }> },
) {
  const seen: string[] = [];
  for await (
    const s of scenario.watch({
      intervalMs: 1,
      sleep: () => Promise.resolve(clock.advance(30_000)),
    })
  ) {
    seen.push(`${s.raw}:${s.progress}`);
  }
  return seen;
}

Deno.test("beod: the tutorial's flow, from login to the unzipped results", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const beod = connectBeod({ sandbox: sb.url, clock });
  const me = await beod.me();
  assert.match(me.id, /^[0-9a-f-]{36}$/);
  assert.equal(me.credits, 100);
  const projectId = await beod.createProject("Tutorial project");
  assert.deepEqual((await beod.projects()).map((p) => p.name), ["Tutorial project"]);
  const assetId = await beod.createAoi(projectId, SOPHIA);
  assert.equal((await beod.project(projectId)).aoi_id, assetId);
  const scenario = await beod.createScenario(projectId, "extraction-mono", REQUEST);
  const seen = await finished(clock, scenario);
  assert.equal(seen[0].split(":")[0], "CREATED");
  assert.equal(seen.at(-1), "SUCCESSFUL:100");
  assert.ok(seen.some((s) => s.startsWith("RUNNING:")), seen.join());
  assert.ok((await beod.me()).credits < 100, "credits were charged");

  const files = await scenario.download(dir.path);
  assert.deepEqual(files.map((f) => f.path.slice(dir.path.length + 1)), [`${scenario.id}.zip`]);
  const entries = unzipSync(await Deno.readFile(files[0].path));
  const names = Object.keys(entries);
  for (const layer of ["building", "tree", "road"]) {
    for (const ext of ["shp", "shx", "dbf", "prj"]) {
      assert.ok(names.includes(`0/EXPORT/${layer}/shapefile/${layer}.${ext}`));
    }
    assert.ok(names.includes(`0/EXPORT/${layer}/geopackage/${layer}.gpkg`));
  }
  assert.ok(
    names.includes("0/EXPORT/dtm/geotiff/dtm.tif") &&
      names.includes("0/EXPORT/clutter/geotiff/clutter.tif"),
  );
  const buildings = JSON.parse(
    new TextDecoder().decode(entries["0/EXPORT/building/geojson/building.geojson"]),
  );
  assert.ok(buildings.features.length > 5);
  assert.ok(
    Math.abs(buildings.features[0].geometry.coordinates[0][0][0]) > 700_000,
    "EPSG:3857 metres, as asked",
  );
  const shp = new DataView(entries["0/EXPORT/building/shapefile/building.shp"].buffer);
  assert.equal(shp.getInt32(0, false), 9994);
  assert.equal(shp.getInt32(32, true), 5, "polygons");
  const dbf = new DataView(entries["0/EXPORT/building/shapefile/building.dbf"].buffer);
  assert.equal(dbf.getUint32(4, true), buildings.features.length);
  const gpkgPath = `${dir.path}/b.gpkg`;
  await Deno.writeFile(gpkgPath, entries["0/EXPORT/building/geopackage/building.gpkg"]);
  const db = new DatabaseSync(gpkgPath);
  assert.equal(
    (db.prepare("PRAGMA application_id").get() as { application_id: number }).application_id,
    0x47504b47,
  );
  assert.deepEqual({
    ...db.prepare("SELECT table_name, data_type, srs_id FROM gpkg_contents").get(),
  }, {
    table_name: "building",
    data_type: "features",
    srs_id: 3857,
  });
  assert.equal(
    (db.prepare('SELECT count(*) AS n FROM "building"').get() as { n: number }).n,
    buildings.features.length,
  );
  const blob =
    (db.prepare('SELECT geom FROM "building" LIMIT 1').get() as { geom: Uint8Array }).geom;
  assert.deepEqual([...blob.subarray(0, 2)], [0x47, 0x50]);
  db.close();
});

Deno.test("beod: a large AOI comes as a paginated tree, every page followed, files in the same layout", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  sb.twin<BeodTwin>("/beod").pageSize = 10;
  const beod = connectBeod({ sandbox: sb.url, clock });
  const projectId = await beod.createProject("large");
  await beod.createAoi(projectId, LARGE);
  const scenario = await beod.createScenario(projectId, "extraction-mono", {
    ...REQUEST,
    vector_formats: "geojson",
    output_crs: 4326,
  });
  await finished(clock, scenario);
  const pages = [];
  for await (const page of beod.downloadPages(projectId, scenario.id)) pages.push(page);
  assert.ok(pages.length >= 3, `${pages.length} pages`);
  assert.ok(pages.slice(0, -1).every((p) => typeof p.NextContinuationToken === "string"));
  assert.equal(pages.at(-1)!.NextContinuationToken, undefined);
  const files = await scenario.download(dir.path, { concurrency: 3 });
  const expected = (await beod.resultFiles(projectId, scenario.id)).map((f) => f.path).sort();
  assert.equal(new Set(expected).size, expected.length);
  assert.deepEqual(files.map((f) => f.path.slice(dir.path.length + 1)).sort(), expected);
  assert.ok(expected.includes("1/EXPORT/road/geojson/road.geojson"));
  const bad = await fetch(
    `${sb.url}/beod/users/me/projects/${projectId}/scenarios/${scenario.id}/download/urls?continuation_token=nonsense`,
    {
      headers: { authorization: `Bearer ${await (beod.http.auth!).getToken()}` },
    },
  );
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).detail, /continuation_token/);
});

Deno.test("beod: presigned URLs that expire during a download are asked for again", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  await using dir = await tempDir();
  const beod = connectBeod({ sandbox: sb.url, clock });
  const projectId = await beod.createProject("expiry");
  await beod.createAoi(projectId, LARGE);
  const scenario = await beod.createScenario(projectId, "extraction-mono", {
    ...REQUEST,
    vector_formats: "geojson",
  });
  await finished(clock, scenario);
  const [first] = await beod.resultFiles(projectId, scenario.id);
  clock.advance(301_000);
  const stale = await fetch(first.url);
  assert.equal(stale.status, 403);
  assert.match(await stale.text(), /<Code>AccessDenied<\/Code><Message>Request has expired/);
  const tampered = await fetch(
    first.url.replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000"),
  );
  assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  let advanced = false;
  const files = await scenario.download(dir.path, {
    concurrency: 1,
    onFile: () => {
      if (!advanced) clock.advance(301_000);
      advanced = true;
    },
  });
  assert.equal(files.length, (await beod.resultFiles(projectId, scenario.id)).length);
});

Deno.test("beod: expired tokens, other users, bad WKT, bad fields and short credits", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const twin = sb.twin<BeodTwin>("/beod");
  const beod = connectBeod({ sandbox: sb.url, clock });
  const me = await beod.me();
  const token = await beod.http.auth!.getToken();
  const raw = async (path: string, init: RequestInit = {}, bearer = token) => {
    const r = await fetch(`${sb.url}/beod${path}`, {
      ...init,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    });
    return { status: r.status, body: await r.json() };
  };
  assert.equal(
    (await raw(`/users/${me.id}`)).body.email,
    "demo@example.com",
    "the real id works like me",
  );
  const alice = await raw(
    "/users/me",
    {},
    (await (await fetch(`${sb.url}/beod/auth/login`, {
      method: "POST",
      body: JSON.stringify({ email: "alice@example.com", password: "alice" }),
    })).json()).access_token,
  );
  assert.equal((await raw(`/users/${alice.body.id}/projects`)).status, 403);
  const wrong = await fetch(`${sb.url}/beod/auth/login`, {
    method: "POST",
    body: JSON.stringify({ email: "demo@example.com", password: "x" }),
  });
  assert.deepEqual([wrong.status, await wrong.json()], [401, {
    detail: "Incorrect email or password",
  }]);
  assert.equal((await raw("/users/me", {}, "nonsense")).status, 401);

  const projectId = await beod.createProject("checks");
  const noAoi = await raw(`/users/me/projects/${projectId}/scenarios/extraction-mono`, {
    method: "POST",
    body: JSON.stringify(REQUEST),
  });
  assert.equal(noAoi.status, 400);
  assert.match(noAoi.body.detail, /has no AOI/);
  const badWkt = await raw(`/users/me/projects/${projectId}/assets/aoi`, {
    method: "POST",
    body: JSON.stringify({ geometry: "POLYGON ((6.9 43.6, 7 43.6, 7 43.7))" }),
  });
  assert.equal(badWkt.status, 422);
  assert.deepEqual(badWkt.body.detail[0].loc, ["body", "geometry"]);
  assert.match(badWkt.body.detail[0].msg, /at least 4/);
  await assert.rejects(
    beod.createAoi(projectId, "POLYGON ((43.6 6.9, 43.6 97, 43.7 7, 43.6 6.9))"),
    AoiError,
  );
  await beod.createAoi(projectId, SOPHIA);
  const again = await raw(`/users/me/projects/${projectId}/assets/aoi`, {
    method: "POST",
    body: JSON.stringify({ geometry: SOPHIA }),
  });
  assert.equal(again.status, 409);
  await assert.rejects(
    beod.createScenario(projectId, "extraction-magic", REQUEST),
    (e: HttpError) => e.status === 404 && /extraction-magic/.test(e.message),
  );
  await assert.rejects(
    beod.createScenario(projectId, "extraction-mono", { ...REQUEST, output_crs: 2154 as 3857 }),
    (e: HttpError) => e.status === 422 && /body\.output_crs/.test(e.message),
  );
  await assert.rejects(
    beod.createScenario(projectId, "extraction-mono", { ...REQUEST, vector_formats: "dwg" }),
    (e: HttpError) => e.status === 422 && /vector_formats/.test(e.message),
  );
  twin.users.get("demo@example.com")!.credits = 1;
  await assert.rejects(
    beod.createScenario(projectId, "extraction-mono", REQUEST),
    (e: HttpError) =>
      e.status === 402 && /Insufficient credits: .* costs \d+ credits, you have 1/.test(e.message),
  );
  assert.equal((await beod.me()).credits, 1, "nothing charged for a refused scenario");

  clock.advance(25 * 3_600_000);
  const expired = await raw("/users/me");
  assert.deepEqual([expired.status, expired.body], [401, { detail: "Token expired" }]);
  assert.equal((await beod.me()).email, "demo@example.com", "the session renewed its token");
  sb.oidc.expireTokens();
  assert.equal(
    (await beod.me()).email,
    "demo@example.com",
    "and again after the sandbox expired every token",
  );
});

Deno.test("beod: an AOI sent again (its answer lost) is the same AOI; another one is refused", async () => {
  await using sb = await sandbox();
  const beod = connectBeod({ sandbox: sb.url });
  const project = await beod.createProject("twice");
  const first = await beod.createAoi(project, LARGE);
  assert.equal(await beod.createAoi(project, LARGE), first);
  await assert.rejects(() => beod.createAoi(project, SOPHIA), (e: HttpError) => e.status === 409);
});
