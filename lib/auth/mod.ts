/**
 * Signing in to the platforms with OpenID Connect (via oauth4webapi): authorization code with
 * PKCE and a loopback listener, device code, password, client credentials and refresh grants,
 * a self-refreshing session and an on-disk token cache.
 *
 * @module
 */
export { authorizationCode, type AuthorizationCodeOptions } from "./authorization_code.ts";
export { defaultCacheDir, FileTokenCache, type TokenCache, TokenCacheError } from "./cache.ts";
export { deviceCode, type DeviceCodeOptions, type DeviceVerification } from "./device_code.ts";
export { AuthError } from "./errors.ts";
export { clientCredentials, password, type SignIn } from "./grants.ts";
export { OidcSession, type OidcSessionOptions } from "./session.ts";
export { inJupyter, showLink } from "./show_link.ts";
export type { TokenSet } from "./tokens.ts";
