/**
 * Single status reads: one failure among many leaves only that job out of the round, a 404 is
 * an absent job, and a round where nothing answered fails as a whole.
 */
import assert from "node:assert/strict";
import { HttpError, NetworkError } from "../../lib/http/errors.ts";
import { readEach } from "../../lib/upscale/read_each.ts";

const notFound = () =>
  new HttpError({ status: 404, method: "GET", url: "http://127.0.0.1:1/jobs/x", body: "" });
const dropped = () => new NetworkError("GET", "http://127.0.0.1:1/jobs/x", new TypeError("reset"));

Deno.test("readEach: a failed read leaves its job out, a 404 too, the rest are read", async () => {
  const ids = Array.from({ length: 20 }, (_, i) => String(i));
  const read = await readEach(ids, (id) => {
    if (id === "3") return Promise.reject(dropped());
    if (id === "17") return Promise.reject(notFound());
    return Promise.resolve(`job ${id}`);
  });
  assert.equal(read.size, 18);
  assert.equal(read.get("12"), "job 12");
  assert.ok(!read.has("3") && !read.has("17"));
});

Deno.test("readEach: when no read answered, the round fails with the first error", async () => {
  await assert.rejects(
    () => readEach(["1", "2", "3"], () => Promise.reject(dropped())),
    NetworkError,
  );
  // Only 404s: every job is absent, which is an answer.
  assert.equal((await readEach(["1", "2"], () => Promise.reject(notFound()))).size, 0);
});

Deno.test("readEach: never more than eight reads in flight", async () => {
  let inFlight = 0, most = 0;
  await readEach(Array.from({ length: 30 }, (_, i) => String(i)), async () => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
  });
  assert.equal(most, 8);
});
