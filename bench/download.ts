/**
 * Download throughput of eojobs against `curl` on the same loopback files, served by a separate
 * process, in the same run:
 * - one large file (256 MiB), `downloadFile` against `curl`, five rounds in alternating order
 *   (the median ratio counts; target at least 0.9x);
 * - many files (1,000 of 5 MiB), `downloadAll` 8 at a time against `curl --parallel
 *   --parallel-max 8` (target at least 0.9x), with the downloader's RSS sampled throughout: it
 *   streams, so it should stay flat however many files go by.
 *
 * Run: `deno task bench:download [--size MIB] [--files N] [--file-mib MIB] [--rounds N]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { downloadAll, downloadFile } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string", default: "256" },
    files: { type: "string", default: "1000" },
    "file-mib": { type: "string", default: "5" },
    rounds: { type: "string", default: "5" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "deno task bench:download [--size MIB] [--files N] [--file-mib MIB] [--rounds N]\n\n" +
      "eojobs downloads against curl on loopback: one large file, then many files 8 at a time.",
  );
  Deno.exit(0);
}
const sizeMiB = Number(values.size), files = Number(values.files);
const fileMiB = Number(values["file-mib"]), rounds = Number(values.rounds);

async function fileServer(mib: number) {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", "bench/file_server.ts", String(mib)],
    stdout: "piped",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const url = (await reader.read()).value!.trim();
  return { url, stop: async () => (process.kill(), await process.status) };
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

async function curl(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("curl", { args, stderr: "piped" }).output();
  if (code !== 0) throw new Error(`curl failed: ${new TextDecoder().decode(stderr)}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const verdict = (ratio: number) => ratio >= 0.9 ? "ok" : "MISSED";

try {
  await curl(["--version"]);
} catch {
  console.log("curl is not installed: nothing to compare with");
  Deno.exit(1);
}
const dir = await Deno.makeTempDir({ prefix: "eojobs-bench-" });
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 10);

{
  const server = await fileServer(sizeMiB);
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const timeOurs = async () => {
      await Deno.remove(`${dir}/ours.bin`).catch(() => {});
      return await seconds(() =>
        downloadFile(server.url, `${dir}/ours.bin`, { size: sizeMiB * 2 ** 20, durable: false })
      );
    };
    const timeCurl = () => seconds(() => curl(["-sS", "-o", `${dir}/curl.bin`, server.url]));
    // Alternating who goes first, so that neither always gets the warmer page cache.
    let ours: number, theirs: number;
    if (round % 2 === 1) {
      ours = await timeOurs();
      theirs = await timeCurl();
    } else {
      theirs = await timeCurl();
      ours = await timeOurs();
    }
    ratios.push(theirs / ours);
    console.log(
      `large, round ${round}: eojobs ${(sizeMiB / ours).toFixed(0)} MiB/s, curl ${
        (sizeMiB / theirs).toFixed(0)
      } MiB/s; eojobs/curl ${(theirs / ours).toFixed(2)}`,
    );
  }
  const m = median(ratios);
  console.log(
    `large: ${sizeMiB} MiB, median eojobs/curl ${
      m.toFixed(2)
    } over ${rounds} rounds [target >= 0.9x: ${verdict(m)}]`,
  );
  await Deno.remove(`${dir}/ours.bin`).catch(() => {});
  await Deno.remove(`${dir}/curl.bin`).catch(() => {});
  await server.stop();
}

{
  const server = await fileServer(fileMiB);
  const names = Array.from({ length: files }, (_, i) => `f-${String(i).padStart(5, "0")}.bin`);
  await Deno.writeTextFile(
    `${dir}/curl.cfg`,
    names.map((n) => `url = "${server.url}/${n}"\noutput = "${dir}/curl/${n}"\n`).join(""),
  );
  const theirs = async () => {
    await Deno.remove(`${dir}/curl`, { recursive: true }).catch(() => {});
    await Deno.mkdir(`${dir}/curl`);
    return await seconds(() =>
      curl(["-sS", "--parallel", "--parallel-max", "8", "-K", `${dir}/curl.cfg`])
    );
  };
  const rss: number[] = [];
  const ours = async () => {
    await Deno.remove(`${dir}/ours`, { recursive: true }).catch(() => {});
    const every = setInterval(() => rss.push(Deno.memoryUsage().rss), 100);
    try {
      return await seconds(() =>
        downloadAll(
          names.map((n) => ({ url: `${server.url}/${n}`, path: n, size: fileMiB * 2 ** 20 })),
          { dir: `${dir}/ours`, concurrency: 8, durable: false },
        )
      );
    } finally {
      clearInterval(every);
    }
  };
  const first = await ours();
  const curlTime = await theirs();
  const second = await ours();
  const best = Math.min(first, second);
  const total = files * fileMiB;
  const ratio = curlTime / best;
  const tenth = Math.floor(rss.length / 10);
  const early = Math.max(...rss.slice(0, Math.max(1, tenth))) / 2 ** 20;
  const late = Math.max(...rss.slice(-Math.max(1, tenth))) / 2 ** 20;
  console.log(
    `many: ${files} files of ${fileMiB} MiB, 8 at a time: eojobs ${
      (total / first).toFixed(0)
    } and ${(total / second).toFixed(0)} MiB/s, curl --parallel ${
      (total / curlTime).toFixed(0)
    } MiB/s; eojobs/curl ${ratio.toFixed(2)} [target >= 0.9x: ${verdict(ratio)}]`,
  );
  console.log(
    `many: downloader RSS ${early.toFixed(0)} MiB in the first tenth of the files, ${
      late.toFixed(0)
    } MiB in the last (flat when the two are close)`,
  );
  await server.stop();
}

clearInterval(sampler);
console.log(`downloader peak RSS over the whole bench: ${(peak / 2 ** 20).toFixed(0)} MiB`);
await Deno.remove(dir, { recursive: true });
