/**
 * The sandbox server: one `Deno.serve` on 127.0.0.1 that hosts the identity provider and the
 * platform twins, each under its own prefix, behind the fault-injection layer.
 *
 * @module
 */
import { type Clock, systemClock } from "../time/clock.ts";
import { sleep } from "../time/sleep.ts";
import {
  cutResponse,
  droppedResponse,
  type FaultDecision,
  type FaultRule,
  Faults,
  oddResponse,
  pause,
  selfNextResponse,
  stalledBody,
  trickledBody,
} from "./faults.ts";
import {
  DEFAULT_REALMS,
  DEFAULT_USERS,
  OidcProvider,
  type RealmConfig,
  type SandboxUser,
  type TokenLifetimes,
} from "./oidc.ts";

/** What a platform twin gets from the sandbox. */
export interface SandboxContext {
  /** The sandbox's origin, `http://127.0.0.1:PORT`. */
  origin: string;
  /** The identity provider, to check bearer tokens. */
  oidc: OidcProvider;
  /** The sandbox clock. */
  clock: Clock;
  /** Scales simulated job durations: 0.01 makes a 10-minute job take 6 s. */
  timeScale: number;
  /** Seed for the twins' random choices. */
  seed: number;
}

/** A platform twin mounted under a path prefix. */
export interface SandboxMount {
  /** The prefix, such as `/apex`. */
  prefix: string;
  /** Answers a request whose path starts with the prefix. */
  handle(request: Request, url: URL): Response | Promise<Response>;
  /** The twin's records as JSON, for a sandbox that keeps its state in a file. */
  state?: { save(): unknown; load(state: unknown): void };
}

/** Makes a twin once the sandbox knows its origin. */
export type MountFactory = (context: SandboxContext) => SandboxMount | Promise<SandboxMount>;

/** Options of {@linkcode startSandbox}. */
export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 0. */
  port?: number;
  /** Time source for tokens and jobs. Default the wall clock. */
  clock?: Clock;
  /** Token lifetimes in seconds. Default access 300, refresh 1800. */
  lifetimes?: Partial<TokenLifetimes>;
  /** Extra users (the demo users `demo`/`demo` and `alice`/`alice` are always there). */
  users?: SandboxUser[];
  /** Extra realms. */
  realms?: RealmConfig[];
  /** Seconds between device-code polls the provider asks for. Default 5. */
  deviceIntervalSeconds?: number;
  /** Simulated job durations are multiplied by this. Default 1. */
  timeScale?: number;
  /** Seed for every random choice. Default 42. */
  seed?: number;
  /** Fault rules active from the start. */
  faults?: FaultRule[];
  /** The platform twins. */
  mounts?: MountFactory[];
  /** Called once listening. Default: silent. */
  onListen?: (url: string) => void;
  /**
   * A file where the twins keep their records (jobs, tasks) and the sandbox its port, so that a
   * run resumed by a new process finds its jobs where it left them: read at the start, written
   * after every request that may change something, and at the end.
   */
  statePath?: string;
}

/** What a sandbox's state file holds. */
interface SavedState {
  /** The port it listened on. */
  port: number;
  /** Each twin's records by prefix. */
  twins: Record<string, unknown>;
}

/** A sandbox's state file that cannot be used; says why and what to do. */
export class SandboxStateError extends Error {
  /** Always `"SandboxStateError"`. */
  override name = "SandboxStateError";
}

async function readState(path: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as SavedState;
    if (!Number.isInteger(state.port) || typeof state.twins !== "object") throw new Error("shape");
    return state;
  } catch {
    throw new SandboxStateError(
      `${path}: not a sandbox state file (cut short or edited); remove it to start the sandbox empty, and start a new run`,
    );
  }
}

/** A running sandbox. */
export interface Sandbox extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** The identity provider. */
  oidc: OidcProvider;
  /** Fault rules; add and remove them while it runs. */
  faults: Faults;
  /** The issuer URL of a realm. */
  issuer(realm: string): string;
  /** The twin mounted at `prefix` (such as `/apex`), to reach its test controls. */
  twin<T extends SandboxMount = SandboxMount>(prefix: string): T;
  /** Stops the server and waits for open requests to end. */
  close(): Promise<void>;
}

