/**
 * A Keycloak-compatible OpenID Connect provider for the sandbox, at `/auth/realms/{realm}`:
 * discovery, JWKS, a sign-in form, and the authorization code (with PKCE), password,
 * refresh token, device code and client credentials grants, with Keycloak's field names and
 * OAuth error bodies.
 *
 * @module
 */
import type { Clock } from "../time/clock.ts";
import { credentialsForm, esc, page } from "./html.ts";
import { type Claims, JwtSigner } from "./jwt.ts";

export type { Claims } from "./jwt.ts";

/** A user who can sign in to the sandbox. */
export interface SandboxUser {
  /** Sign-in name, also `preferred_username`. */
  username: string;
  /** Password. */
  password: string;
  /** E-mail; defaults to `{username}@example.com`. */
  email?: string;
}

/** A client registered in a realm. */
export interface RealmClient {
  /** `client_id`. */
  id: string;
  /** Set for confidential clients (client credentials grant). */
  secret?: string;
}

/** A realm and its clients. */
export interface RealmConfig {
  /** Realm name as in the URL. */
  name: string;
  /** Its clients. */
  clients: RealmClient[];
  /**
   * The access token's `aud` claim; `null` leaves it out. Default `"account"`, as Keycloak
   * issues it. The APEx realm leaves it out: the Dispatch API decodes tokens with PyJWT and no
   * audience, which refuses any token that names one.
   */
  audience?: string | null;
}

/** Token lifetimes in seconds. */
export interface TokenLifetimes {
  /** Access token lifetime. Default 300, as on the platforms. */
  accessSeconds: number;
  /** Refresh token lifetime. Default 1800. */
  refreshSeconds: number;
}

/** The realms the sandbox serves out of the box. */
export const DEFAULT_REALMS: RealmConfig[] = [
  {
    name: "apex",
    clients: [{ id: "apex-dispatcher-api-prod" }, { id: "apex-dispatcher-api-dev" }],
    audience: null,
  },
  { name: "sen2cube-at", clients: [{ id: "iq-web-client" }] },
];

/** The users the sandbox knows out of the box. */
export const DEFAULT_USERS: SandboxUser[] = [
  { username: "demo", password: "demo" },
  { username: "alice", password: "alice" },
];

interface TokenRecord {
  issuedAtMs: number;
  realm: string;
  session: string;
  kind: "access" | "refresh";
}

interface PendingCode {
  realm: string;
  clientId: string;
  redirectUri: string;
  challenge?: string;
  method?: string;
  user: SandboxUser;
  scope: string;
  nonce?: string;
  expiresAt: number;
}

interface DeviceGrant {
  realm: string;
  clientId: string;
  userCode: string;
  scope: string;
  user?: SandboxUser;
  denied?: boolean;
  expiresAt: number;
  lastPoll?: number;
  interval: number;
}

function oauthError(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, {
    status,
    headers: { "cache-control": "no-store" },
  });
}

async function sha256b64url(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === "http:" &&
      ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

/** Stable uuid-shaped subject for a username, so the same user keeps the same `sub`. */
async function subjectOf(username: string): Promise<string> {
  const h = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`eojobs-sandbox:${username}`)),
  );
  const hex = [...h.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}

/** Options of {@linkcode OidcProvider}. */
export interface OidcProviderOptions {
  /** The sandbox's origin, such as `http://127.0.0.1:8123`. */
  origin: string;
  /** Time source for `iat`/`exp` and expiry checks. */
  clock: Clock;
  /** Realms to serve. */
  realms: RealmConfig[];
  /** Users who can sign in, in every realm. */
  users: SandboxUser[];
  /** Token lifetimes. */
  lifetimes: TokenLifetimes;
  /** Seconds a device client must wait between polls. Default 5, as Keycloak. */
  deviceIntervalSeconds?: number;
}

/** The identity provider. Platform twins call {@linkcode OidcProvider.verifyAccess}. */
export class OidcProvider {
  readonly #signer: JwtSigner;
  readonly #o: OidcProviderOptions;
  readonly #codes = new Map<string, PendingCode>();
  readonly #devices = new Map<string, DeviceGrant>();
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #notBefore = new Map<string, { access: number; refresh: number }>();
  readonly #endedSessions = new Set<string>();
  readonly #expireListeners: Array<(options: { refresh: boolean }) => void> = [];
  /** Token lifetimes; tests may change them at any time. */
  lifetimes: TokenLifetimes;

