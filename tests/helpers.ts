/**
 * Test helpers: a sandbox on a free port, a throw-away cache folder, a fetch that counts, and
 * a "browser" that fills in the sandbox's sign-in form.
 *
 * @module
 */
import { type Sandbox, type SandboxOptions, startSandbox } from "../lib/sandbox/server.ts";
import { allPlatforms } from "../lib/sandbox/platforms.ts";
import { connectUp42, Up42, type Up42Job } from "../lib/platforms/up42/mod.ts";
import { connectApex } from "../lib/platforms/apex/mod.ts";
import type { UnitJob } from "../lib/platforms/apex/unit_job.ts";
import { PV_UDP } from "./fixtures.ts";
import type { ManualClock } from "../lib/time/clock.ts";

/** Starts a sandbox with every platform twin on a free port. */
export function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ port: 0, mounts: allPlatforms, ...options });
}

/** A temporary folder removed when disposed. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "eojobs-test-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A fetch that records every request it sends, and when (`performance.now()`). */
export function countingFetch(): typeof fetch & { calls: Request[]; times: number[] } {
  const calls: Request[] = [];
  const times: number[] = [];
  const f = ((input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push(request.clone());
    times.push(performance.now());
    return fetch(request);
  }) as typeof fetch & { calls: Request[]; times: number[] };
  f.calls = calls;
  f.times = times;
  return f;
}

/** Records the sleeps asked for instead of waiting. */
export function sleepRecorder(): ((ms: number, signal?: AbortSignal) => Promise<void>) & {
  waits: number[];
} {
  const waits: number[] = [];
  const f = ((ms: number, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    waits.push(ms);
    return Promise.resolve();
  }) as ((ms: number, signal?: AbortSignal) => Promise<void>) & { waits: number[] };
  f.waits = waits;
  return f;
}