/**
 * Why a control request must be refused, if it must: any web page the user visits can send a
 * `text/plain` POST to 127.0.0.1 without a preflight, and browsers name the page's origin on
 * every such request: a foreign `Origin` (or a browser's cross-site mark) is refused. Scripts and
 * curl send neither.
 */
function foreignControlRequest(request: Request, url: URL): string | undefined {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== url.origin) {
    return `control requests from origin ${origin} are refused; send them from a script or curl`;
  }
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    return `control requests from a ${site} page are refused; send them from a script or curl`;
  }
  return undefined;
}

/**
 * The sandbox's own controls, for a sandbox started from the command line:
 * `POST /_sandbox/faults` with a {@linkcode FaultRule} as JSON adds a rule, `DELETE
 * /_sandbox/faults` removes them all, `POST /_sandbox/expire-tokens[?refresh=true]` expires every
 * token issued so far.
 */
async function control(
  request: Request,
  url: URL,
  faults: Faults,
  oidc: OidcProvider,
): Promise<Response> {
  const route = `${request.method} ${url.pathname}`;
  const refusal = foreignControlRequest(request, url);
  if (refusal) return Response.json({ error: "forbidden", message: refusal }, { status: 403 });
  if (route === "POST /_sandbox/expire-tokens") {
    oidc.expireTokens({ refresh: url.searchParams.get("refresh") === "true" });
    return Response.json({ expired: true, refresh: url.searchParams.get("refresh") === "true" });
  }
  if (route === "DELETE /_sandbox/faults") {
    faults.clear();
    return Response.json({ faults: 0 });
  }
  if (route === "POST /_sandbox/faults") {
    try {
      const rule = await request.json();
      faults.add(rule);
      return Response.json({ added: rule }, { status: 201 });
    } catch (error) {
      return Response.json({ error: "invalid_fault", message: (error as Error).message }, {
        status: 400,
      });
    }
  }
  return Response.json({
    detail:
      "Sandbox controls: POST /_sandbox/faults {prefix, method, latencyMs, rate429, rate503, " +
      "dropRate, lostAnswerRate, cutRate, stallRate, stallBodyRate, stallMs, trickleRate, " +
      "trickleBytesPerSecond, oddRate, odd, dateSkewSeconds, redirectRate, redirectTo, " +
      "retryAfterSeconds, retryAfterDate, times, forMs}, DELETE /_sandbox/faults, " +
      "POST /_sandbox/expire-tokens?refresh=true",
  }, { status: 404 });
}