  private constructor(signer: JwtSigner, options: OidcProviderOptions) {
    this.#signer = signer;
    this.#o = options;
    this.lifetimes = { ...options.lifetimes };
  }

  /** Makes the provider and its signing key. */
  static async create(options: OidcProviderOptions): Promise<OidcProvider> {
    return new OidcProvider(await JwtSigner.create(), options);
  }

  /** The issuer URL of `realm`. */
  issuer(realm: string): string {
    return `${this.#o.origin}/auth/realms/${realm}`;
  }

  /** Adds a user to every realm (or replaces one with the same name). */
  addUser(user: SandboxUser): void {
    const i = this.#o.users.findIndex((u) => u.username === user.username);
    if (i >= 0) this.#o.users[i] = user;
    else this.#o.users.push(user);
  }

  /** Registers a client in an existing realm (a twin's confidential client, say). */
  addClient(realm: string, client: RealmClient): void {
    const r = this.#o.realms.find((x) => x.name === realm);
    if (!r) throw new RangeError(`realm: no realm "${realm}"; add it with addRealm first`);
    if (!r.clients.some((c) => c.id === client.id)) r.clients.push(client);
  }

  /** Adds a realm (the platform twins register theirs). */
  addRealm(realm: RealmConfig): void {
    if (!this.#o.realms.some((r) => r.name === realm.name)) this.#o.realms.push(realm);
  }

  /**
   * Makes every token issued so far invalid, as Keycloak's "not before" push does: access tokens
   * always, refresh tokens too when `refresh` is true.
   */
  expireTokens(options: { realm?: string; refresh?: boolean } = {}): void {
    const now = this.#o.clock.now();
    if (!options.realm) {
      for (const listener of this.#expireListeners) {
        listener({ refresh: options.refresh ?? false });
      }
    }
    for (const realm of this.#o.realms) {
      if (options.realm && realm.name !== options.realm) continue;
      const nb = this.#notBefore.get(realm.name) ?? { access: 0, refresh: 0 };
      // Strictly after every token issued until now, even within the same millisecond.
      nb.access = now + 0.5;
      if (options.refresh) nb.refresh = now + 0.5;
      this.#notBefore.set(realm.name, nb);
    }
  }

  /** Called by {@linkcode OidcProvider.expireTokens}: twins with tokens of their own expire them too. */
  onExpireTokens(listener: (options: { refresh: boolean }) => void): void {
    this.#expireListeners.push(listener);
  }

  /**
   * Checks a bearer access token of `realm`: signature, issuer, expiry on the sandbox clock,
   * and not expired by {@linkcode OidcProvider.expireTokens} or a logout.
   */
  async verifyAccess(realm: string, token: string): Promise<Claims | undefined> {
    return await this.#verify(realm, token, "access");
  }

  async #verify(realm: string, token: string, kind: TokenRecord["kind"]) {
    const result = await this.#signer.verify(
      token,
      this.issuer(realm),
      this.#o.clock.now() / 1000,
    );
    if (!("claims" in result)) return undefined;
    const record = this.#tokens.get(String(result.claims.jti));
    if (!record || record.kind !== kind || record.realm !== realm) return undefined;
    const nb = this.#notBefore.get(realm);
    if (nb && record.issuedAtMs < nb[kind]) return undefined;
    if (this.#endedSessions.has(record.session)) return undefined;
    return result.claims;
  }

