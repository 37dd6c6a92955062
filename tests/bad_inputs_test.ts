/**
 * The bad-input catalogue: areas, grid options, command-line flags and files a user or a hostile
 * source may give. Each must be refused with one line that names the field and the fix, quickly,
 * without a stack trace, and with nothing submitted.
 */
import assert from "node:assert/strict";
import { kmGrid, parseAoi, platformTiles } from "../lib/geo/mod.ts";
import { projection } from "../lib/geo/projection.ts";
import { InputError } from "../lib/input_error.ts";
import { password, runSignIn } from "../lib/auth/grants.ts";
import { connectApex } from "../lib/platforms/apex/mod.ts";
import { beodBackend, BeodSession, connectBeod } from "../lib/platforms/beod/mod.ts";
import { connectSen2Cube } from "../lib/platforms/sen2cube/mod.ts";
import { connectUp42 } from "../lib/platforms/up42/mod.ts";
import { readFeatures } from "../lib/geo/features.ts";
import { dataTypeOf } from "../lib/raster/_pixels.ts";
import { CogWriter } from "../lib/raster/cog_writer.ts";
import { runFolder } from "../lib/stac/run_folder.ts";
import { JobManager } from "../lib/upscale/manager.ts";
import { exportTable } from "../lib/upscale/table_export.ts";
import { describePlace } from "../lib/plot/place.ts";
import type { ApexTwin } from "../lib/sandbox/apex/twin.ts";
import { JobTable } from "../lib/upscale/table.ts";
import { sandbox, tempDir } from "./helpers.ts";

const ring = (coords: number[][]) => ({ type: "Polygon", coordinates: [coords] });
const square = (w: number, s: number, e: number, n: number) =>
  ring([[w, s], [e, s], [e, n], [w, n], [w, s]]);
const circle = (n: number) => {
  const pts = Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    return [16 + 0.1 * Math.cos(a), 48 + 0.1 * Math.sin(a)];
  });
  return ring([...pts, pts[0]]);
};
const comb = (teeth: number) => {
  const pts: number[][] = [[0, 0]];
  for (let i = 0; i < teeth; i++) {
    const x = (i / teeth) * 0.5;
    pts.push([x, 0.1], [x + 0.25 / teeth, 0.1], [x + 0.25 / teeth, 0.01], [x + 0.5 / teeth, 0.01]);
  }
  pts.push([0.5, 0], [0, 0]);
  return ring(pts);
};