/**
 * Starts the sandbox on 127.0.0.1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSandbox } from "./server.ts";
 * await using sandbox = await startSandbox({ port: 0 });
 * const health = await fetch(`${sandbox.url}/health`);
 * assert.ok(health.status === 200);
 * await health.body?.cancel();
 * ```
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 42;
  const faults = new Faults(seed);
  for (const rule of options.faults ?? []) faults.add(rule);

  let handler: (request: Request) => Promise<Response> = () =>
    Promise.resolve(new Response("starting", { status: 503 }));
  const saved = options.statePath ? await readState(options.statePath) : undefined;
  const closing = new AbortController();
  const ready = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      // The same port again: clients and job tables know the sandbox by its URL.
      port: options.port ?? saved?.port ?? 0,
      onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
      // A dropped connection is an injected fault, not a server error worth printing.
      onError: () => new Response("internal sandbox error", { status: 500 }),
    }, (request) => handler(request));
  } catch (error) {
    if (saved && options.port === undefined && error instanceof Deno.errors.AddrInUse) {
      throw new SandboxStateError(
        `the sandbox of ${options.statePath} listened on port ${saved.port}, which another program holds now; stop it and try again, or run \`deno task sandbox\` and pass its URL with --sandbox-url`,
        { cause: error },
      );
    }
    throw error;
  }
  const addr = await ready.promise;
  const origin = `http://127.0.0.1:${addr.port}`;

  const oidc = await OidcProvider.create({
    origin,
    clock,
    realms: [
      ...DEFAULT_REALMS.map((r) => ({ ...r, clients: [...r.clients] })),
      ...(options.realms ?? []),
    ],
    users: [...DEFAULT_USERS, ...(options.users ?? [])],
    lifetimes: { accessSeconds: 300, refreshSeconds: 1800, ...options.lifetimes },
    deviceIntervalSeconds: options.deviceIntervalSeconds,
  });
  const context: SandboxContext = {
    origin,
    oidc,
    clock,
    timeScale: options.timeScale ?? 1,
    seed,
  };
  const mounts: SandboxMount[] = [];
  for (const factory of options.mounts ?? []) mounts.push(await factory(context));
  for (const mount of mounts) {
    const state = saved?.twins[mount.prefix];
    if (state !== undefined) mount.state?.load(state);
  }
  const saveState = async () => {
    if (!options.statePath) return;
    const twins: Record<string, unknown> = {};
    for (const mount of mounts) if (mount.state) twins[mount.prefix] = mount.state.save();
    const part = `${options.statePath}.part`;
    await Deno.writeTextFile(part, JSON.stringify({ port: addr.port, twins } satisfies SavedState));
    await Deno.rename(part, options.statePath);
  };
  // Requests are answered one after another as far as the state goes: writes never interleave.
  let saving = Promise.resolve();
  // A failed write is the request's error, not every later one's: the next save tries again.
  const save = () => (saving = saving.catch(() => {}).then(saveState));
  await save();

  handler = async (request) => {
    const url = new URL(request.url);
    const decision = faults.decide(url.pathname, request.method);
    const answer = await answerOf(request, url, decision);
    // Saved before the answer goes out: a job the client hears of is in the file.
    if (options.statePath && request.method !== "GET" && request.method !== "HEAD") await save();
    if (decision.dateSkewSeconds !== 0) {
      answer.headers.set(
        "date",
        new Date(Date.now() + decision.dateSkewSeconds * 1000).toUTCString(),
      );
    }
    return answer;
  };

  const answerOf = async (
    request: Request,
    url: URL,
    decision: FaultDecision,
  ): Promise<Response> => {
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    // A stall lasts its time or until the sandbox closes: the client gives up on its own
    // time-out, and Deno.serve's request signal (which would say so) fires on every answer.
    if (decision.kind === "stall") await pause(decision.ms, closing.signal);
    if (decision.kind === "redirect") {
      return new Response(null, { status: 302, headers: { location: decision.to } });
    }
    if (decision.kind === "status") {
      const at = Date.now() + decision.dateSkewSeconds * 1000 + decision.retryAfterSeconds * 1000;
      return Response.json(
        {
          error: decision.status === 429 ? "rate_limited" : "service_unavailable",
          message: "sandbox fault",
        },
        {
          status: decision.status,
          headers: {
            "retry-after": decision.retryAfterDate
              ? new Date(at).toUTCString()
              : String(decision.retryAfterSeconds),
          },
        },
      );
    }
    if (decision.kind === "drop") return droppedResponse();
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (url.pathname.startsWith("/_sandbox/")) return await control(request, url, faults, oidc);
    const answer = await oidc.handle(request, url);
    if (answer) return decision.kind === "lose-answer" ? droppedResponse() : answer;
    const mount = mounts.find((m) =>
      url.pathname === m.prefix || url.pathname.startsWith(m.prefix + "/")
    );
    const handled = mount
      ? await mount.handle(request, url)
      : Response.json({ detail: "Not Found" }, { status: 404 });
    switch (decision.kind) {
      case "lose-answer":
        await handled.body?.cancel();
        return droppedResponse();
      case "cut":
        return await cutResponse(handled);
      case "stall-body":
        return await stalledBody(handled, decision.ms);
      case "trickle":
        return await trickledBody(handled, decision.bytesPerSecond);
      case "odd":
        return handled.ok ? await oddResponse(handled, decision.odd) : handled;
      case "self-next":
        return handled.ok ? await selfNextResponse(handled, url) : handled;
    }
    return handled;
  };

  options.onListen?.(origin);
  const close = async () => {
    closing.abort();
    await server.shutdown();
    await save();
  };
  return {
    url: origin,
    port: addr.port,
    oidc,
    faults,
    issuer: (realm) => oidc.issuer(realm),
    twin: <T extends SandboxMount>(prefix: string) => {
      const mount = mounts.find((m) => m.prefix === prefix);
      if (!mount) {
        throw new RangeError(
          `no twin at ${prefix}; mounted: ${mounts.map((m) => m.prefix).join(", ")}`,
        );
      }
      return mount as T;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
