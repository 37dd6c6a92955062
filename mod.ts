/**
 * eojobs: drive hosted Earth-observation processing platforms from Deno notebooks and scripts.
 * Sign in, tile an area, submit jobs, watch them, download and plot the results.
 *
 * @example
 * ```ts ignore
 * import { startSandbox, allPlatforms, OidcSession, password } from "./mod.ts";
 * await using sandbox = await startSandbox({ mounts: allPlatforms });
 * const session = new OidcSession({
 *   issuer: sandbox.issuer("apex"),
 *   clientId: "apex-dispatcher-api-prod",
 *   signIn: password({ username: "demo", password: "demo" }),
 *   cache: false,
 * });
 * console.log(await session.userinfo());
 * ```
 *
 * @module
 */
export * from "./lib/time/mod.ts";
export * from "./lib/http/mod.ts";
export * from "./lib/auth/mod.ts";
export * from "./lib/jobs/mod.ts";
export * from "./lib/sandbox/mod.ts";
