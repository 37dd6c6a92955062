/**
 * Serves bytes the way object storage does: `Accept-Ranges`, single `Range` requests with 206
 * and `Content-Range`, 416 for ranges past the end, `HEAD`, and a strong `ETag`.
 *
 * @module
 */

/**
 * Answers `request` with `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveBytes } from "./range.ts";
 * const r = serveBytes(new Request("http://x/f", { headers: { range: "bytes=1-2" } }), new Uint8Array([1, 2, 3]), "application/octet-stream");
 * assert.ok(r.status === 206);
 * ```
 */
export function serveBytes(
  request: Request,
  bytes: Uint8Array,
  contentType: string,
  etag?: string,
): Response {
  const headers = new Headers({ "content-type": contentType, "accept-ranges": "bytes" });
  if (etag) headers.set("etag", `"${etag}"`);
  const body = (b: Uint8Array) => (request.method === "HEAD" ? null : new Uint8Array(b));
  const range = request.headers.get("range");
  const ifRange = request.headers.get("if-range");
  if (range && (!ifRange || !etag || ifRange === `"${etag}"`)) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] || m[2])) {
      let start = m[1] ? Number(m[1]) : Math.max(0, bytes.length - Number(m[2]));
      let end = m[1] && m[2] ? Number(m[2]) : bytes.length - 1;
      if (!m[1]) end = bytes.length - 1;
      end = Math.min(end, bytes.length - 1);
      if (start >= bytes.length || start > end) {
        headers.set("content-range", `bytes */${bytes.length}`);
        return new Response(null, { status: 416, headers });
      }
      start = Math.max(0, start);
      headers.set("content-range", `bytes ${start}-${end}/${bytes.length}`);
      headers.set("content-length", String(end - start + 1));
      return new Response(body(bytes.subarray(start, end + 1)), { status: 206, headers });
    }
  }
  headers.set("content-length", String(bytes.length));
  return new Response(body(bytes), { status: 200, headers });
}
