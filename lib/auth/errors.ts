/**
 * The error every sign-in problem becomes: it names the issuer, the OAuth error code and what
 * to do, and never carries a token.
 *
 * @module
 */
import * as oauth from "../deps/oauth4webapi.ts";
import { redactError, redactText } from "../http/redact.ts";

/**
 * Sign-in or token refresh failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthError } from "./errors.ts";
 * const e = new AuthError("token refresh failed", { issuer: "https://id.example", code: "invalid_grant" });
 * assert.ok(e.code === "invalid_grant");
 * ```
 */
export class AuthError extends Error {
  /** Always `"AuthError"`. */
  override name = "AuthError";
  /** The OAuth error code (`invalid_grant`, `invalid_client`, ...), when the server sent one. */
  readonly code?: string;
  /** HTTP status of the failing answer, when there was one. */
  readonly status?: number;
  /** The issuer involved. */
  readonly issuer?: string;

  /** An error with `message` and the facts in `init`. */
  constructor(
    message: string,
    init: { issuer?: string; code?: string; status?: number; cause?: unknown } = {},
  ) {
    super(
      redactText(message),
      init.cause === undefined ? undefined : { cause: redactError(init.cause) },
    );
    this.code = init.code;
    this.status = init.status;
    this.issuer = init.issuer;
  }
}

/** Turns an oauth4webapi or network error into an {@linkcode AuthError} that says what failed. */
export function toAuthError(what: string, issuer: string, error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    return new AuthError(
      `${what} at ${issuer} was refused: ${error.error}` +
        (error.error_description ? ` (${error.error_description})` : ""),
      { issuer, code: error.error, status: error.status, cause: error },
    );
  }
  if (error instanceof TypeError) {
    return new AuthError(
      `${what}: could not reach the identity provider at ${issuer} (${error.message})`,
      {
        issuer,
        cause: error,
      },
    );
  }
  return new AuthError(`${what} at ${issuer} failed: ${(error as Error)?.message ?? error}`, {
    issuer,
    cause: error,
  });
}
