import assert from "node:assert/strict";
import {
  AuthError,
  authorizationCode,
  deviceCode,
  OidcSession,
  password,
} from "../../lib/auth/mod.ts";
import { ManualClock } from "../../lib/time/clock.ts";
import { browserSignIn, readForm, sandbox, tempDir } from "../helpers.ts";

const CLIENT = "apex-dispatcher-api-prod";

Deno.test("authorization code + PKCE through the loopback listener", async () => {
  await using sb = await sandbox();
  let page: Response | undefined;
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    cache: false,
    signIn: authorizationCode({
      onAuthorizationUrl: async (url) => {
        assert.equal(url.searchParams.get("code_challenge_method"), "S256");
        assert.ok(url.searchParams.get("state"));
        page = await browserSignIn(url);
      },
    }),
  });
  const token = await session.getToken();
  assert.equal(page?.status, 200);
  assert.match(await page!.text(), /signed in/i);
  const info = await session.userinfo();
  assert.equal(info.preferred_username, "demo");
  assert.equal(token.split(".").length, 3);
});

Deno.test("authorization code: wrong credentials re-show the form with an error", async () => {
  await using sb = await sandbox();
  const url = new URL(`${sb.issuer("apex")}/protocol/openid-connect/auth`);
  for (
    const [k, v] of Object.entries({
      client_id: CLIENT,
      redirect_uri: "http://127.0.0.1:9/callback",
      response_type: "code",
      state: "s",
    })
  ) url.searchParams.set(k, v);
  const { action, fields } = readForm(await (await fetch(url)).text());
  const again = await fetch(action, {
    method: "POST",
    body: new URLSearchParams({ ...fields, username: "demo", password: "nope" }),
    redirect: "manual",
  });
  assert.equal(again.status, 200);
  assert.match(await again.text(), /Invalid username or password/);
});

Deno.test("authorization code: a redirect with the wrong state is rejected", async () => {
  await using sb = await sandbox();
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    cache: false,
    signIn: authorizationCode({
      onAuthorizationUrl: async (url) => {
        const redirect = new URL(url.searchParams.get("redirect_uri")!);
        redirect.searchParams.set("code", "stolen");
        redirect.searchParams.set("state", "not-the-state");
        const answer = await fetch(redirect);
        assert.equal(answer.status, 400);
        await answer.body?.cancel();
      },
    }),
  });
  await assert.rejects(
    session.getToken(),
    (e: Error) => e instanceof AuthError && /state/i.test(e.message),
  );
});

Deno.test("authorization code: a PKCE verifier mismatch is refused by the provider", async () => {
  await using sb = await sandbox();
  const tamper: typeof fetch = (input, init) => {
    const body = init?.body;
    if (body instanceof URLSearchParams && body.get("grant_type") === "authorization_code") {
      body.set("code_verifier", "x".repeat(50));
    }
    return fetch(input, init);
  };
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    cache: false,
    fetch: tamper,
    signIn: authorizationCode({
      onAuthorizationUrl: async (url) => void await (await browserSignIn(url)).text(),
    }),
  });
  await assert.rejects(
    session.getToken(),
    (e: Error) => e instanceof AuthError && e.code === "invalid_grant" && /PKCE/.test(e.message),
  );
});

Deno.test("authorization code: a redirect URI that is not loopback is refused up front", () => {
  assert.throws(
    () => authorizationCode({ redirectUri: "https://example.org/callback" }),
    (e: Error) =>
      e instanceof AuthError && /redirectUri/.test(e.message) && /loopback/.test(e.message),
  );
});

Deno.test("device code flow", async () => {
  await using sb = await sandbox({ deviceIntervalSeconds: 1 });
  const waits: number[] = [];
  let userCode = "";
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    cache: false,
    signIn: deviceCode({
      onVerification: (v) => {
        assert.match(v.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
        assert.ok(v.verification_uri_complete?.includes(v.user_code));
        userCode = v.user_code;
      },
      // The person approves on another device while this side waits out the first interval.
      sleep: async (ms) => {
        waits.push(ms);
        const page = await fetch(`${sb.issuer("apex")}/device?user_code=${userCode}`);
        const { action, fields } = readForm(await page.text());
        const answer = await fetch(action, {
          method: "POST",
          body: new URLSearchParams({ ...fields, username: "alice", password: "alice" }),
        });
        assert.match(await answer.text(), /Device signed in/);
      },
    }),
  });
  await session.getToken();
  assert.deepEqual(
    waits,
    [1000],
    "one pending poll, one wait of the provider's interval, then tokens",
  );
  assert.equal((await session.userinfo()).preferred_username, "alice");
});

