/**
 * What `mod.ts` shows a user: the number of public symbols, printed, under a limit that only
 * goes down; internals named here stay out.
 */
import assert from "node:assert/strict";

/** The most public symbols `mod.ts` may have; lower it as internals leave. */
const LIMIT = 368;
const INTERNALS = [
  "checkRequest",
  "forD3",
  "redactUrl",
  "redactText",
  "redactError",
  "cutResponse",
  "droppedResponse",
  "oddResponse",
  "selfNextResponse",
  "stalledBody",
  "trickledBody",
  "pause",
  "jobSnapshot",
  "parseErrorBody",
  "ErrorBodyFacts",
  "MAX_PAGES",
  "encodePng",
  "base64",
  "rasterPixels",
  "svgToPng",
  "epsgCode",
  "LEGACY_TABLE_FILE",
  "fileFacts",
  "STAC_EXTENSIONS",
  "markSyntheticData",
  "socketMessages",
  "SocketOptions",
  "ResultFile",
  "ResultEntry",
  "pollFloorMs",
  "withPollFloor",
  "PLATFORM_POLL_FLOOR_MS",
  "SANDBOX_POLL_FLOOR_MS",
  "dispositionFileName",
  "pageGuard",
  "stateMapper",
  "RunLoop",
  "DownloadPool",
  "resolveOptions",
];

Deno.test("public face: deno doc mod.ts lists at most the limit, and no internal", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  const doc = JSON.parse(new TextDecoder().decode(stdout)) as {
    nodes: Record<string, { symbols: Array<{ name: string }> }>;
  };
  const names = Object.values(doc.nodes).flatMap((m) => m.symbols.map((s) => s.name));
  console.log(`mod.ts: ${names.length} public symbols (limit ${LIMIT})`);
  assert.ok(names.length <= LIMIT, `${names.length} public symbols, more than ${LIMIT}`);
  assert.deepEqual(INTERNALS.filter((n) => names.includes(n)), []);
});
