/**
 * Download throughput of `downloadFile` against `curl` on the same loopback file (served by a
 * separate process), and the downloader's peak memory: it streams, so its RSS should not grow
 * with the file.
 *
 * Run: `deno task bench:download [SIZE_MIB]`
 *
 * @module
 */
import { downloadFile } from "../mod.ts";

const sizeMiB = Number(Deno.args[0] ?? "256");
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net=127.0.0.1", "bench/file_server.ts", String(sizeMiB)],
  stdout: "piped",
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
const url = (await reader.read()).value!.trim();
const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-" });

async function timeCurl(): Promise<number | undefined> {
  try {
    const t0 = performance.now();
    const { code } = await new Deno.Command("curl", { args: ["-sS", "-o", `${dir}/curl.bin`, url] })
      .output();
    return code === 0 ? (performance.now() - t0) / 1000 : undefined;
  } catch {
    return undefined;
  }
}

const rssBefore = Deno.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 10);
const results: string[] = [];
for (let round = 1; round <= 3; round++) {
  const timeOurs = async (durable: boolean) => {
    await Deno.remove(`${dir}/ours.bin`).catch(() => {});
    const t0 = performance.now();
    await downloadFile(url, `${dir}/ours.bin`, { size: sizeMiB * 2 ** 20, durable });
    return (performance.now() - t0) / 1000;
  };
  const fast = await timeOurs(false);
  const curl = await timeCurl();
  const durable = await timeOurs(true);
  results.push(
    `round ${round}: eojobs ${(sizeMiB / fast).toFixed(0)} MiB/s (durable: false), ` +
      `${(sizeMiB / durable).toFixed(0)} MiB/s (durable: true, fsync before rename)` +
      (curl
        ? `; curl ${(sizeMiB / curl).toFixed(0)} MiB/s; eojobs/curl ${(curl / fast).toFixed(2)}`
        : "; curl not installed"),
  );
}
clearInterval(sampler);
console.log(`${sizeMiB} MiB over loopback, file served by a separate process`);
for (const line of results) console.log(line);
console.log(
  `downloader RSS: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${
    (peak / 2 ** 20).toFixed(0)
  } MiB (+${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB for a ${sizeMiB} MiB file)`,
);
server.kill();
await server.status;
await Deno.remove(dir, { recursive: true });
