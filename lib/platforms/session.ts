/**
 * What every platform client does to sign in: the real identity provider, or the same realm
 * on a sandbox with its demo account and no on-disk cache.
 *
 * @module
 */
import type { TokenCache } from "../auth/cache.ts";
import { password, type SignIn } from "../auth/grants.ts";
import { OidcSession } from "../auth/session.ts";
import type { Clock } from "../time/clock.ts";
import { InputError } from "../input_error.ts";

/** The origin of a sandbox URL, or undefined. */
export function originOf(sandbox: string | URL | undefined): string | undefined {
  return sandbox ? new URL(sandbox).origin : undefined;
}

/**
 * A password grant for `username`/`password`, or the sandbox's demo account (`demo` / `demo`)
 * when `origin` is set and they are not given.
 */
export function accountSignIn(
  credentials: { username?: string; password?: string },
  origin: string | undefined,
  platform: string,
): SignIn {
  const username = credentials.username ?? (origin ? "demo" : undefined);
  const secret = credentials.password ?? (origin ? "demo" : undefined);
  if (!username || secret === undefined) {
    throw new InputError(
      "username and password",
      "not given",
      `give your ${platform} account's, a signed-in { session }, or { sandbox } to use the sandbox`,
    );
  }
  return password({ username, password: secret });
}

/**
 * The session given in `options`, after checking nothing else says how to sign in: a session
 * and a password at once would leave unclear which account is used.
 */
export function givenSession<O extends { session?: unknown }>(
  options: O,
  credentials: Array<keyof O & string>,
): O["session"] | undefined {
  if (options.session === undefined) return undefined;
  const also = credentials.filter((name) => options[name] !== undefined);
  if (also.length > 0) {
    throw new InputError(
      "session",
      `given together with ${also.join(" and ")}`,
      "give either a signed-in session or credentials, not both",
    );
  }
  return options.session;
}

/** Options of {@linkcode platformSession}. */
export interface PlatformSessionOptions {
  /** Sandbox origin; unset for the real service. */
  origin?: string;
  /** The realm's name (the sandbox serves it at `/auth/realms/{realm}`). */
  realm: string;
  /** The real issuer. */
  issuer: string;
  /** Client id. */
  clientId: string;
  /** Client secret, for confidential clients. */
  clientSecret?: string;
  /** How to sign in. */
  signIn: SignIn;
  /** Token cache; default: on disk for real services, none for a sandbox. */
  cache?: TokenCache | false;
  /** Clock (tests). */
  clock?: Clock;
}

/** The session of a platform client. */
export function platformSession(options: PlatformSessionOptions): OidcSession {
  return new OidcSession({
    issuer: options.origin ? `${options.origin}/auth/realms/${options.realm}` : options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    signIn: options.signIn,
    cache: options.cache ?? (options.origin ? false : undefined),
    clock: options.clock,
  });
}
