/**
 * A loopback file server for the download benchmark: serves `SIZE_MIB` MiB of bytes at `/file`
 * with Range support, and prints its URL.
 *
 * @module
 */
import { serveBytes } from "../lib/sandbox/files/range.ts";

const size = Number(Deno.args[0] ?? "256") * 2 ** 20;
const bytes = new Uint8Array(size);
for (let i = 0; i < size; i += 4096) bytes[i] = i & 0xff;
const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`http://127.0.0.1:${port}/file`),
}, (req) => serveBytes(req, bytes, "application/octet-stream", "bench"));
await server.finished;
