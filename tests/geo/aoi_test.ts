import assert from "node:assert/strict";
import { AoiError, parseAoi, parseWkt, toWkt } from "../../lib/geo/mod.ts";

const square = [[[16.1, 48.0], [16.7, 48.0], [16.7, 48.3], [16.1, 48.3], [16.1, 48.0]]];

Deno.test("AOIs come as GeoJSON objects, GeoJSON text, Features, collections or WKT", () => {
  const polygon = { type: "Polygon", coordinates: square };
  assert.equal(parseAoi(polygon).type, "Polygon");
  assert.equal(parseAoi(JSON.stringify(polygon)).type, "Polygon");
  assert.equal(parseAoi({ type: "Feature", properties: {}, geometry: polygon }).type, "Polygon");
  const fc = parseAoi({
    type: "FeatureCollection",
    features: [
      { type: "Feature", properties: {}, geometry: polygon },
      {
        type: "Feature",
        properties: {},
        geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] },
      },
    ],
  });
  assert.equal(fc.type, "MultiPolygon");
  assert.equal(fc.coordinates.length, 2);
  const wkt = "POLYGON ((16.1 48, 16.7 48, 16.7 48.3, 16.1 48.3, 16.1 48))";
  assert.deepEqual(parseAoi(wkt), {
    type: "Polygon",
    coordinates: square.map((r) => r.map(([x, y]) => [x, y])),
  });
  assert.deepEqual(parseAoi("SRID=4326;POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1))").coordinates, [[
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 0],
  ]]);
  const multi = parseWkt(
    "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2), (2.1 2.05, 2.9 2.05, 2.9 2.8, 2.1 2.05)))",
  );
  assert.equal(multi.type, "MultiPolygon");
  assert.deepEqual(parseWkt(toWkt(multi)), multi);
});

function fails(input: unknown, field: RegExp, text: RegExp) {
  assert.throws(() => parseAoi(input as never), (e: Error) => {
    assert.ok(e instanceof AoiError, `${e}`);
    assert.match(e.field, field);
    assert.match(e.message, text);
    return true;
  });
}

Deno.test("bad AOIs are refused with the field and the fix", () => {
  fails(
    { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] },
    /^coordinates\[0\]$/,
    /open.*repeating the first position/,
  );
  fails(
    { type: "Polygon", coordinates: [[[0, 0], [1, 0], [0, 0]]] },
    /^coordinates\[0\]$/,
    /3 positions.*4 positions/,
  );
  fails(
    { type: "Polygon", coordinates: [[[48.2, 16.3], [48.3, 96.3], [48.4, 16.4], [48.2, 16.3]]] },
    /coordinates\[0\]\[1\]/,
    /latitude 96.3.*\[latitude, longitude\]/,
  );
  fails(
    { type: "Polygon", coordinates: [[[190, 0], [191, 0], [191, 1], [190, 0]]] },
    /coordinates\[0\]\[0\]/,
    /longitude 190/,
  );
  fails(
    { type: "Polygon", coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] },
    /^coordinates$/,
    /intersects itself/,
  );
  fails({ type: "Point", coordinates: [0, 0] }, /^type$/, /"Point" has no area/);
  fails({ type: "FeatureCollection", features: [] }, /^$/, /empty/);
  fails("POLYGON EMPTY", /^wkt$/, /no area/);
  fails("POLYGON ((0 0, 1 0, 1 1 0 0))", /^coordinates\[0\]$/, /3 positions/);
  fails("POLYGON ((0 0, 1 0, x 1, 0 0))", /^wkt@\d+$/, /expected a number/);
  fails("LINESTRING (0 0, 1 1)", /^wkt@/, /not an area type/);
  fails("{not json", /^$/, /not valid JSON/);
  fails({ type: "Feature", properties: {} }, /^geometry$/, /no geometry/);
  fails("", /^$/, /empty string/);
});

Deno.test("holes and multipolygons pass; a hole crossing its shell does not", () => {
  const withHole = {
    type: "Polygon",
    coordinates: [square[0], [[16.2, 48.1], [16.3, 48.1], [16.3, 48.2], [16.2, 48.1]]],
  };
  assert.equal(parseAoi(withHole).coordinates.length, 2);
  fails(
    {
      type: "Polygon",
      coordinates: [square[0], [[16.0, 48.1], [16.3, 48.1], [16.3, 48.2], [16.0, 48.1]]],
    },
    /^coordinates$/,
    /ring 0 and ring 1/,
  );
});
