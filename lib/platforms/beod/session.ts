/**
 * BEOD sign-in: e-mail and password for a 24-hour token, renewed with the refresh token before
 * it runs out (or by logging in again), as a {@linkcode TokenProvider}.
 *
 * @module
 */
import { HttpClient } from "../../http/client.ts";
import { HttpError } from "../../http/errors.ts";
import type { TokenProvider } from "../../http/token.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import type { LoginResponse } from "./types.ts";
import { InputError } from "../../input_error.ts";

/** Options of {@linkcode BeodSession}. */
export interface BeodSessionOptions {
  /** API root. */
  baseUrl: string;
  /** Account e-mail. */
  email: string;
  /** Password; sent to `/auth/login` only. */
  password: string;
  /** Renew this long before expiry, in ms. Default 10 minutes. */
  skewMs?: number;
  /** Clock. */
  clock?: Clock;
  /** Fetch. */
  fetch?: typeof fetch;
}

/**
 * A signed-in BEOD user.
 *
 * @example
 * ```ts ignore
 * const session = new BeodSession({ baseUrl: "https://api.beod.luxcarta.cloud", email, password });
 * const token = await session.getToken();
 * ```
 */
export class BeodSession implements TokenProvider {
  readonly #o: BeodSessionOptions;
  readonly #http: HttpClient;
  readonly #clock: Clock;
  #access?: { token: string; expiresAt: number };
  #refresh?: string;
  #pending?: Promise<string>;
  /** Logins and refreshes so far. */
  readonly stats: { logins: number; refreshes: number } = { logins: 0, refreshes: 0 };

  /** Nothing is sent before the first {@linkcode BeodSession.getToken}. */
  constructor(options: BeodSessionOptions) {
    if (!options.email) {
      throw new InputError("email", "empty", "give the e-mail of your BEOD account");
    }
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#http = new HttpClient({ baseUrl: options.baseUrl, fetch: options.fetch });
  }

  /** A valid access token. */
  getToken(signal?: AbortSignal): Promise<string> {
    if (this.#access && this.#access.expiresAt - (this.#o.skewMs ?? 600_000) > this.#clock.now()) {
      return Promise.resolve(this.#access.token);
    }
    this.#pending ??= this.#renew(signal).finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Forgets a refused token. */
  invalidate(token: string): void {
    if (this.#access?.token === token) this.#access = undefined;
  }

  async #renew(signal?: AbortSignal): Promise<string> {
    let answer: LoginResponse | undefined;
    if (this.#refresh) {
      try {
        answer = await this.#http.json<LoginResponse>("auth/refresh", {
          json: { refresh_token: this.#refresh },
          signal,
          retrySafe: true,
        });
        this.stats.refreshes++;
      } catch (error) {
        if (!(error instanceof HttpError) || error.status !== 401) throw error;
      }
    }
    if (!answer) {
      try {
        answer = await this.#http.json<LoginResponse>("auth/login", {
          json: { email: this.#o.email, password: this.#o.password },
          signal,
          retrySafe: true,
        });
      } catch (error) {
        if (error instanceof HttpError && error.status === 401) {
          throw new HttpError({
            status: 401,
            method: "POST",
            url: error.url,
            body: { detail: `login refused for ${this.#o.email}: check the e-mail and password` },
          });
        }
        throw error;
      }
      this.stats.logins++;
    }
    this.#refresh = answer.refresh_token ?? this.#refresh;
    this.#access = {
      token: answer.access_token,
      expiresAt: this.#clock.now() + answer.expires_in * 1000,
    };
    return answer.access_token;
  }
}