  /** Handles a request under `/auth/realms/`, or returns undefined for other paths. */
  async handle(request: Request, url: URL): Promise<Response | undefined> {
    const m = url.pathname.match(/^\/auth\/realms\/([^/]+)(\/.*)?$/);
    if (!m) return undefined;
    const realm = this.#o.realms.find((r) => r.name === decodeURIComponent(m[1]));
    if (!realm) {
      return Response.json({
        error: "Realm does not exist",
        error_description: `No realm "${decodeURIComponent(m[1])}" here; known realms: ${
          this.#o.realms.map((r) => r.name).join(", ")
        }`,
      }, { status: 404 });
    }
    const rest = m[2] ?? "";
    const base = "/protocol/openid-connect";
    switch (`${request.method} ${rest}`) {
      case "GET ":
        return Response.json({
          realm: realm.name,
          "token-service": this.issuer(realm.name) + base,
        });
      case "GET /.well-known/openid-configuration":
        return Response.json(this.#discovery(realm.name));
      case `GET ${base}/certs`:
        return Response.json(this.#signer.jwks());
      case `GET ${base}/auth`:
        return this.#authorizePage(realm, url.searchParams);
      case `POST ${base}/auth`:
        return this.#authorizeSubmit(realm, await request.formData());
      case `POST ${base}/token`:
        return await this.#token(realm, request);
      case `GET ${base}/userinfo`:
      case `POST ${base}/userinfo`:
        return await this.#userinfo(realm.name, request);
      case `POST ${base}/auth/device`:
        return await this.#deviceAuthorization(realm, request);
      case "GET /device":
        return this.#devicePage(realm.name, url.searchParams.get("user_code") ?? "");
      case "POST /device":
        return this.#deviceSubmit(realm.name, await request.formData());
      case `GET ${base}/logout`:
      case `POST ${base}/logout`:
        return await this.#logout(realm.name, request, url);
    }
    return Response.json({ error: "Unable to find matching target resource method" }, {
      status: 404,
    });
  }

  #discovery(realm: string) {
    const iss = this.issuer(realm);
    const p = `${iss}/protocol/openid-connect`;
    return {
      issuer: iss,
      authorization_endpoint: `${p}/auth`,
      token_endpoint: `${p}/token`,
      userinfo_endpoint: `${p}/userinfo`,
      end_session_endpoint: `${p}/logout`,
      jwks_uri: `${p}/certs`,
      device_authorization_endpoint: `${p}/auth/device`,
      grant_types_supported: [
        "authorization_code",
        "refresh_token",
        "password",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
      ],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["plain", "S256"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "preferred_username", "email", "name"],
    };
  }

  #client(realm: RealmConfig, id: string | null): RealmClient | undefined {
    return realm.clients.find((c) => c.id === id);
  }