/** Areas that parseAoi (and so every tiler and script) must refuse, with the field it names. */
const AREAS: Array<[string, unknown, RegExp]> = [
  ["empty text", "", /empty string/],
  ["blank text", "   ", /empty string/],
  ["bare keyword", "POLYGON", /aoi/],
  ["empty rings", "POLYGON (())", /aoi/],
  ["two positions", "POLYGON ((0 0, 1 1))", /too few/],
  ["open ring", "POLYGON ((0 0, 1 0, 1 1, 0 1))", /open/],
  ["unbalanced parentheses", "POLYGON ((0 0, 1 0, 1 1, 0 0)", /aoi/],
  ["a line", "LINESTRING (0 0, 1 1)", /aoi/],
  ["a point", "POINT (1 2)", /aoi/],
  ["letters for numbers", "POLYGON ((a b, c d, e f, a b))", /aoi/],
  [
    "WKT with five numbers per position",
    "POLYGON ((0 0 0 0 0, 1 0, 1 1, 0 0))",
    /more than 4 numbers/,
  ],
  ["broken JSON", "{not json", /not valid JSON/],
  ["GeoJSON point", { type: "Point", coordinates: [1, 2] }, /no area/],
  ["GeoJSON line", { type: "LineString", coordinates: [[1, 2], [3, 4]] }, /no area/],
  ["Polygon without coordinates", { type: "Polygon" }, /coordinates/],
  ["Polygon with no rings", { type: "Polygon", coordinates: [] }, /no rings/],
  ["MultiPolygon with nothing", { type: "MultiPolygon", coordinates: [] }, /empty/],
  ["unknown type", { type: "Circle", radius: 3 }, /aoi/],
  ["no type", { coordinates: [] }, /aoi/],
  ["null", null, /aoi/],
  ["a number", 42, /aoi/],
  ["Feature without geometry", { type: "Feature", geometry: null, properties: {} }, /aoi/],
  ["empty FeatureCollection", { type: "FeatureCollection", features: [] }, /aoi/],
  ["FeatureCollection of points", {
    type: "FeatureCollection",
    features: [{ type: "Feature", geometry: { type: "Point", coordinates: [1, 2] } }],
  }, /no area/],
  ["GeometryCollection", { type: "GeometryCollection", geometries: [] }, /aoi/],
  [
    "positions as strings",
    ring([["1", "2"], ["3", "4"], ["5", "6"], ["1", "2"]] as never),
    /not a position/,
  ],
  ["position with one number", ring([[1], [2, 3], [3, 4], [1]] as never), /not a position/],
  ["missing ring level", { type: "Polygon", coordinates: [[0, 0], [1, 0], [1, 1], [0, 0]] }, /aoi/],
  ["latitude 95", square(10, 80, 11, 95), /latitude 95 is outside -90\.\.90/],
  ["latitude -91", square(10, -91, 11, -80), /latitude -91/],
  ["longitude 200", square(190, 10, 200, 11), /longitude 19\d is outside/],
  ["longitude -181", square(-181, 10, -170, 11), /longitude -181/],
  [
    "lat/lon swapped out of range",
    ring([[48, 100], [48.3, 100], [48.3, 101], [48, 101], [48, 100]]),
    /looks like \[latitude, longitude\]/,
  ],
  ["1e400", "POLYGON ((1e400 48, 17 48, 17 49, 16 49, 1e400 48))", /Infinity/],
  [
    "NaN in JSON text",
    '{"type":"Polygon","coordinates":[[[NaN,1],[2,1],[2,2],[NaN,1]]]}',
    /not valid JSON/,
  ],
  ["bow tie", ring([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]), /intersects itself/],
  ["antimeridian", "POLYGON ((179 -17, -179 -17, -179 -16, 179 -16, 179 -17))", /antimeridian/],
  ["zero area", ring([[0, 0], [1, 1], [2, 2], [0, 0]]), /encloses no area|intersects itself/],
  ["all corners the same", ring([[5, 5], [5, 5], [5, 5], [5, 5]]), /no area|intersects/],
  ["crs EPSG:3857", {
    ...square(1, 1, 2, 2),
    crs: { type: "name", properties: { name: "EPSG:3857" } },
  }, /crs: .*EPSG:3857/],
  ["crs of a Feature's CRS in metres", {
    ...square(1, 1, 2, 2),
    crs: { type: "name", properties: { name: "urn:ogc:def:crs:EPSG::32633" } },
  }, /reproject/],
  ["a million vertices", circle(1_000_000), /1000001 vertices, more than the limit of 100000/],
  ["200k vertices", circle(200_000), /vertices, more than the limit/],
  ["POLYGON EMPTY", "POLYGON EMPTY", /aoi/],
  ["trailing garbage after WKT", "POLYGON ((0 0, 1 0, 1 1, 0 0)) and more", /aoi/],
  ["trailing garbage after JSON", '{"type":"Polygon","coordinates":[]} x', /not valid JSON/],
  [
    "MULTIPOLYGON with a broken part",
    "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 6)))",
    /too few|aoi/,
  ],
  ["Feature with a line", {
    type: "Feature",
    geometry: { type: "LineString", coordinates: [[0, 0], [1, 1]] },
  }, /no area/],
  ["positions with null", ring([[null, 1], [2, 1], [2, 2], [null, 1]] as never), /not a position/],
  ["longitude 180.5", square(179, 10, 180.5, 11), /longitude 180\.5 is outside/],
  ["coordinates nested too deep", {
    type: "Polygon",
    coordinates: [[[[0, 0]], [[1, 0]], [[1, 1]], [[0, 0]]]],
  }, /not a position/],
  ["a ring that is a string", { type: "Polygon", coordinates: ["0 0, 1 0, 1 1, 0 0"] }, /aoi/],
  ["MultiPolygon of a bow tie", {
    type: "MultiPolygon",
    coordinates: [[[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]],
  }, /intersects itself/],
  ["hole crossing the outer ring", {
    type: "Polygon",
    coordinates: [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]], [[1, 1], [3, 1], [3, 1.5], [1, 1.5], [
      1,
      1,
    ]]],
  }, /intersects itself/],
];

