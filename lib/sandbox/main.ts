/**
 * `deno task sandbox`: runs the sandbox in the foreground until interrupted.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { FaultRule } from "./faults.ts";
import { startSandbox } from "./server.ts";
import { allPlatforms, platformsWith } from "./platforms.ts";

const HELP = `Usage: npx --yes deno@2.9.6 task sandbox [options]

Serves every platform twin and the OIDC provider on 127.0.0.1.

  --port N            port (0 picks a free one; default 8123)
  --access-ttl S      access token lifetime in seconds (default 300)
  --refresh-ttl S     refresh token lifetime in seconds (default 1800)
  --time-scale X      multiply simulated job durations by X: below 1 is faster
                      (0.01: a 10-minute job takes 6 s); default 1
  --seed N            seed for durations, failures and faults (default 42)
  --job-limit N       jobs a user may run at once on every twin, each refusing one
                      more in its platform's words (default: no limit)
  --apex-job-limit N  the same on the APEx twin only (wins over --job-limit there)
  --credits N         credits each account starts with on BEOD and UP42
                      (default 100 and 1000)
  --fault SPEC        inject faults, repeatable. SPEC is PREFIX:key=value,...
                      keys: latency (ms), 429, 503, drop, lost cut (shares 0..1; lost:
                      carried out, answer lost; cut: body breaks off halfway),
                      retry-after (s), retry-after-date=1 (send it as an HTTP date),
                      stall, stall-body (shares: no headers, or a body that stops
                      halfway), stall-ms (how long; default until the client gives up),
                      trickle (share), trickle-bps (bytes per second, default 64),
                      odd (share of 200s with an odd body),
                      odd-body=html|empty|truncated|null|shape (shape: JSON of the
                      wrong shape), self-next (share of lists whose next link
                      points back at the same page),
                      date-skew (s added to the Date header), redirect (share) with
                      redirect-to=URL (file:///etc/passwd, say), times,
                      for (ms: the rule then ends), method=POST (only that method)
                      e.g. --fault /apex:503=0.2,latency=150
                           --fault /apex/unit_jobs:stall-body=0.1,stall-ms=60000
  -h, --help          this text

While it runs: POST /_sandbox/faults (a fault rule as JSON), DELETE /_sandbox/faults,
POST /_sandbox/expire-tokens[?refresh=true] (expire every token issued so far).`;

/** Parses one `--fault` value. */
export function parseFault(spec: string): FaultRule {
  const colon = spec.indexOf(":");
  if (!spec.startsWith("/") || colon < 0) {
    throw new Error(`--fault "${spec}": write PREFIX:key=value,..., e.g. /apex:503=0.2`);
  }
  const rule: FaultRule = { prefix: spec.slice(0, colon) };
  for (const part of spec.slice(colon + 1).split(",").filter(Boolean)) {
    const [key, raw] = part.split("=");
    if (key === "method") {
      rule.method = raw.toUpperCase();
      continue;
    }
    if (key === "redirect-to") {
      rule.redirectTo = part.slice(part.indexOf("=") + 1);
      continue;
    }
    if (key === "odd-body") {
      if (!["html", "empty", "truncated", "null", "shape"].includes(raw)) {
        throw new Error(`--fault "${spec}": odd-body is html, empty, truncated, null or shape`);
      }
      rule.odd = raw as FaultRule["odd"];
      continue;
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      throw new Error(`--fault "${spec}": ${key} needs a number, got "${raw}"`);
    }
    const keys: Record<string, keyof FaultRule> = {
      latency: "latencyMs",
      "429": "rate429",
      "503": "rate503",
      drop: "dropRate",
      lost: "lostAnswerRate",
      cut: "cutRate",
      "retry-after": "retryAfterSeconds",
      "retry-after-date": "retryAfterDate",
      stall: "stallRate",
      "stall-body": "stallBodyRate",
      "stall-ms": "stallMs",
      trickle: "trickleRate",
      "trickle-bps": "trickleBytesPerSecond",
      odd: "oddRate",
      "date-skew": "dateSkewSeconds",
      redirect: "redirectRate",
      "self-next": "selfNextRate",
      times: "times",
      for: "forMs",
    };
    const field = keys[key];
    if (!field) {
      throw new Error(
        `--fault "${spec}": unknown key "${key}"; use ${Object.keys(keys).join(", ")}`,
      );
    }
    (rule as unknown as Record<string, number | boolean>)[field] = field === "retryAfterDate"
      ? value !== 0
      : value;
  }
  return rule;
}

/** Parses the command line, or exits with one line that names the flag and the fix. */
function options() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        port: { type: "string", default: "8123" },
        "access-ttl": { type: "string" },
        "refresh-ttl": { type: "string" },
        "time-scale": { type: "string" },
        seed: { type: "string" },
        fault: { type: "string", multiple: true },
        "apex-job-limit": { type: "string" },
        "job-limit": { type: "string" },
        credits: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    const text = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    console.error(`sandbox: ${text.replace(/^Unknown option '(.*)'$/, "unknown option $1")}`);
    console.error("Run with --help for the options.");
    Deno.exit(2);
  }
}

if (import.meta.main) {
  const values = options();
  if (values.help) {
    console.log(HELP);
    Deno.exit(0);
  }
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      console.error(`--${name}: "${v}" is not a non-negative number`);
      Deno.exit(2);
    }
    return n;
  };
  try {
    const sandbox = await startSandbox({
      port: num("port", values.port),
      lifetimes: {
        ...(values["access-ttl"] ? { accessSeconds: num("access-ttl", values["access-ttl"]) } : {}),
        ...(values["refresh-ttl"]
          ? { refreshSeconds: num("refresh-ttl", values["refresh-ttl"]) }
          : {}),
      },
      timeScale: num("time-scale", values["time-scale"]),
      seed: num("seed", values.seed),
      faults: (values.fault ?? []).map(parseFault),
      mounts: values["apex-job-limit"] === undefined && values["job-limit"] === undefined &&
          values.credits === undefined
        ? allPlatforms
        : platformsWith({
          jobLimit: num("job-limit", values["job-limit"]),
          credits: num("credits", values.credits),
          apex: values["apex-job-limit"] === undefined
            ? undefined
            : { concurrentJobLimit: num("apex-job-limit", values["apex-job-limit"]) },
        }),
    });
    console.log(`sandbox listening on ${sandbox.url}`);
    Deno.addSignalListener("SIGINT", () => sandbox.close().then(() => Deno.exit(0)));
  } catch (error) {
    const inUse = error instanceof Deno.errors.AddrInUse;
    console.error(
      inUse
        ? `sandbox: port ${values.port} is in use (another sandbox?); pass --port 0 for a free one`
        : `sandbox: ${(error as Error).message}`,
    );
    Deno.exit(1);
  }
}
