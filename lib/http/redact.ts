/**
 * Keeps secrets out of error messages and logs: query parameters that carry tokens or
 * signatures are masked before a URL is shown to anyone.
 *
 * @module
 */

const SECRET_PARAM = /token|signature|sig$|secret|password|credential|code$|key$/i;

/**
 * The URL as text with secret-looking query values replaced by `***`.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./redact.ts";
 * console.assert(redactUrl("http://x/ws?token=abc&interval=5") === "http://x/ws?token=***&interval=5");
 * ```
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return String(url);
  }
  if (parsed.username || parsed.password) {
    parsed.username = "";
    parsed.password = "";
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "***");
  }
  return parsed.toString().replaceAll("%2A%2A%2A", "***");
}
