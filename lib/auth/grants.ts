/**
 * The non-interactive grants: password (Sen2Cube signs in this way), client credentials and
 * refresh. Each returns a {@linkcode TokenSet}.
 *
 * @module
 */
import * as oauth from "../deps/oauth4webapi.ts";
import type { OidcContext } from "./discovery.ts";
import { toAuthError } from "./errors.ts";
import { type TokenSet, toTokenSet } from "./tokens.ts";
import { InputError } from "../input_error.ts";

/**
 * A way to sign in from scratch, made by {@linkcode password}, {@linkcode clientCredentials},
 * `deviceCode` or `authorizationCode`. `identity` keeps cached tokens of different users apart.
 */
export interface SignIn {
  /** Short name of the flow, shown in messages. */
  readonly flow: string;
  /** Who signs in, when known up front (the username of a password grant). */
  readonly identity?: string;
}

type Runner = (context: OidcContext, signal?: AbortSignal) => Promise<TokenSet>;
const runners = new WeakMap<SignIn, Runner>();

/** Makes a {@linkcode SignIn} whose flow is `run` (for the grant modules of this folder). */
export function defineSignIn(flow: string, identity: string | undefined, run: Runner): SignIn {
  const signIn: SignIn = Object.freeze({ flow, identity });
  runners.set(signIn, run);
  return signIn;
}

/** Runs the flow of `signIn`. */
export function runSignIn(
  signIn: SignIn,
  context: OidcContext,
  signal?: AbortSignal,
): Promise<TokenSet> {
  const run = runners.get(signIn);
  if (!run) {
    throw new InputError(
      "signIn",
      "not a sign-in made by this library",
      "make it with password(), deviceCode(), authorizationCode() or clientCredentials()",
    );
  }
  return run(context, signal);
}

function scopeParams(scope: string | undefined): Record<string, string> {
  return scope ? { scope } : {};
}

/**
 * The resource-owner password grant.
 *
 * @example
 * ```ts ignore
 * import { password } from "./grants.ts";
 * const how = password({ username: "demo", password: "demo" });
 * ```
 */
export function password(options: { username: string; password: string; scope?: string }): SignIn {
  if (!options.username) {
    throw new InputError("username", "empty in the password grant", "give the account's username");
  }
  return defineSignIn("password", options.username, async (ctx, signal) => {
    try {
      const response = await oauth.genericTokenEndpointRequest(
        ctx.as,
        ctx.client,
        ctx.clientAuth,
        "password",
        { username: options.username, password: options.password, ...scopeParams(options.scope) },
        ctx.requestOptions(signal),
      );
      const tokens = await oauth.processGenericTokenEndpointResponse(ctx.as, ctx.client, response);
      return toTokenSet(tokens, ctx.clock);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toAuthError(`password sign-in for "${options.username}"`, ctx.issuer, error);
    }
  });
}

/**
 * The client credentials grant, for confidential clients (service accounts).
 *
 * @example
 * ```ts ignore
 * import { clientCredentials } from "./grants.ts";
 * const how = clientCredentials();
 * ```
 */
export function clientCredentials(options: { scope?: string } = {}): SignIn {
  return defineSignIn("client credentials", undefined, async (ctx, signal) => {
    try {
      const response = await oauth.clientCredentialsGrantRequest(
        ctx.as,
        ctx.client,
        ctx.clientAuth,
        scopeParams(options.scope),
        ctx.requestOptions(signal),
      );
      const tokens = await oauth.processClientCredentialsResponse(ctx.as, ctx.client, response);
      return toTokenSet(tokens, ctx.clock);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toAuthError("client credentials sign-in", ctx.issuer, error);
    }
  });
}

/** Uses `previous.refresh_token` for a new token set. Throws AuthError `invalid_grant` when it is dead. */
export async function refresh(
  ctx: OidcContext,
  previous: TokenSet,
  signal?: AbortSignal,
): Promise<TokenSet> {
  try {
    const response = await oauth.refreshTokenGrantRequest(
      ctx.as,
      ctx.client,
      ctx.clientAuth,
      previous.refresh_token!,
      ctx.requestOptions(signal),
    );
    const tokens = await oauth.processRefreshTokenResponse(ctx.as, ctx.client, response);
    return toTokenSet(tokens, ctx.clock, previous);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw toAuthError("token refresh", ctx.issuer, error);
  }
}