  #authorizePage(realm: RealmConfig, q: URLSearchParams): Response {
    const check = this.#checkAuthorizeParams(realm, q);
    if (check) return check;
    const hidden: Record<string, string> = {};
    for (const [k, v] of q) hidden[k] = v;
    return page(
      `Sign in to ${realm.name}`,
      credentialsForm(`${this.issuer(realm.name)}/protocol/openid-connect/auth`, hidden),
    );
  }

  #checkAuthorizeParams(realm: RealmConfig, q: URLSearchParams | FormData): Response | undefined {
    const clientId = q.get("client_id") as string | null;
    if (!clientId || !this.#client(realm, clientId)) {
      return page(
        "Sign-in error",
        `<p id="error">Client not found: ${esc(String(clientId))}</p>`,
        400,
      );
    }
    const redirect = String(q.get("redirect_uri") ?? "");
    if (!isLoopbackRedirect(redirect)) {
      return page(
        "Sign-in error",
        `<p id="error">Invalid parameter: redirect_uri. The sandbox accepts loopback redirects ` +
          `only (http://127.0.0.1:PORT/..., http://localhost:PORT/...), got "${
            esc(redirect)
          }".</p>`,
        400,
      );
    }
    if (q.get("response_type") !== "code") {
      return page("Sign-in error", `<p id="error">Unsupported response_type; use "code".</p>`, 400);
    }
    const method = q.get("code_challenge_method");
    if (q.get("code_challenge") && method && !["S256", "plain"].includes(String(method))) {
      return page(
        "Sign-in error",
        `<p id="error">Invalid parameter: code_challenge_method</p>`,
        400,
      );
    }
    return undefined;
  }

  #authorizeSubmit(realm: RealmConfig, form: FormData): Response {
    const check = this.#checkAuthorizeParams(realm, form);
    if (check) return check;
    const user = this.#findUser(
      String(form.get("username") ?? ""),
      String(form.get("password") ?? ""),
    );
    if (!user) {
      const hidden: Record<string, string> = {};
      for (const [k, v] of form) if (k !== "username" && k !== "password") hidden[k] = String(v);
      return page(
        `Sign in to ${realm.name}`,
        credentialsForm(
          `${this.issuer(realm.name)}/protocol/openid-connect/auth`,
          hidden,
          "Invalid username or password.",
        ),
      );
    }
    const code = crypto.randomUUID() + "." + crypto.randomUUID();
    const redirectUri = String(form.get("redirect_uri"));
    this.#codes.set(code, {
      realm: realm.name,
      clientId: String(form.get("client_id")),
      redirectUri,
      challenge: form.get("code_challenge")?.toString() || undefined,
      method: form.get("code_challenge_method")?.toString() || undefined,
      user,
      scope: form.get("scope")?.toString() ?? "",
      nonce: form.get("nonce")?.toString() || undefined,
      expiresAt: this.#o.clock.now() + 60_000,
    });
    const target = new URL(redirectUri);
    const state = form.get("state");
    if (state !== null) target.searchParams.set("state", String(state));
    target.searchParams.set("session_state", crypto.randomUUID());
    target.searchParams.set("iss", this.issuer(realm.name));
    target.searchParams.set("code", code);
    return new Response(null, { status: 302, headers: { location: target.toString() } });
  }

  /** A user by name or e-mail address (UP42's users sign in with their address), and password. */
  #findUser(username: string, password: string): SandboxUser | undefined {
    return this.#o.users.find((u) =>
      (u.username === username || (u.email ?? `${u.username}@example.com`) === username) &&
      u.password === password
    );
  }

  async #token(realm: RealmConfig, request: Request): Promise<Response> {
    const type = request.headers.get("content-type") ?? "";
    if (!type.startsWith("application/x-www-form-urlencoded")) {
      return oauthError(
        400,
        "invalid_request",
        "The token endpoint takes application/x-www-form-urlencoded, not " + (type || "no body"),
      );
    }
    const form = new URLSearchParams(await request.text());
    let clientId = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = request.headers.get("authorization")?.match(/^Basic (.+)$/i);
    if (basic) {
      const [id, pw] = atob(basic[1]).split(":").map(decodeURIComponent);
      clientId = id;
      secret = pw;
    }
    const grant = form.get("grant_type");
    if (!grant) return oauthError(400, "invalid_request", "Missing form parameter: grant_type");
    if (!clientId) return oauthError(400, "invalid_request", "Missing parameter: client_id");
    const client = this.#client(realm, clientId);
    if (!client) {
      return oauthError(
        401,
        "invalid_client",
        `Client "${clientId}" not found in realm ${realm.name}`,
      );
    }
    if (client.secret !== undefined && client.secret !== secret) {
      return oauthError(401, "unauthorized_client", "Invalid client or Invalid client credentials");
    }
    switch (grant) {
      case "authorization_code":
        return await this.#codeGrant(realm.name, client, form);
      case "password": {
        const user = this.#findUser(form.get("username") ?? "", form.get("password") ?? "");
        if (!user) return oauthError(401, "invalid_grant", "Invalid user credentials");
        return await this.#issue(realm.name, client.id, user, form.get("scope") ?? "");
      }
      case "refresh_token":
        return await this.#refreshGrant(realm.name, client, form);
      case "client_credentials": {
        if (client.secret === undefined) {
          return oauthError(
            401,
            "unauthorized_client",
            "Public client not allowed to retrieve service account",
          );
        }
        const account = { username: `service-account-${client.id}`, password: "" };
        return await this.#issue(realm.name, client.id, account, form.get("scope") ?? "", false);
      }
      case "urn:ietf:params:oauth:grant-type:device_code":
        return await this.#deviceGrant(realm.name, client, form);
    }
    return oauthError(400, "unsupported_grant_type", `Unsupported grant_type "${grant}"`);
  }

  async #codeGrant(realm: string, client: RealmClient, form: URLSearchParams): Promise<Response> {
    const code = form.get("code");
    if (!code) return oauthError(400, "invalid_request", "Missing parameter: code");
    const pending = this.#codes.get(code);
    this.#codes.delete(code);
    if (!pending || pending.realm !== realm || pending.expiresAt < this.#o.clock.now()) {
      return oauthError(400, "invalid_grant", "Code not valid");
    }
    if (pending.clientId !== client.id) {
      return oauthError(400, "invalid_grant", "Code was issued to another client");
    }
    if (form.get("redirect_uri") !== pending.redirectUri) {
      return oauthError(400, "invalid_grant", "Incorrect redirect_uri");
    }
    if (pending.challenge) {
      const verifier = form.get("code_verifier");
      if (!verifier) return oauthError(400, "invalid_grant", "PKCE code verifier not specified");
      const computed = pending.method === "S256" ? await sha256b64url(verifier) : verifier;
      if (computed !== pending.challenge) {
        return oauthError(400, "invalid_grant", "PKCE verification failed: Invalid code verifier");
      }
    }
    return await this.#issue(realm, client.id, pending.user, pending.scope, true, pending.nonce);
  }

  async #refreshGrant(realm: string, client: RealmClient, form: URLSearchParams) {
    const token = form.get("refresh_token");
    if (!token) return oauthError(400, "invalid_request", "Missing parameter: refresh_token");
    const claims = await this.#verify(realm, token, "refresh");
    if (!claims) return oauthError(400, "invalid_grant", "Token is not active");
    if (claims.azp !== client.id) return oauthError(400, "invalid_grant", "Invalid refresh token");
    const user = this.#o.users.find((u) => u.username === claims.preferred_username);
    if (!user) return oauthError(400, "invalid_grant", "User not found");
    return await this.#issue(
      realm,
      client.id,
      user,
      String(claims.scope ?? ""),
      true,
      undefined,
      String(claims.sid),
    );
  }

  async #issue(
    realm: string,
    clientId: string,
    user: SandboxUser,
    scope: string,
    withRefresh = true,
    nonce?: string,
    session: string = crypto.randomUUID(),
  ): Promise<Response> {
    const nowMs = this.#o.clock.now();
    const iat = Math.floor(nowMs / 1000);
    const iss = this.issuer(realm);
    const sub = await subjectOf(user.username);
    const email = user.email ?? `${user.username}@example.com`;
    const scopes = new Set(["profile", "email", ...scope.split(" ").filter(Boolean)]);
    const common = { iss, sub, azp: clientId, sid: session, scope: [...scopes].join(" ") };
    const found = this.#o.realms.find((r) => r.name === realm)?.audience;
    const audience = found === undefined ? "account" : found;
    const access = await this.#mint("access", realm, session, nowMs, {
      ...common,
      exp: iat + this.lifetimes.accessSeconds,
      iat,
      ...(audience === null ? {} : { aud: audience }),
      typ: "Bearer",
      preferred_username: user.username,
      email,
      email_verified: true,
      name: user.username,
    });
    const body: Record<string, unknown> = {
      access_token: access,
      expires_in: this.lifetimes.accessSeconds,
      refresh_expires_in: withRefresh ? this.lifetimes.refreshSeconds : 0,
      token_type: "Bearer",
      "not-before-policy": 0,
      session_state: session,
      scope: common.scope,
    };
    if (withRefresh) {
      body.refresh_token = await this.#mint("refresh", realm, session, nowMs, {
        ...common,
        exp: iat + this.lifetimes.refreshSeconds,
        iat,
        aud: iss,
        typ: "Refresh",
        preferred_username: user.username,
      });
    }
    if (scopes.has("openid")) {
      body.id_token = await this.#signer.sign({
        iss,
        sub,
        aud: clientId,
        azp: clientId,
        exp: iat + this.lifetimes.accessSeconds,
        iat,
        auth_time: iat,
        sid: session,
        typ: "ID",
        preferred_username: user.username,
        email,
        ...(nonce ? { nonce } : {}),
      });
    }
    return Response.json(body, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
  }

  async #mint(
    kind: TokenRecord["kind"],
    realm: string,
    session: string,
    nowMs: number,
    claims: Claims,
  ) {
    const jti = crypto.randomUUID();
    this.#tokens.set(jti, { issuedAtMs: nowMs, realm, session, kind });
    return await this.#signer.sign({ ...claims, jti });
  }

  async #userinfo(realm: string, request: Request): Promise<Response> {
    const token = request.headers.get("authorization")?.match(/^Bearer (.+)$/i)?.[1];
    const claims = token ? await this.verifyAccess(realm, token) : undefined;
    if (!claims) {
      return Response.json({
        error: "invalid_token",
        error_description: "Token verification failed",
      }, {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="' + realm + '", error="invalid_token"' },
      });
    }
    return Response.json({
      sub: claims.sub,
      email_verified: true,
      name: claims.name,
      preferred_username: claims.preferred_username,
      email: claims.email,
    });
  }

  async #deviceAuthorization(realm: RealmConfig, request: Request): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    const client = this.#client(realm, form.get("client_id"));
    if (!client) {
      return oauthError(401, "invalid_client", `Client "${form.get("client_id")}" not found`);
    }
    const deviceCode = crypto.randomUUID();
    const letters = "BCDFGHJKLMNPQRSTVWXZ";
    const raw = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => letters[b % 20]);
    const userCode = `${raw.slice(0, 4).join("")}-${raw.slice(4).join("")}`;
    const interval = this.#o.deviceIntervalSeconds ?? 5;
    this.#devices.set(deviceCode, {
      realm: realm.name,
      clientId: client.id,
      userCode,
      scope: form.get("scope") ?? "",
      expiresAt: this.#o.clock.now() + 600_000,
      interval,
    });
    const verification = `${this.issuer(realm.name)}/device`;
    return Response.json({
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verification,
      verification_uri_complete: `${verification}?user_code=${userCode}`,
      expires_in: 600,
      interval,
    });
  }

  #devicePage(realm: string, userCode: string, error?: string): Response {
    return page(
      "Approve device sign-in",
      credentialsForm(
        `${this.issuer(realm)}/device`,
        {},
        error,
        `<label>Code <input name="user_code" value="${esc(userCode)}"></label>`,
      ),
    );
  }

  #deviceSubmit(realm: string, form: FormData): Response {
    const userCode = String(form.get("user_code") ?? "").toUpperCase();
    const grant = [...this.#devices.values()].find((d) =>
      d.realm === realm && d.userCode === userCode
    );
    if (!grant) return this.#devicePage(realm, userCode, "Invalid code, please try again.");
    const user = this.#findUser(
      String(form.get("username") ?? ""),
      String(form.get("password") ?? ""),
    );
    if (!user) return this.#devicePage(realm, userCode, "Invalid username or password.");
    grant.user = user;
    return page("Device signed in", "<p>You may close this page and return to your device.</p>");
  }

  async #deviceGrant(realm: string, client: RealmClient, form: URLSearchParams) {
    const code = form.get("device_code");
    const grant = code ? this.#devices.get(code) : undefined;
    if (!grant || grant.realm !== realm || grant.clientId !== client.id) {
      return oauthError(400, "invalid_grant", "Device code not valid");
    }
    const now = this.#o.clock.now();
    if (grant.expiresAt < now) return oauthError(400, "expired_token", "Device code is expired");
    if (grant.denied) {
      return oauthError(400, "access_denied", "The end user denied the authorization request");
    }
    if (!grant.user) {
      const tooSoon = grant.lastPoll !== undefined && now - grant.lastPoll < grant.interval * 1000;
      grant.lastPoll = now;
      return tooSoon
        ? oauthError(400, "slow_down", "Slow down")
        : oauthError(400, "authorization_pending", "The authorization request is still pending");
    }
    this.#devices.delete(code!);
    return await this.#issue(realm, client.id, grant.user, grant.scope);
  }

  async #logout(realm: string, request: Request, url: URL): Promise<Response> {
    const form = request.method === "POST"
      ? new URLSearchParams(await request.text())
      : url.searchParams;
    const refresh = form.get("refresh_token");
    if (refresh) {
      const claims = await this.#verify(realm, refresh, "refresh");
      if (claims) this.#endedSessions.add(String(claims.sid));
    }
    const back = form.get("post_logout_redirect_uri");
    if (back && isLoopbackRedirect(back)) {
      return new Response(null, { status: 302, headers: { location: back } });
    }
    return new Response(null, { status: 204 });
  }
}