/** Grid requests that must be refused at once. */
const GRIDS: Array<[string, () => unknown, RegExp]> = [
  [
    "the whole world on the platform grid",
    () => platformTiles(square(-180, -90, 180, 90)),
    /85\.05/,
  ],
  [
    "±85° on the platform grid",
    () => platformTiles(square(-180, -85, 180, 85)),
    /cells, more than the limit/,
  ],
  [
    "a continent on a 1 km grid",
    () => kmGrid(square(-17, -35, 51, 37), { sizeKm: 1 }),
    /more than the limit/,
  ],
  [
    "a 1 m grid",
    () => kmGrid(square(16, 48, 16.5, 48.3), { sizeKm: 0.001 }),
    /more than the limit/,
  ],
  [
    "a 0 km grid",
    () => kmGrid(square(16, 48, 16.5, 48.3), { sizeKm: 0 }),
    /sizeKm: 0 is not a positive/,
  ],
  ["a negative grid", () => kmGrid(square(16, 48, 16.5, 48.3), { sizeKm: -20 }), /sizeKm/],
  ["an infinite grid", () => kmGrid(square(16, 48, 16.5, 48.3), { sizeKm: Infinity }), /sizeKm/],
  [
    "an unknown platform grid",
    () => platformTiles(square(16, 48, 16.5, 48.3), { grid: "10x10km" as never }),
    /not a platform grid/,
  ],
  ["a tight maxCells", () => platformTiles(square(16, 48, 17, 49), { maxCells: 3 }), /limit of 3/],
];

function assertOneLine(message: string, name: string) {
  assert.ok(!message.includes("\n"), `${name}: more than one line: ${message}`);
  assert.ok(!/\bat .*:\d+:\d+/.test(message), `${name}: a stack trace: ${message}`);
  assert.ok(/;/.test(message), `${name}: no fix after the problem: ${message}`);
}

Deno.test("bad areas: each is refused with one line naming the field and the fix, within a second", () => {
  for (const [name, input, expected] of AREAS) {
    const started = performance.now();
    let error: Error | undefined;
    try {
      parseAoi(input as never);
    } catch (e) {
      error = e as Error;
    }
    const ms = performance.now() - started;
    assert.ok(error, `${name}: accepted`);
    assert.match(error.message, expected, name);
    assert.match(error.message, /^aoi/, `${name}: names the field`);
    assert.ok(error instanceof InputError && error.fix.length > 0, `${name}: an InputError`);
    assertOneLine(error.message, name);
    assert.ok(ms < 1_000, `${name}: took ${ms.toFixed(0)} ms`);
  }
});

Deno.test("bad grids: each is refused before any cell is cut, within a second", () => {
  for (const [name, call, expected] of GRIDS) {
    const started = performance.now();
    assert.throws(call, (e: Error) => {
      assert.match(e.message, expected, name);
      assert.ok(e instanceof InputError, `${name}: an InputError, not a ${e.name}`);
      assertOneLine(e.message, name);
      return true;
    }, name);
    const ms = performance.now() - started;
    assert.ok(ms < 1_000, `${name}: took ${ms.toFixed(0)} ms`);
  }
});

