/**
 * An OIDC session: a {@linkcode TokenProvider} that signs in once, refreshes before expiry,
 * shares one refresh among concurrent callers, signs in again when the refresh token is dead,
 * and keeps tokens in an on-disk cache across runs.
 *
 * @module
 */
import type { TokenProvider } from "../http/token.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { FileTokenCache, type TokenCache } from "./cache.ts";
import { discover, type OidcContext } from "./discovery.ts";
import { AuthError } from "./errors.ts";
import { refresh, runSignIn, type SignIn } from "./grants.ts";
import type { TokenSet } from "./tokens.ts";

/** Options of {@linkcode OidcSession}. */
export interface OidcSessionOptions {
  /** Issuer (realm) URL. */
  issuer: string;
  /** Client id. */
  clientId: string;
  /** Client secret, for confidential clients only. */
  clientSecret?: string;
  /** How to sign in when there is no usable token. */
  signIn: SignIn;
  /** Token cache; `false` keeps tokens in memory only. Default a {@linkcode FileTokenCache}. */
  cache?: TokenCache | false;
  /** Refresh this long before the access token expires, in ms. Default 30 000. */
  refreshSkewMs?: number;
  /** Time source. Default the wall clock. */
  clock?: Clock;
  /** The fetch to use. */
  fetch?: typeof fetch;
}

/**
 * A signed-in user of one issuer and client.
 *
 * @example
 * ```ts ignore
 * import { OidcSession } from "./session.ts";
 * import { password } from "./grants.ts";
 * const session = new OidcSession({
 *   issuer: "https://identity.sen2cube.at/realms/sen2cube-at",
 *   clientId: "iq-web-client",
 *   signIn: password({ username: "me", password: "secret" }),
 * });
 * const token = await session.getToken();
 * ```
 */
export class OidcSession implements TokenProvider {
  readonly #o: OidcSessionOptions;
  readonly #clock: Clock;
  readonly #cache?: TokenCache;
  readonly #cacheKey: string;
  #context?: Promise<OidcContext>;
  #tokens?: TokenSet;
  #loaded = false;
  #pending?: Promise<TokenSet>;
  /** How many times tokens were obtained, by how: for tests and diagnostics. */
  readonly stats: { signIns: number; refreshes: number; cacheHits: number } = {
    signIns: 0,
    refreshes: 0,
    cacheHits: 0,
  };

  /** Nothing is fetched until the first {@linkcode OidcSession.getToken}. */
  constructor(options: OidcSessionOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#cache = options.cache === false ? undefined : options.cache ??
      (Deno.env.get("EOJOBS_TOKEN_CACHE") === "0" ? undefined : new FileTokenCache());
    this.#cacheKey = [options.issuer, options.clientId, options.signIn.identity ?? ""].join("\n");
  }

  /** The issuer URL. */
  get issuer(): string {
    return this.#o.issuer;
  }

  /** A valid access token. */
  async getToken(signal?: AbortSignal): Promise<string> {
    return (await this.tokens(signal)).access_token;
  }

  /** The current token set, refreshed or renewed as needed. */
  async tokens(signal?: AbortSignal): Promise<TokenSet> {
    if (!this.#loaded) await this.#load();
    if (this.#tokens && this.#fresh(this.#tokens)) return this.#tokens;
    this.#pending ??= this.#renew(signal).finally(() => (this.#pending = undefined));
    return await this.#pending;
  }

  /** Marks `token` as refused so the next call renews it. */
  invalidate(token: string): void {
    if (this.#tokens?.access_token === token) this.#tokens = { ...this.#tokens, expires_at: 0 };
  }

  /** Forgets the tokens here and in the cache. */
  async signOut(): Promise<void> {
    this.#tokens = undefined;
    await this.#cache?.delete(this.#cacheKey);
  }

  /** The user's claims from the userinfo endpoint. */
  async userinfo(signal?: AbortSignal): Promise<Record<string, unknown>> {
    const ctx = await this.#ctx(signal);
    const endpoint = ctx.as.userinfo_endpoint;
    if (!endpoint) throw new AuthError(`${this.#o.issuer} has no userinfo endpoint`);
    const response = await (this.#o.fetch ?? fetch)(endpoint, {
      headers: { authorization: `Bearer ${await this.getToken(signal)}` },
      signal,
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new AuthError(`userinfo at ${endpoint} answered HTTP ${response.status}`, {
        issuer: this.#o.issuer,
        status: response.status,
      });
    }
    return await response.json();
  }

  #fresh(tokens: TokenSet): boolean {
    return tokens.expires_at - (this.#o.refreshSkewMs ?? 30_000) > this.#clock.now();
  }

  #ctx(signal?: AbortSignal): Promise<OidcContext> {
    this.#context ??= discover({
      issuer: this.#o.issuer,
      clientId: this.#o.clientId,
      clientSecret: this.#o.clientSecret,
      clock: this.#clock,
      fetch: this.#o.fetch,
      signal,
    }).catch((error) => {
      this.#context = undefined;
      throw error;
    });
    return this.#context;
  }

  async #load(): Promise<void> {
    this.#loaded = true;
    const cached = await this.#cache?.load(this.#cacheKey);
    if (cached) {
      this.#tokens = cached;
      this.stats.cacheHits++;
    }
  }

  async #renew(signal?: AbortSignal): Promise<TokenSet> {
    const ctx = await this.#ctx(signal);
    const current = this.#tokens;
    const refreshable = current?.refresh_token &&
      (current.refresh_expires_at === undefined || current.refresh_expires_at > this.#clock.now());
    let next: TokenSet | undefined;
    if (refreshable) {
      try {
        next = await refresh(ctx, current!, signal);
        this.stats.refreshes++;
      } catch (error) {
        // A dead refresh token (expired, revoked, logged out) means a new sign-in; anything else
        // (network, server down) is the caller's to see.
        if (!(error instanceof AuthError) || error.code !== "invalid_grant") throw error;
      }
    }
    if (!next) {
      next = await runSignIn(this.#o.signIn, ctx, signal);
      this.stats.signIns++;
    }
    this.#tokens = next;
    await this.#cache?.save(this.#cacheKey, next);
    return next;
  }
}
