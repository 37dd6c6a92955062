/**
 * Test helpers: a sandbox on a free port, a throw-away cache folder, a fetch that counts, and
 * a "browser" that fills in the sandbox's sign-in form.
 *
 * @module
 */
import { type Sandbox, type SandboxOptions, startSandbox } from "../lib/sandbox/server.ts";
import { allPlatforms } from "../lib/sandbox/platforms.ts";

/** Starts a sandbox with every platform twin on a free port. */
export function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ port: 0, mounts: allPlatforms, ...options });
}

/** A temporary folder removed when disposed. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "eojobs-test-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A fetch that records every request it sends. */
export function countingFetch(): typeof fetch & { calls: Request[] } {
  const calls: Request[] = [];
  const f = ((input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push(request.clone());
    return fetch(request);
  }) as typeof fetch & { calls: Request[] };
  f.calls = calls;
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