Deno.test("bad options of the library: each is an InputError carrying the field and the fix, and nothing is written", async () => {
  await using dir = await tempDir();
  const backend = { name: "b" } as never;
  const cases: Array<[string, () => unknown, string]> = [
    ["an unknown CRS", () => projection("EPSG:1"), "crs"],
    ["a CRS that is no code", () => projection("WGS84"), "crs"],
    [
      "a key that climbs",
      () => JobManager.open([{ key: "..", item: 1 }], { backend, dir: dir.path }),
      'work item key ".."',
    ],
    [
      "a key twice",
      () =>
        JobManager.open([{ key: "a", item: 1 }, { key: "a", item: 2 }], { backend, dir: dir.path }),
      'work item key "a"',
    ],
    ["no backend", () => JobManager.open([], { dir: dir.path }), "JobManager.open"],
    [
      "no slots",
      () => JobManager.open([], { backend, concurrency: 0, dir: dir.path }),
      'backend "b": concurrency',
    ],
    [
      "a BigInt item",
      () => JobManager.open([{ key: "a", item: 1n }], { backend, dir: dir.path }),
      'work item "a"',
    ],
    [
      "a table export to .xls",
      () => exportTable({} as never, `${dir.path}/t.xls`),
      "exportTable: path",
    ],
    ["a run name with a slash", () => runFolder(dir.path, { name: "a/b" }), "name"],
    [
      "a COG of no pixels",
      () =>
        CogWriter.create(`${dir.path}/x.tif`, {
          width: 0,
          height: 1,
          dataType: "uint8",
          crs: "EPSG:4326",
          origin: [0, 0],
          pixelSize: [1, 1],
        }),
      "width, height",
    ],
    [
      "a COG of an unknown type",
      () =>
        CogWriter.create(`${dir.path}/x.tif`, {
          width: 1,
          height: 1,
          dataType: "int128" as never,
          crs: "EPSG:4326",
          origin: [0, 0],
          pixelSize: [1, 1],
        }),
      "dataType",
    ],
    ["an empty token", () => connectApex({ token: " " }).http.request("x"), "token"],
    ["a sign-in of another library", () => runSignIn({} as never, {} as never), "signIn"],
    ["a password grant of nobody", () => password({ username: "", password: "x" }), "username"],
    ["UP42 with no account", () => connectUp42({}), "username and password"],
    ["Sen2Cube with no account", () => connectSen2Cube({}), "username and password"],
    ["BEOD with no account", () => connectBeod({}), "email and password"],
    [
      "a session and a password",
      () => connectUp42({ session: {} as never, password: "x" }),
      "session",
    ],
    [
      "an APEx session and a token",
      () => connectApex({ session: {} as never, token: "t" }),
      "session",
    ],
    [
      "a BEOD session of nobody",
      () => new BeodSession({ baseUrl: "http://h", email: "", password: "" }),
      "email",
    ],
    [
      "a BEOD job id of two parts",
      () => beodBackend(connectBeod({ sandbox: "http://127.0.0.1:1" }), {} as never).results("3/5"),
      "job id",
    ],
    [
      "a project of no name",
      () => connectBeod({ sandbox: "http://127.0.0.1:1" }).createProject(" "),
      "name",
    ],
    [
      "an inference that ends before it starts",
      () =>
        connectSen2Cube({ sandbox: "http://127.0.0.1:1" }).createInference({
          start: "2021-03-02T00:00:00Z",
          end: "2021-03-01T00:00:00Z",
        } as never),
      "start",
    ],
    ["features that are no collection", () => readFeatures({ type: "Feature" }), "type"],
    ["pixels in a plain array", () => dataTypeOf([1, 2] as never), "pixels"],
  ];
  for (const [name, call, field] of cases) {
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof InputError, `${name}: ${error}`);
    assert.equal(error.field, field, name);
    assert.ok(error.fix.length > 0 && error.message.endsWith(error.fix), name);
    assert.ok(error instanceof RangeError, `${name}: still a RangeError`);
    assertOneLine(error.message, name);
  }
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), [], "nothing written");
});

Deno.test("a comb of 20,000 vertices tiles or is refused in time, never crashes", () => {
  const started = performance.now();
  try {
    const tiles = platformTiles(comb(5_000));
    assert.ok(tiles.length > 0);
  } catch (error) {
    assertOneLine((error as Error).message, "comb");
  }
  assert.ok(performance.now() - started < 20_000);
});

Deno.test("a valid outline just under the vertex limit parses and tiles in time", () => {
  // The self-intersection check sweeps along x: 99,999 vertices, not 10^10 edge pairs.
  const started = performance.now();
  const area = parseAoi(circle(99_999) as never);
  const parsed = performance.now() - started;
  const tiles = platformTiles(area);
  assert.ok(tiles.length > 0);
  assert.ok(parsed < 5_000, `parsing took ${parsed.toFixed(0)} ms`);
  assert.ok(performance.now() - started < 20_000);
});

