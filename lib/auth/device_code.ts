/**
 * The device code grant: for machines without a browser, the person opens a link elsewhere and
 * types a short code while this side polls.
 *
 * @module
 */
import * as oauth from "../deps/oauth4webapi.ts";
import { type Sleep, sleep as realSleep } from "../time/sleep.ts";
import { AuthError, toAuthError } from "./errors.ts";
import { defineSignIn, type SignIn } from "./grants.ts";
import { showLink } from "./show_link.ts";
import { toTokenSet } from "./tokens.ts";

/** What the person needs to approve a device sign-in. */
export interface DeviceVerification {
  /** Where to go. */
  verification_uri: string;
  /** The same with the code filled in, when the provider gives it. */
  verification_uri_complete?: string;
  /** The code to type. */
  user_code: string;
  /** Seconds until the code expires. */
  expires_in: number;
}

/** Options of {@linkcode deviceCode}. */
export interface DeviceCodeOptions {
  /** Scope to ask for. Default `openid`. */
  scope?: string;
  /** Shows the link and code; default: a link in Jupyter or a line on the terminal. */
  onVerification?: (verification: DeviceVerification) => void | Promise<void>;
  /** The sleep between polls (tests record it). */
  sleep?: Sleep;
}

/**
 * Signs in with the device code grant.
 *
 * @example
 * ```ts ignore
 * import { deviceCode } from "./device_code.ts";
 * const how = deviceCode();
 * ```
 */
export function deviceCode(options: DeviceCodeOptions = {}): SignIn {
  const wait = options.sleep ?? realSleep;
  return defineSignIn("device code", undefined, async (ctx, signal) => {
    let started: oauth.DeviceAuthorizationResponse;
    try {
      const response = await oauth.deviceAuthorizationRequest(
        ctx.as,
        ctx.client,
        ctx.clientAuth,
        { scope: options.scope ?? "openid" },
        ctx.requestOptions(signal),
      );
      started = await oauth.processDeviceAuthorizationResponse(ctx.as, ctx.client, response);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toAuthError("device authorization", ctx.issuer, error);
    }
    const verification: DeviceVerification = {
      verification_uri: started.verification_uri,
      verification_uri_complete: started.verification_uri_complete,
      user_code: started.user_code,
      expires_in: started.expires_in,
    };
    if (options.onVerification) await options.onVerification(verification);
    else {
      await showLink(
        "Open this page to sign in",
        started.verification_uri_complete ?? started.verification_uri,
        `and confirm the code ${started.user_code}`,
      );
    }
    let interval = (started.interval ?? 5) * 1000;
    const deadline = ctx.clock.now() + started.expires_in * 1000;
    while (true) {
      try {
        const response = await oauth.deviceCodeGrantRequest(
          ctx.as,
          ctx.client,
          ctx.clientAuth,
          started.device_code,
          ctx.requestOptions(signal),
        );
        const tokens = await oauth.processDeviceCodeResponse(ctx.as, ctx.client, response);
        return toTokenSet(tokens, ctx.clock);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const code = error instanceof oauth.ResponseBodyError ? error.error : undefined;
        if (code === "slow_down") interval += 5000;
        else if (code !== "authorization_pending") {
          throw toAuthError("device sign-in", ctx.issuer, error);
        }
      }
      if (ctx.clock.now() >= deadline) {
        throw new AuthError(
          `device sign-in at ${ctx.issuer}: the code ${started.user_code} expired before it was confirmed`,
          {
            issuer: ctx.issuer,
            code: "expired_token",
          },
        );
      }
      await wait(interval, signal);
    }
  });
}