/** The action and fields of the first form on an HTML page. */
export function readForm(html: string): { action: string; fields: Record<string, string> } {
  const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
  if (!action) throw new Error(`no form on the page:\n${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input([^>]*)>/g)) {
    const name = m[1].match(/name="([^"]+)"/)?.[1];
    const value = m[1].match(/value="([^"]*)"/)?.[1] ?? "";
    if (name) fields[name] = value.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
  }
  return { action: action.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))), fields };
}

/**
 * Does what a person's browser does with a sign-in link: opens the page, fills in the form,
 * follows the redirect to the loopback listener. Returns the listener's answer.
 */
export async function browserSignIn(
  authUrl: URL | string,
  username = "demo",
  password = "demo",
): Promise<Response> {
  const page = await fetch(authUrl);
  const { action, fields } = readForm(await page.text());
  fields.username = username;
  fields.password = password;
  const posted = await fetch(action, {
    method: "POST",
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  const location = posted.headers.get("location");
  await posted.body?.cancel();
  if (!location) throw new Error(`sign-in form answered ${posted.status} without a redirect`);
  return await fetch(location);
}

/** A local server that records what it was sent, for tests of what must never reach a host. */
export interface RecordingServer extends AsyncDisposable {
  /** Its origin, `http://127.0.0.1:PORT` (a different origin from any sandbox). */
  url: string;
  /** Every request it received. */
  requests: Request[];
}

/** Starts a server that records each request and answers with `answer` (default 200 "data"). */
export function recordingServer(
  answer: (request: Request) => Response | Promise<Response> = () => new Response("data"),
): Promise<RecordingServer> {
  const requests: Request[] = [];
  const ready = Promise.withResolvers<number>();
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen: (a) => ready.resolve(a.port),
      // A body a test breaks off on purpose is not worth a stack trace; a handler that throws
      // still answers 500, which the test sees.
      onError: () => new Response("test server error", { status: 500 }),
    },
    (request) => {
      // What was asked and with which headers; a clone would touch the request's signal, which
      // Deno.serve then warns about on every answer.
      requests.push(new Request(request.url, { method: request.method, headers: request.headers }));
      return answer(request);
    },
  );
  return ready.promise.then((port) => ({
    url: `http://127.0.0.1:${port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  }));
}

/**
 * A hostile server in front of `target`: it forwards every request and lets `rewrite` change
 * the JSON answers (asset keys that climb out of folders, links to foreign hosts), the way a
 * compromised or broken platform would.
 */
export function hostileProxy(
  target: string,
  rewrite: (path: string, body: unknown) => unknown,
): Promise<RecordingServer> {
  return recordingServer(async (request) => {
    const url = new URL(request.url);
    const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
    });
    const type = upstream.headers.get("content-type") ?? "";
    if (!type.includes("json")) return upstream;
    const body = rewrite(url.pathname, await upstream.json());
    return Response.json(body, { status: upstream.status });
  });
}

/**
 * A pansharpening job run to the end on UP42 through `baseUrl` (a hostile proxy in front of the
 * sandbox), signed in directly at the sandbox; the clock moves 1.5 s per poll.
 */
export async function up42JobThrough(
  sandboxUrl: string,
  baseUrl: string,
  clock: ManualClock,
): Promise<{ job: Up42Job; up42: Up42 }> {
  const direct = connectUp42({ sandbox: sandboxUrl, clock });
  const up42 = new Up42({ baseUrl, session: direct.session });
  const item = (await up42.search()).find((i) => "panchromatic.tiff" in i.assets)!.links[0].href;
  await up42.acceptEula("pansharpening");
  const job = await up42.run("pansharpening", { title: "hostile", item }, { confirm: true });
  for await (
    const _ of job.watch({ intervalMs: 1, sleep: () => Promise.resolve(clock.advance(1_500)) })
  ) { /* until done */ }
  return { job, up42 };
}

/** Decodes the RGBA PNGs the figures embed (8-bit RGBA, filter 0 on every row). */
export async function decodePng(dataUri: string): Promise<{
  width: number;
  height: number;
  rgba: (x: number, y: number) => number[];
}> {
  const bytes = Uint8Array.from(atob(dataUri.split(",")[1]), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  let at = 8, width = 0, height = 0;
  const idat: Uint8Array<ArrayBuffer>[] = [];
  while (at < bytes.length) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    if (type === "IHDR") [width, height] = [view.getUint32(at + 8), view.getUint32(at + 12)];
    if (type === "IDAT") idat.push(bytes.slice(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = new Uint8Array(
    await new Response(new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate")))
      .arrayBuffer(),
  );
  return {
    width,
    height,
    rgba: (x: number, y: number) => [
      ...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 5 + x * 4),
    ],
  };
}

/**
 * A finished APEx unit job on the sandbox (the clock moves an hour per try; a job that fails is
 * passed over): the client, the job and its GeoTIFF asset's URL.
 */
export async function finishedApexJob(
  sb: Sandbox,
  clock: ManualClock,
): Promise<{ apex: ReturnType<typeof connectApex>; job: UnitJob; href: string }> {
  const apex = connectApex({ sandbox: sb.url, clock });
  for (let i = 0; i < 10; i++) {
    const job = await apex.submitUnitJob({
      title: `t${i}`,
      label: "openeo",
      service: { endpoint: "https://openeofed.dataspace.copernicus.eu", application: PV_UDP },
      format: "gtiff",
      parameters: { spatial_extent: { west: 16, south: 48, east: 16.3, north: 48.2 } },
    });
    clock.advance(3_600_000);
    if ((await job.status()).raw !== "finished") continue;
    return { apex, job, href: (await job.assets())["openEO.tif"].href };
  }
  throw new Error("no finished job");
}

/**
 * Runs a script (`deno run -A ...args`) until its output matches `until`, then kills it with
 * SIGKILL; returns what it printed.
 */
export async function killWhen(args: string[], until: RegExp): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    env: { EOJOBS_SANDBOX_TIME_SCALE: "0.002", EOJOBS_TOKEN_CACHE: "0" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!until.test(seen)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  return seen;
}
