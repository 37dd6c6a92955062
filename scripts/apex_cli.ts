/**
 * How the APEx scripts choose where to run: a sandbox (embedded or given), a token, or a sign-in
 * to the real service.
 *
 * @module
 */
import {
  type ApexDispatch,
  authorizationCode,
  connectApex,
  deviceCode,
  embeddedSandbox,
  type Sandbox,
} from "../mod.ts";

/** The command-line choices. */
export interface ApexCliChoice {
  /** `--sandbox`: the embedded sandbox even with credentials. */
  sandbox?: boolean;
  /** `--sandbox-url`: a sandbox already running. */
  sandboxUrl?: string;
  /** `--token` (or `APEX_ACCESS_TOKEN`). */
  token?: string;
  /** `--sign-in`: `browser` or `device`. */
  signIn?: string;
  /** `--api-url`: the APEx Dispatch API, when not the public one. */
  apiUrl?: string;
  /** Where an embedded sandbox keeps its jobs between runs (see `SandboxOptions.statePath`). */
  statePath?: string;
}

/**
 * The client, the embedded sandbox it started (to close at the end), and where it points.
 * Without credentials the embedded sandbox is used.
 */
export async function apexFromCli(
  choice: ApexCliChoice,
): Promise<{ apex: ApexDispatch; embedded?: Sandbox; sandboxUrl?: string; where: string }> {
  const token = choice.token ?? Deno.env.get("APEX_ACCESS_TOKEN");
  const embedded = !choice.sandboxUrl && (choice.sandbox || (!token && !choice.signIn))
    ? await embeddedSandbox({ statePath: choice.statePath })
    : undefined;
  const sandboxUrl = choice.sandboxUrl ?? embedded?.url;
  const apex = sandboxUrl
    ? connectApex({ sandbox: sandboxUrl })
    : token
    ? connectApex({ token, baseUrl: choice.apiUrl })
    : connectApex({
      baseUrl: choice.apiUrl,
      signIn: choice.signIn === "device"
        ? deviceCode()
        : authorizationCode({ redirectUri: "http://localhost:8000/callback" }),
    });
  const where = embedded
    ? `the embedded sandbox at ${embedded.url}${
      token || choice.signIn ? "" : " (no credentials given)"
    }`
    : sandboxUrl
    ? `the sandbox at ${sandboxUrl}`
    : new URL(choice.apiUrl ?? "https://dispatch-api.apex.esa.int").host;
  return { apex, embedded, sandboxUrl, where };
}

if (import.meta.main) {
  console.log(
    "scripts/apex_cli.ts is the connection logic the APEx scripts share, not a script. Run\n" +
      "  npx --yes deno@2.9.6 run -A scripts/upscale.ts --help\n" +
      "  npx --yes deno@2.9.6 run -A scripts/apex_job.ts --help",
  );
}
