import assert from "node:assert/strict";
import { inspect } from "node:util";
import { downloadFile } from "../../lib/download/mod.ts";
import { HttpClient, NetworkError } from "../../lib/http/mod.ts";
import { redactUrl } from "../../lib/http/redact.ts";
import { recordingServer, tempDir } from "../helpers.ts";

const SECRETS = ["AKIDEXAMPLE1234", "f00dfacecafe", "s3cr3t-token", "p0licyB64", "sig-xyz"];
const SIGNED = "https://bucket.s3.eu-central-1.amazonaws.com/out/openEO.tif" +
  `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${SECRETS[0]}%2F20261123` +
  `&X-Amz-Signature=${SECRETS[1]}&token=${SECRETS[2]}&Policy=${SECRETS[3]}&Signature=${SECRETS[4]}`;

function assertClean(text: string) {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${s} leaked in:\n${text}`);
}

Deno.test("signed-URL parameters and token-like path segments are masked", () => {
  assertClean(redactUrl(SIGNED));
  assert.match(
    redactUrl(SIGNED),
    /^https:\/\/bucket\.s3\.eu-central-1\.amazonaws\.com\/out\/openEO\.tif\?/,
  );
  const jwtPath = "https://h/dl/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AbCdEf123/file.tif";
  assert.equal(redactUrl(jwtPath), "https://h/dl/***/file.tif");
  const key = "https://h/k/9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ/file.tif";
  assert.equal(redactUrl(key), "https://h/k/***/file.tif");
  const uuid = "https://h/jobs/0f4c2a3e-1b2d-4c5e-8f90-123456789abc";
  assert.equal(redactUrl(uuid), uuid, "job ids stay readable");
});

Deno.test("a network failure's cause chain, as printed, carries no secret", async () => {
  await using server = await recordingServer(() => {
    throw new Error("boom");
  });
  // A port nobody listens on, named by a signed URL: the fetch error quotes the whole URL.
  const http = new HttpClient({ baseUrl: server.url, retry: { retries: 0 } });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const url = SIGNED.replace(
    "https://bucket.s3.eu-central-1.amazonaws.com",
    `http://127.0.0.1:${port}`,
  );
  const error = await http.request(url).catch((e) => e);
  assert.ok(error instanceof NetworkError);
  assert.ok(error.cause !== undefined, "the low-level cause is kept");
  assertClean(inspect(error, { depth: 10 }));
  assertClean(String(error.stack));
  assertClean(inspect(error.cause, { depth: 10 }));
});

Deno.test("a download that keeps breaking off reports no signature in its message or cause", async () => {
  await using dir = await tempDir();
  await using server = await recordingServer(() =>
    new Response(
      new ReadableStream({
        pull(c) {
          c.enqueue(new Uint8Array(10));
          c.error(new Error("cut"));
        },
      }),
      { headers: { "content-length": "100" } },
    )
  );
  const url = SIGNED.replace("https://bucket.s3.eu-central-1.amazonaws.com", server.url);
  const error = await downloadFile(url, `${dir.path}/x.tif`, { resumes: 1 }).catch((e) => e);
  assert.ok(error instanceof Error, String(error));
  assertClean(inspect(error, { depth: 10 }));
});
