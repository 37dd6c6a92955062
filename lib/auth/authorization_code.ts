/**
 * The authorization code grant with PKCE (S256) and a one-shot loopback listener on 127.0.0.1
 * that catches the browser's redirect.
 *
 * @module
 */
import * as oauth from "../deps/oauth4webapi.ts";
import { AuthError, toAuthError } from "./errors.ts";
import { defineSignIn, type SignIn } from "./grants.ts";
import { showLink } from "./show_link.ts";
import { toTokenSet } from "./tokens.ts";

/** Options of {@linkcode authorizationCode}. */
export interface AuthorizationCodeOptions {
  /**
   * Where the provider sends the browser back. Must be an http URL on 127.0.0.1 or localhost;
   * port 0 picks a free port. It must match what the client is registered with (APEx's public
   * client uses `http://localhost:8000/callback`). Default `http://127.0.0.1:0/callback`.
   */
  redirectUri?: string;
  /** Scope to ask for. Default `openid`. */
  scope?: string;
  /** How long to wait for the person, in ms. Default 300 000. */
  timeoutMs?: number;
  /** Shows the sign-in URL; default: a link in Jupyter or a line on the terminal. */
  onAuthorizationUrl?: (url: URL) => void | Promise<void>;
}

function resultPage(ok: boolean, text: string): Response {
  const title = ok ? "Signed in" : "Sign-in failed";
  return new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>eojobs: ${title}</title></head>` +
      `<body style="font-family:sans-serif;max-width:30em;margin:3em auto"><h1>${title}</h1>` +
      `<p>${text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p></body></html>`,
    { status: ok ? 200 : 400, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

function parseRedirect(redirectUri: string): URL {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new AuthError(
      `redirectUri: "${redirectUri}" is not a URL; use http://127.0.0.1:0/callback`,
    );
  }
  if (url.protocol !== "http:" || !["127.0.0.1", "localhost"].includes(url.hostname)) {
    throw new AuthError(
      `redirectUri: ${redirectUri} is not a loopback address; the listener only runs on this ` +
        "machine, so use http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH",
    );
  }
  return url;
}

/**
 * Signs in through the browser: shows a link, waits for the redirect on a loopback listener,
 * checks `state`, and exchanges the code with the PKCE verifier.
 *
 * @example
 * ```ts ignore
 * import { authorizationCode } from "./authorization_code.ts";
 * const how = authorizationCode({ redirectUri: "http://localhost:8000/callback" });
 * ```
 */
export function authorizationCode(options: AuthorizationCodeOptions = {}): SignIn {
  const redirect = parseRedirect(options.redirectUri ?? "http://127.0.0.1:0/callback");
  return defineSignIn("authorization code", undefined, async (ctx, signal) => {
    const verifier = oauth.generateRandomCodeVerifier();
    const challenge = await oauth.calculatePKCECodeChallenge(verifier);
    const state = oauth.generateRandomState();
    const callback = Promise.withResolvers<URL>();
    // The redirect may fail before the link has even been shown; it is awaited below.
    callback.promise.catch(() => {});
    let used = false;
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: "127.0.0.1",
        port: Number(redirect.port || 80),
        onListen: () => {},
      }, (request) => {
        const url = new URL(request.url);
        if (url.pathname !== redirect.pathname) return new Response("Not found", { status: 404 });
        if (used) return resultPage(false, "This sign-in link was already used. Start again.");
        used = true;
        try {
          oauth.validateAuthResponse(ctx.as, ctx.client, url, state);
        } catch (error) {
          callback.reject(toAuthError("browser sign-in", ctx.issuer, error));
          return resultPage(
            false,
            `${(error as Error).message}. Go back to eojobs and start again.`,
          );
        }
        callback.resolve(url);
        return resultPage(true, "You are signed in to eojobs. You can close this tab.");
      });
    } catch (error) {
      throw new AuthError(
        `redirectUri: cannot listen on 127.0.0.1:${redirect.port} (${(error as Error).message}); ` +
          "free the port or choose another redirect URI the client accepts",
      );
    }
    const redirectUri = new URL(redirect);
    redirectUri.port = String(server.addr.port);
    const redirectText = redirectUri.href;
    const timer = setTimeout(
      () =>
        callback.reject(
          new AuthError(
            `browser sign-in at ${ctx.issuer}: no answer within ${
              (options.timeoutMs ?? 300_000) / 1000
            } s`,
            {
              issuer: ctx.issuer,
            },
          ),
        ),
      options.timeoutMs ?? 300_000,
    );
    const onAbort = () => callback.reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const url = new URL(ctx.as.authorization_endpoint!);
      url.searchParams.set("client_id", ctx.client.client_id);
      url.searchParams.set("redirect_uri", redirectText);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", options.scope ?? "openid");
      url.searchParams.set("code_challenge", challenge);
      url.searchParams.set("code_challenge_method", "S256");
      url.searchParams.set("state", state);
      if (options.onAuthorizationUrl) await options.onAuthorizationUrl(url);
      else await showLink("Sign in", url, "(the browser comes back here when you are done)");
      const returned = await callback.promise;
      const params = oauth.validateAuthResponse(ctx.as, ctx.client, returned, state);
      const response = await oauth.authorizationCodeGrantRequest(
        ctx.as,
        ctx.client,
        ctx.clientAuth,
        params,
        redirectText,
        verifier,
        ctx.requestOptions(signal),
      );
      const tokens = await oauth.processAuthorizationCodeResponse(ctx.as, ctx.client, response);
      return toTokenSet(tokens, ctx.clock);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toAuthError("browser sign-in", ctx.issuer, error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      await server.shutdown();
    }
  });
}