Deno.test("one unauthenticated /apex/tiles request for the world cannot wedge the sandbox", async () => {
  await using sb = await sandbox();
  const world = {
    grid: "20x20km",
    aoi: {
      type: "Polygon",
      coordinates: [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]],
    },
  };
  const started = performance.now();
  const tiles = fetch(`${sb.url}/apex/tiles`, { method: "POST", body: JSON.stringify(world) });
  const health = await fetch(`${sb.url}/apex/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const answer = await tiles;
  assert.equal(answer.status, 500);
  const body = await answer.json();
  assert.equal(body.error_code, "INTERNAL_ERROR");
  assert.match(body.details.error, /at most \d+ cells per request/);
  assert.ok(performance.now() - started < 2_000);
});

Deno.test("a JSON Lines table of earlier versions is migrated on open, lines that are not rows skipped, the old file kept", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/jobs.jsonl`;
  const text = [
    '{"meta":{"backends":{"apex":{"url":"http://x/apex/"}}}}',
    '{"key":"a","item":1,"phase":"done","attempts":[],"updated":0}',
    '{"foo":1}',
    "[1,2]",
    '"text"',
    "null",
    '{"key":"b","phase":"exploded","attempts":[]}',
    '{"key":"c","phase":"done","attempts":[{"n":"x"}]}',
    '{"key":"a","item":1,"phase":"failed","attempts":[],"updated":1}',
    '{"key":"d","item":2,"phase":"pen',
  ].join("\n");
  await Deno.writeTextFile(path, text);
  const table = await JobTable.inFolder(dir.path);
  assert.deepEqual(table.rows().map((r) => [r.key, r.phase]), [["a", "failed"]]);
  assert.equal(table.ignoredLines, 7);
  assert.equal(table.migratedFrom, path);
  assert.equal(table.meta?.backends.apex.url, "http://x/apex/");
  table.close();
  assert.equal(await Deno.readTextFile(path), text, "the old file is kept as it was");
  const again = await JobTable.inFolder(dir.path, { readOnly: true });
  assert.equal(again.migratedFrom, undefined, "migrated once");
  assert.deepEqual(again.rows().map((r) => r.phase), ["failed"]);
  again.close();
});

/** Flags and files given to the scripts; each run must exit 2 with one line and submit nothing. */
function flagCases(
  sandboxUrl: string,
  dir: string,
): Array<[string, string[], RegExp, Record<string, string>?]> {
  const up = (
    ...args: string[]
  ) => ["scripts/upscale.ts", "--sandbox-url", sandboxUrl, "--out", `${dir}/u`, ...args];
  const job = (
    ...args: string[]
  ) => ["scripts/apex_job.ts", "--sandbox-url", sandboxUrl, "--out", `${dir}/j`, ...args];
  const beod = (
    ...args: string[]
  ) => ["scripts/beod_extract.ts", "--sandbox-url", sandboxUrl, "--out", `${dir}/b`, ...args];
  return [
    ["unknown flag", up("--nope"), /unknown option --nope/],
    [
      "run name with a path",
      up("--run", "../elsewhere"),
      /--run "\.\.\/elsewhere": use letters, digits/,
    ],
    ["mosaic CRS unknown", up("--mosaic-crs", "EPSG:1"), /--mosaic-crs EPSG:1 is not known/],
    [
      "publish to no URL",
      up("--publish", "catalogue"),
      /--publish "catalogue": give the STAC API's URL/,
    ],
    ["beod run name", beod("--run", "a/b"), /--run "a\/b": use letters, digits/],
    ["flag without its value", up("--aoi"), /--aoi needs a value/],
    [
      "concurrency 0",
      up("--concurrency", "0"),
      /--concurrency "0": give a whole number of 1 or more/,
    ],
    ["concurrency text", up("--concurrency", "many"), /--concurrency "many"/],
    ["concurrency fraction", up("--concurrency", "1.5"), /--concurrency "1.5"/],
    ["attempts 0", up("--attempts", "0"), /--attempts "0"/],
    ["negative poll", up("--poll-ms", "-5"), /--poll-ms/],
    ["negative poll with =", up("--poll-ms=-5"), /--poll-ms "-5"/],
    ["downloads 0", up("--downloads", "0"), /--downloads "0"/],
    ["deadline 0", up("--deadline", "0"), /--deadline "0"/],
    ["cancel-after text", up("--cancel-after", "soon"), /--cancel-after "soon"/],
    ["unknown grid", up("--grid", "hexagons"), /--grid "hexagons": use 20x20km/],
    ["a 0 km grid", up("--grid", "km:0"), /--grid km:0: sizeKm: 0 is not a positive/],
    ["a 1 m grid", up("--grid", "km:0.001"), /--grid km:0\.001: .*more than the limit/],
    ["unknown mode", up("--mode", "turbo"), /--mode "turbo": use manager or task/],
    ["unknown sign-in", up("--sign-in", "fax"), /--sign-in "fax": use browser or device/],
    ["a missing AOI file", up("--aoi", `${dir}/missing.geojson`), /--aoi .*no such file/],
    [
      "an antimeridian AOI",
      up("--aoi", "POLYGON ((179 -17, -179 -17, -179 -16, 179 -16, 179 -17))"),
      /antimeridian/,
    ],
    [
      "the world",
      up("--aoi", "POLYGON ((-180 -90, 180 -90, 180 90, -180 90, -180 -90))"),
      /85\.05/,
    ],
    ["an AOI file of garbage", up("--aoi", `${dir}/garbage.txt`), /--aoi: aoi/],
    ["too many tiles without --yes", up("--grid", "km:1"), /more than 500; pass --yes/],
    ["requeue without resume", up("--requeue", "failed"), /--requeue goes with --resume/],
    ["merge without resume", up("--merge"), /--merge goes with --resume/],
    ["new-table with resume", up("--new-table", "--resume"), /exclude each other/],
    ["a stray argument", up("extra"), /unexpected argument "extra"/],
    [
      "sandbox unknown flag",
      ["lib/sandbox/main.ts", "--bogus"],
      /^sandbox: unknown option --bogus$/,
    ],
    [
      "sandbox flag without its value",
      ["lib/sandbox/main.ts", "--port"],
      /--port <value>' argument missing/,
    ],
    [
      "sandbox-url not a URL",
      ["scripts/upscale.ts", "--sandbox-url", "not-a-url"],
      /--sandbox-url "not-a-url" is not a URL/,
    ],
    [
      "sandbox-url ftp",
      ["scripts/upscale.ts", "--sandbox-url", "ftp://127.0.0.1:21"],
      /use an http:\/\/ URL/,
    ],
    [
      "no sandbox there",
      ["scripts/upscale.ts", "--sandbox-url", "http://127.0.0.1:9"],
      /no sandbox answers there/,
    ],
    ["apex_job bbox out of range", job("--bbox=-200,0,1,1"), /longitudes go from -180 to 180/],
    ["apex_job bbox with three numbers", job("--bbox", "1,2,3"), /--bbox "1,2,3"/],
    ["apex_job bbox upside down", job("--bbox", "1,2,0,1"), /west < east/],
    ["apex_job unknown format", job("--format", "png"), /--format "png": use gtiff or geojson/],
    ["apex_job unknown flag", job("--fast"), /unknown option --fast/],
    ["beod crs", beod("--crs", "1234"), /--crs "1234": use 3857 or 4326/],
    ["beod AOI text", beod("--aoi", "POLYGON ((0 0, 1 1))"), /too few/],
    ["beod unknown flag", beod("--project", "x"), /unknown option --project/],
    [
      "beod password missing",
      ["scripts/beod_extract.ts"],
      /BEOD_EMAIL is set but BEOD_PASSWORD is not/,
      { BEOD_EMAIL: "a@b.c" },
    ],
  ];
}

