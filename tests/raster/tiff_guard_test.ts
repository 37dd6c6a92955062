/**
 * Hostile GeoTIFFs, as a broken or compromised platform would serve them: each is downloaded
 * over HTTP and read from the file and from its URL, and each ends in one RasterError naming
 * where it came from, fast and without taking the machine's memory.
 */
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { downloadFile } from "../../lib/download/download.ts";
import { RasterError } from "../../lib/raster/errors.ts";
import { rasterInfo, readRaster } from "../../lib/raster/read.ts";
import {
  ASCII,
  DOUBLE,
  type Entry,
  geoKeys,
  ifdSize,
  LONG,
  SHORT,
  writeHeader,
  writeIfd,
} from "../../lib/raster/_tiff.ts";
import { recordingServer, tempDir } from "../helpers.ts";

interface Shape {
  width: number;
  height: number;
  tile: number;
  /** One stream per tile, across then down; an empty one is a sparse tile. */
  tiles: Uint8Array[];
  compression: 1 | 8;
  /** The first directory's next-IFD offset points back at itself. */
  loop?: boolean;
}

/** A tiled, single-band uint8 GeoTIFF in EPSG:32633, laid out by hand. */
function tiff(shape: Shape): Uint8Array {
  const entries = (offsets: number[]): Entry[] => [
    { tag: 256, type: LONG, values: [shape.width] },
    { tag: 257, type: LONG, values: [shape.height] },
    { tag: 258, type: SHORT, values: [8] },
    { tag: 259, type: SHORT, values: [shape.compression] },
    { tag: 262, type: SHORT, values: [1] },
    { tag: 277, type: SHORT, values: [1] },
    { tag: 284, type: SHORT, values: [1] },
    { tag: 322, type: SHORT, values: [shape.tile] },
    { tag: 323, type: SHORT, values: [shape.tile] },
    { tag: 324, type: LONG, values: offsets },
    { tag: 325, type: LONG, values: shape.tiles.map((t) => t.length) },
    { tag: 339, type: SHORT, values: [1] },
    { tag: 33550, type: DOUBLE, values: [10, 10, 0] },
    { tag: 33922, type: DOUBLE, values: [0, 0, 0, 500_000, 5_300_000, 0] },
    { tag: 34735, type: SHORT, values: geoKeys(32633, false) },
    { tag: 42113, type: ASCII, values: "0" },
  ];
  const head = 8 + ifdSize(entries(shape.tiles.map(() => 0)), false);
  const offsets: number[] = [];
  let at = head;
  for (const t of shape.tiles) {
    offsets.push(t.length === 0 ? 0 : at);
    at += t.length;
  }
  const bytes = new Uint8Array(at);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 8, false);
  writeIfd(view, 8, entries(offsets), shape.loop ? 8 : 0, false);
  shape.tiles.forEach((t, i) => bytes.set(t, offsets[i]));
  return bytes;
}

/** Serves each file with range requests, as a platform's object store does. */
function fileServer(files: Record<string, Uint8Array>) {
  return recordingServer((request) => {
    const body = files[new URL(request.url).pathname.slice(1)];
    if (!body) return new Response("no such file", { status: 404 });
    const range = /bytes=(\d+)-(\d*)/.exec(request.headers.get("range") ?? "");
    if (!range) return new Response(body.slice());
    const start = Number(range[1]);
    const end = Math.min(body.length - 1, range[2] ? Number(range[2]) : body.length - 1);
    return new Response(body.slice(start, end + 1), {
      status: 206,
      headers: { "content-range": `bytes ${start}-${end}/${body.length}` },
    });
  });
}

/** Reads `source` three ways; each must end in a RasterError matching `pattern` and naming it. */
async function refused(source: string, pattern: RegExp) {
  const started = performance.now();
  for (const read of [() => readRaster(source), () => rasterInfo(source).then((i) => i.read())]) {
    await assert.rejects(read, (e: Error) => {
      assert.ok(e instanceof RasterError, `${e.name}: ${e.message}`);
      assert.match(e.message, pattern);
      assert.ok(e.message.startsWith(`${source}: `), `names the file: ${e.message}`);
      return true;
    });
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 5, `refused after ${seconds.toFixed(1)} s`);
}

Deno.test("tiff guard: directories that loop, a deflate bomb and a huge declared size are refused fast, naming the file", async () => {
  const inner = new Uint8Array(256 * 256).fill(7);
  const files = {
    "loop.tif": tiff({
      width: 256,
      height: 256,
      tile: 256,
      tiles: [deflateSync(inner)],
      compression: 8,
      loop: true,
    }),
    // 64 MiB of zeros behind a tile that holds 64 KiB: about 1,000 times its declared size.
    "bomb.tif": tiff({
      width: 256,
      height: 256,
      tile: 256,
      tiles: [deflateSync(new Uint8Array(64 << 20))],
      compression: 8,
    }),
    // 40,000 x 40,000 pixels, every tile sparse: 1.6 GB to allocate from a 60 KB file.
    "huge.tif": tiff({
      width: 40_000,
      height: 40_000,
      tile: 512,
      tiles: Array.from({ length: 79 * 79 }, () => new Uint8Array()),
      compression: 8,
    }),
    "good.tif": tiff({
      width: 256,
      height: 256,
      tile: 256,
      tiles: [deflateSync(inner)],
      compression: 8,
    }),
  };
  await using server = await fileServer(files);
  await using dir = await tempDir();
  for (const name of Object.keys(files)) {
    await downloadFile(`${server.url}/${name}`, `${dir.path}/${name}`);
  }

  const good = await readRaster(`${dir.path}/good.tif`);
  assert.equal(good.values[0], 7, "a sound file still reads");
  assert.equal((await readRaster(`${server.url}/good.tif`)).values[256 * 256 - 1], 7);

  for (const where of [dir.path, server.url]) {
    await refused(`${where}/loop.tif`, /image directories go round in a loop/);
    await refused(`${where}/huge.tif`, /40000 x 40000 pixels x 1 band .* pixel budget/);
  }
  // A URL is read through geotiff.js's decoder, a file through eojobs' own tile reader: both cap.
  for (const where of [dir.path, server.url]) {
    await refused(`${where}/bomb.tif`, /inflates to more than its 65536 bytes/);
  }
  // The budget is per read: a window of the same file is fine.
  const info = await rasterInfo(`${dir.path}/huge.tif`);
  const [window] = await info.read([0, 0, 512, 512]);
  assert.equal(window.length, 512 * 512);
});
