/**
 * What every script does with its command line: options parsed strictly, and every mistake (an
 * unknown flag, a missing value, a number out of range, an area that cannot be read) answered
 * with one line that names the flag and the fix, exit code 2, and no stack trace.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { connectFailure, parseAoi } from "../mod.ts";
import type { AreaGeometry } from "../mod.ts";

/** A script's name and help text, for its messages. */
export interface Script {
  /** Name in messages (`upscale`). */
  name: string;
  /** The `--help` text. */
  help: string;
}

/** Prints one line naming the problem and the fix, then exits with code 2. */
export function usage(script: Script, message: string): never {
  console.error(`${script.name}: ${message}\nRun with --help for the options.`);
  Deno.exit(2);
}

/**
 * Parses `Deno.args` against `options` (strict: no unknown flags, no positionals); `-h`/`--help`
 * prints the help and exits 0.
 */
/** One option: a string or a switch, with an optional default. */
export interface CliOption {
  /** `string` takes a value, `boolean` is a switch. */
  type: "string" | "boolean";
  /** Value when the flag is not given. */
  default?: string | boolean;
  /** One-letter alias. */
  short?: string;
}

/** The parsed values: switches are booleans, strings with a default are strings. */
export type CliValues<O extends Record<string, CliOption>> = {
  [K in keyof O]: O[K]["type"] extends "boolean" ? boolean
    : O[K] extends { default: string } ? string
    : string | undefined;
};

export function parseCli<const O extends Record<string, CliOption>>(
  script: Script,
  options: O,
): CliValues<O> {
  const all = { ...options, help: { type: "boolean" as const, short: "h" as const } };
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: all as NonNullable<ParseArgsConfig["options"]>,
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const text = (error as Error).message.split("\n")[0];
    const unknown = text.match(/Unknown option '([^']+)'/);
    const missing = text.match(/Option '([^' ]+)[^']*' argument missing/);
    const ambiguous = text.match(/Option '([^' ]+)[^']*' argument is ambiguous/);
    usage(
      script,
      unknown
        ? `unknown option ${unknown[1]}`
        : missing
        ? `${missing[1]} needs a value (${missing[1]} VALUE)`
        : ambiguous
        ? `${ambiguous[1]} takes a value that starts with "-": write ${ambiguous[1]}=VALUE`
        : /Unexpected argument '([^']+)'/.test(text)
        ? `unexpected argument "${
          text.match(/Unexpected argument '([^']+)'/)![1]
        }"; every value belongs to a --flag`
        : text,
    );
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(script.help);
    Deno.exit(0);
  }
  return parsed.values as CliValues<O>;
}

/** `text` as a whole number of at least `min`, or a one-line exit naming `--flag`. */
export function wholeNumber(script: Script, flag: string, text: string, min = 1): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min) {
    usage(script, `--${flag} "${text}": give a whole number of ${min} or more`);
  }
  return n;
}

/** A `--run` name, checked up front: it names a folder, so it may hold no path or odd character. */
export function runArgument(script: Script, text: string | undefined): string | undefined {
  if (text !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text)) {
    usage(script, `--run "${text}": use letters, digits, "-", "_" and "." (it names a folder)`);
  }
  return text;
}

/**
 * The area a flag names: WKT or GeoJSON text given inline, or a file holding either. Any problem
 * is a one-line exit naming the flag.
 */
export async function aoiArgument(
  script: Script,
  flag: string,
  value: string,
): Promise<AreaGeometry> {
  const text = value.trim();
  const inline = text.startsWith("{") || /^(MULTI)?POLYGON\b/i.test(text);
  let source = text;
  if (!inline) {
    try {
      source = await Deno.readTextFile(value);
    } catch (error) {
      usage(
        script,
        `--${flag} ${value}: ${
          error instanceof Deno.errors.NotFound ? "no such file" : (error as Error).message
        }; give a file, or the area itself as WKT or GeoJSON text`,
      );
    }
  }
  try {
    return parseAoi(source);
  } catch (error) {
    usage(script, `--${flag}: ${(error as Error).message}`);
  }
}

/** An `--api-url`: an http(s) URL, or the script stops with the fix. */
export function apiUrlArgument(script: Script, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch { /* said below */ }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    usage(
      script,
      `--api-url "${value}": give the API's http(s) URL, such as https://dispatch-api.apex.esa.int`,
    );
  }
  return url.href.replace(/\/$/, "");
}

/** A `--sandbox-url` that must be an http URL with a sandbox answering `/health` there. */
export async function sandboxUrlArgument(script: Script, value: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    usage(script, `--sandbox-url "${value}" is not a URL; give one like http://127.0.0.1:8123`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    usage(script, `--sandbox-url "${value}": use an http:// URL such as http://127.0.0.1:8123`);
  }
  try {
    const health = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(3_000) });
    await health.body?.cancel();
    if (!health.ok) throw new Error(`HTTP ${health.status}`);
  } catch (error) {
    usage(
      script,
      `--sandbox-url ${url.origin}: no sandbox answers there (${
        connectFailure(error)?.text ?? (error as Error).message
      }); ` +
        `start one with \`deno task sandbox\`, or leave out --sandbox-url to use the embedded one`,
    );
  }
  return url.origin;
}

if (import.meta.main) {
  console.log(
    "scripts/cli.ts is the argument handling the scripts share, not a script. Run\n  npx --yes deno@2.9.6 run -A scripts/upscale.ts --help",
  );
}