Deno.test("password grant, and refresh before the access token expires", async () => {
  await using sb = await sandbox();
  const clock = new ManualClock();
  const session = new OidcSession({
    issuer: sb.issuer("sen2cube-at"),
    clientId: "iq-web-client",
    clock,
    signIn: password({ username: "demo", password: "demo" }),
    cache: false,
    refreshSkewMs: 30_000,
  });
  const first = await session.getToken();
  clock.advance(200_000);
  assert.equal(await session.getToken(), first, "still fresh: no refresh");
  clock.advance(80_000); // 280 s: inside the 30 s skew of the 300 s lifetime
  const second = await session.getToken();
  assert.notEqual(second, first);
  assert.deepEqual(session.stats, { signIns: 1, refreshes: 1, cacheHits: 0 });
});

Deno.test("refresh after the access token expired, on the sandbox's clock too", async () => {
  const clock = new ManualClock();
  await using sb = await sandbox({ clock });
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    clock,
    cache: false,
    signIn: password({ username: "demo", password: "demo" }),
  });
  const first = await session.getToken();
  clock.advance(301_000);
  assert.equal(await sb.oidc.verifyAccess("apex", first), undefined, "the old token is expired");
  const second = await session.getToken();
  assert.ok(await sb.oidc.verifyAccess("apex", second));
  assert.equal(session.stats.refreshes, 1);
});

Deno.test("a dead refresh token leads to a new sign-in", async () => {
  await using sb = await sandbox();
  const clock = new ManualClock();
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    clock,
    cache: false,
    signIn: password({ username: "demo", password: "demo" }),
  });
  await session.getToken();
  sb.oidc.expireTokens({ refresh: true });
  clock.advance(400_000);
  const token = await session.getToken();
  assert.ok(await sb.oidc.verifyAccess("apex", token));
  assert.deepEqual(session.stats, { signIns: 2, refreshes: 0, cacheHits: 0 });
});

Deno.test("concurrent getToken calls share one refresh", async () => {
  await using sb = await sandbox();
  const clock = new ManualClock();
  let tokenRequests = 0;
  const session = new OidcSession({
    issuer: sb.issuer("apex"),
    clientId: CLIENT,
    clock,
    cache: false,
    fetch: (input, init) => {
      if (String(input).endsWith("/token")) tokenRequests++;
      return fetch(input, init);
    },
    signIn: password({ username: "demo", password: "demo" }),
  });
  await session.getToken();
  clock.advance(299_000);
  const tokens = await Promise.all(Array.from({ length: 20 }, () => session.getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.equal(tokenRequests, 2, "one sign-in, one refresh");
});

Deno.test("token cache: a 0600 file that survives a restart and holds no plain key", async () => {
  await using sb = await sandbox();
  await using dir = await tempDir();
  const { FileTokenCache } = await import("../../lib/auth/cache.ts");
  const make = () =>
    new OidcSession({
      issuer: sb.issuer("apex"),
      clientId: CLIENT,
      cache: new FileTokenCache(dir.path),
      signIn: password({ username: "demo", password: "demo" }),
    });
  const first = make();
  const token = await first.getToken();
  const files = [...Deno.readDirSync(dir.path)];
  assert.equal(files.length, 1);
  assert.match(files[0].name, /^tokens-[0-9a-f]{24}\.json$/);
  const stat = await Deno.stat(`${dir.path}/${files[0].name}`);
  assert.equal(stat.mode! & 0o777, 0o600);
  const restarted = make();
  assert.equal(await restarted.getToken(), token);
  assert.deepEqual(restarted.stats, { signIns: 0, refreshes: 0, cacheHits: 1 });
});

Deno.test("bad input: unknown realm, unknown client, unreachable issuer, wrong password", async () => {
  await using sb = await sandbox();
  const attempt = (issuer: string, clientId: string, pw = "demo") =>
    new OidcSession({
      issuer,
      clientId,
      cache: false,
      signIn: password({ username: "demo", password: pw }),
    })
      .getToken();
  await assert.rejects(
    attempt(`${sb.url}/auth/realms/nowhere`, CLIENT),
    (e: Error) => e instanceof AuthError && e.message.includes(`${sb.url}/auth/realms/nowhere`),
  );
  await assert.rejects(
    attempt(sb.issuer("apex"), "no-such-client"),
    (e: Error) =>
      e instanceof AuthError && e.code === "invalid_client" && /no-such-client/.test(e.message),
  );
  await assert.rejects(
    attempt(sb.issuer("apex"), CLIENT, "wrong"),
    (e: Error) =>
      e instanceof AuthError && e.code === "invalid_grant" && !e.message.includes("wrong"),
  );
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  await assert.rejects(
    attempt(`http://127.0.0.1:${port}/auth/realms/apex`, CLIENT),
    (e: Error) =>
      e instanceof AuthError && e.message.includes(`http://127.0.0.1:${port}/auth/realms/apex`),
  );
  await assert.rejects(
    attempt("http://example.org/realms/apex", CLIENT),
    (e: Error) => e instanceof AuthError && /https/.test(e.message),
  );
});