Deno.test("bad flags and files: one line, exit 2, no stack trace, nothing submitted", async () => {
  await using sb = await sandbox();
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/garbage.txt`, "this is not an area");
  const cases = flagCases(sb.url, dir.path);
  const run = async ([name, args, expected, env]: (typeof cases)[number]) => {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...args],
      env: { ...env, BEOD_PASSWORD: env ? "" : "x", NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stderr).trim();
    const lines = text.split("\n").filter((l) => !l.includes("Run with --help"));
    assert.equal(code, 2, `${name}: exit ${code}\n${text}`);
    assert.equal(lines.length, 1, `${name}: ${lines.length} lines\n${text}`);
    assert.match(lines[0], expected, name);
    assert.ok(!/\bat .*:\d+:\d+/.test(text), `${name}: stack trace\n${text}`);
  };
  for (let i = 0; i < cases.length; i += 4) await Promise.all(cases.slice(i, i + 4).map(run));
  const twin = sb.twin<ApexTwin>("/apex");
  assert.equal(twin.store.jobs.size + twin.store.tasks.size, 0, "nothing was submitted");
  assert.ok(AREAS.length + GRIDS.length + cases.length + 1 >= 100, "the catalogue has 100 entries");
});

Deno.test("swapped coordinates get a warning that names the likely place; right ones do not", async () => {
  const edinburgh = "POLYGON ((-3.3 55.9, -3.1 55.9, -3.1 56.0, -3.3 56.0, -3.3 55.9))";
  const swapped = edinburgh.replace(/(-?[\d.]+) (-?[\d.]+)/g, "$2 $1");
  assert.equal(describePlace(edinburgh).warning, undefined);
  assert.equal(describePlace(edinburgh).country, "United Kingdom");
  assert.match(describePlace(swapped).warning ?? "", /at sea; .*United Kingdom.*swap/);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/upscale.ts", "--aoi", swapped, "--grid", "km:0"],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  assert.equal(code, 2, text);
  assert.match(text, /^warning: --aoi: .*United Kingdom/m);
  assert.match(text, /--grid km:0/);
});
