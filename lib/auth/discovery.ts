/**
 * OpenID Connect discovery: from an issuer URL to the endpoints, checked by oauth4webapi.
 *
 * @module
 */
import * as oauth from "../deps/oauth4webapi.ts";
import type { Clock } from "../time/clock.ts";
import { systemClock } from "../time/clock.ts";
import { AuthError, toAuthError } from "./errors.ts";
import { isLoopback } from "../http/loopback.ts";

/** Everything a grant needs to talk to one client of one issuer. */
export interface OidcContext {
  /** The issuer URL. */
  issuer: string;
  /** Discovered metadata. */
  as: oauth.AuthorizationServer;
  /** The client. */
  client: oauth.Client;
  /** How the client authenticates (none for public clients). */
  clientAuth: oauth.ClientAuth;
  /** Options for every oauth4webapi request (signal added per call). */
  requestOptions: (
    signal?: AbortSignal,
  ) => oauth.HttpRequestOptions<"GET" | "POST", URLSearchParams>;
  /** Time source. */
  clock: Clock;
}

/** Options of {@linkcode discover}. */
export interface DiscoverOptions {
  /** Issuer URL, such as `https://auth.apex.esa.int/realms/apex`. */
  issuer: string;
  /** The client id. */
  clientId: string;
  /** The client secret, for confidential clients. */
  clientSecret?: string;
  /** Time source. Default the wall clock. */
  clock?: Clock;
  /** The fetch to use. */
  fetch?: typeof fetch;
  /** Aborts discovery. */
  signal?: AbortSignal;
}

/**
 * Reads `{issuer}/.well-known/openid-configuration`. Plain http is allowed only for loopback
 * addresses (the sandbox); anywhere else it must be https.
 *
 * @example
 * ```ts ignore
 * import { discover } from "./discovery.ts";
 * const ctx = await discover({ issuer: "https://auth.apex.esa.int/realms/apex", clientId: "apex-dispatcher-api-prod" });
 * ```
 */
export async function discover(options: DiscoverOptions): Promise<OidcContext> {
  let issuer: URL;
  try {
    issuer = new URL(options.issuer);
  } catch {
    throw new AuthError(
      `issuer: "${options.issuer}" is not a URL; pass the realm URL, such as https://auth.apex.esa.int/realms/apex`,
    );
  }
  if (!options.clientId) {
    throw new AuthError("clientId: empty; pass the OIDC client id of the platform");
  }
  const insecure = issuer.protocol === "http:" && isLoopback(issuer);
  if (issuer.protocol !== "https:" && !insecure) {
    throw new AuthError(
      `issuer: ${issuer} must use https (plain http is only allowed on 127.0.0.1)`,
    );
  }
  const clock = options.clock ?? systemClock;
  const client: oauth.Client = { client_id: options.clientId };
  const requestOptions = (signal?: AbortSignal) => {
    // oauth4webapi checks id_token times against its own clock; keep it on ours.
    client[oauth.clockSkew] = Math.round((clock.now() - Date.now()) / 1000);
    return {
      signal,
      [oauth.allowInsecureRequests]: insecure,
      ...(options.fetch ? { [oauth.customFetch]: options.fetch } : {}),
    };
  };
  let as: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(issuer, {
      algorithm: "oidc",
      ...requestOptions(options.signal),
    });
    as = await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (
      error instanceof oauth.OperationProcessingError || error instanceof oauth.ResponseBodyError
    ) {
      throw new AuthError(
        `OIDC discovery at ${issuer}/.well-known/openid-configuration failed: ${error.message}. ` +
          "Check the issuer URL (realm name and host).",
        { issuer: issuer.href, cause: error },
      );
    }
    throw toAuthError("OIDC discovery", issuer.href, error);
  }
  return {
    issuer: issuer.href,
    as,
    client,
    clientAuth: options.clientSecret ? oauth.ClientSecretPost(options.clientSecret) : oauth.None(),
    requestOptions,
    clock,
  };
}
