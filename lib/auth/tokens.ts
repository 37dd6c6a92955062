/**
 * The token set eojobs keeps for a sign-in: what the token endpoint answered, with expiry
 * turned into absolute times.
 *
 * @module
 */
import type { Clock } from "../time/clock.ts";

/** Tokens of one sign-in. */
export interface TokenSet {
  /** The bearer token. */
  access_token: string;
  /** When the access token expires, ms since the epoch. */
  expires_at: number;
  /** Refresh token, when the grant gave one. */
  refresh_token?: string;
  /** When the refresh token expires, ms since the epoch (Keycloak's `refresh_expires_in`). */
  refresh_expires_at?: number;
  /** Granted scopes. */
  scope?: string;
  /** ID token, when `openid` was asked for. */
  id_token?: string;
}

/** The token endpoint's answer, as far as eojobs reads it. */
export interface TokenResponse {
  /** The bearer token. */
  access_token: string;
  /** Its lifetime in seconds. */
  expires_in?: number;
  /** Refresh token. */
  refresh_token?: string;
  /** Keycloak: the refresh token's lifetime in seconds. */
  refresh_expires_in?: unknown;
  /** Granted scopes. */
  scope?: string;
  /** ID token. */
  id_token?: string;
}

/** Converts a token endpoint answer received at `clock.now()` into a {@linkcode TokenSet}. */
export function toTokenSet(response: TokenResponse, clock: Clock, previous?: TokenSet): TokenSet {
  const now = clock.now();
  const refreshIn =
    typeof response.refresh_expires_in === "number" && response.refresh_expires_in > 0
      ? response.refresh_expires_in
      : undefined;
  return {
    access_token: response.access_token,
    // Without expires_in the token's life is unknown; an hour matches most providers' default.
    expires_at: now + (response.expires_in ?? 3600) * 1000,
    refresh_token: response.refresh_token ?? previous?.refresh_token,
    refresh_expires_at: refreshIn !== undefined
      ? now + refreshIn * 1000
      : response.refresh_token
      ? undefined
      : previous?.refresh_expires_at,
    scope: response.scope,
    id_token: response.id_token,
  };
}
