/**
 * What the HTTP core needs from authentication: something that hands out a bearer token.
 *
 * @module
 */
import { InputError } from "../input_error.ts";

/**
 * Hands out a valid access token, refreshing or signing in again as needed.
 * Platform clients accept any implementation, or a plain token string.
 */
export interface TokenProvider {
  /** A token that is valid now. Concurrent callers share one refresh. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Forget `token` because the server refused it; the next `getToken` gets a fresh one. */
  invalidate?(token: string): void;
}

/** A token provider or a fixed token. */
export type TokenSource = TokenProvider | string;

/**
 * Wraps a fixed token string as a {@linkcode TokenProvider}; providers pass through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toTokenProvider } from "./token.ts";
 * const p = toTokenProvider("abc");
 * assert.ok((await p.getToken()) === "abc");
 * ```
 */
export function toTokenProvider(source: TokenSource): TokenProvider {
  if (typeof source !== "string") return source;
  if (source.trim() === "") {
    throw new InputError(
      "token",
      "an empty string was given",
      "pass an access token or a TokenProvider",
    );
  }
  return { getToken: () => Promise.resolve(source) };
}
