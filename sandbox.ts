/**
 * The eojobs sandbox: a local server that speaks the four platform APIs and an OIDC provider,
 * embedded in a notebook or script, or started on its own with `deno task sandbox`.
 *
 * @example
 * ```ts ignore
 * import { embeddedSandbox } from "./sandbox.ts";
 * const sandbox = await embeddedSandbox();
 * console.log(sandbox.url);
 * ```
 *
 * @module
 */
export * from "./lib/sandbox/mod.ts";
