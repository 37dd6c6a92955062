/**
 * One call to get an {@linkcode ApexDispatch}: the real service and its Keycloak by default,
 * a fixed token, or everything pointed at a sandbox.
 *
 * @module
 */
import { authorizationCode } from "../../auth/authorization_code.ts";
import type { TokenCache } from "../../auth/cache.ts";
import { password, type SignIn } from "../../auth/grants.ts";
import type { OidcSession } from "../../auth/session.ts";
import { givenSession, originOf, platformSession } from "../session.ts";
import type { Clock } from "../../time/clock.ts";
import { APEX_BASE_URL, ApexDispatch, type ApexDispatchOptions } from "./client.ts";

/** The real identity provider. */
export const APEX_ISSUER = "https://auth.apex.esa.int/realms/apex";
/** The real public client. */
export const APEX_CLIENT_ID = "apex-dispatcher-api-prod";

/** Options of {@linkcode connectApex}. */
export interface ApexConnectOptions {
  /** A ready access token; no sign-in then. */
  token?: string;
  /**
   * A session signed in already (any grant: `deviceCode()`, `authorizationCode()`, one shared
   * by several clients), used as it is: no credentials then.
   */
  session?: OidcSession;
  /** How to sign in. Default: the browser, with the redirect the public client is registered for. */
  signIn?: SignIn;
  /** A sandbox origin (`http://127.0.0.1:8123`): API, issuer and demo user all point there. */
  sandbox?: string | URL;
  /** API root. Default the real service. */
  baseUrl?: string;
  /** Issuer. Default the real realm. */
  issuer?: string;
  /** Client id. Default `apex-dispatcher-api-prod`. */
  clientId?: string;
  /** Token cache, or false. Default the on-disk cache. */
  cache?: TokenCache | false;
  /** Clock (tests). */
  clock?: Clock;
  /** Retry and time-out settings of the HTTP core (`idleTimeoutMs`, `timeoutMs`, `retry`). */
  http?: ApexDispatchOptions["http"];
}

/**
 * Connects to the APEx Dispatch API.
 *
 * @example
 * ```ts ignore
 * import { connectApex } from "./connect.ts";
 * const real = connectApex();                                  // browser sign-in on first use
 * const local = connectApex({ sandbox: "http://127.0.0.1:8123" }); // demo user, no network
 * ```
 */
export function connectApex(
  options: ApexConnectOptions = {},
): ApexDispatch & { session?: OidcSession } {
  const origin = originOf(options.sandbox);
  const baseUrl = options.baseUrl ?? (origin ? `${origin}/apex` : APEX_BASE_URL);
  const given = givenSession(options, ["token", "signIn", "issuer", "clientId", "cache"]);
  if (options.token) return new ApexDispatch({ baseUrl, auth: options.token, http: options.http });
  const session = given ?? platformSession({
    origin: options.issuer ? undefined : origin,
    realm: "apex",
    issuer: options.issuer ?? APEX_ISSUER,
    clientId: options.clientId ?? APEX_CLIENT_ID,
    signIn: options.signIn ??
      (origin
        ? password({ username: "demo", password: "demo" })
        : authorizationCode({ redirectUri: "http://localhost:8000/callback" })),
    cache: options.cache ?? (origin ? false : undefined),
    clock: options.clock,
  });
  return Object.assign(new ApexDispatch({ baseUrl, auth: session, http: options.http }), {
    session,
  });
}
