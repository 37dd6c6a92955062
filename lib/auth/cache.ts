/**
 * An on-disk token cache: one file per issuer, client and user in the user's cache folder,
 * readable by the owner only, written atomically so a crash never leaves a torn file.
 *
 * @module
 */
import type { TokenSet } from "./tokens.ts";

/** Where token sets are kept between runs. */
export interface TokenCache {
  /** The stored set for `key`, if any. */
  load(key: string): Promise<TokenSet | undefined>;
  /** Stores `tokens` under `key`. */
  save(key: string, tokens: TokenSet): Promise<void>;
  /** Forgets `key`. */
  delete(key: string): Promise<void>;
}

/**
 * The per-user cache folder: `$EOJOBS_CACHE_DIR`, else `$XDG_CACHE_HOME/eojobs`, else
 * `~/Library/Caches/eojobs` on macOS, `%LOCALAPPDATA%\eojobs` on Windows, `~/.cache/eojobs`.
 */
export function defaultCacheDir(): string {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const explicit = env("EOJOBS_CACHE_DIR");
  if (explicit) return explicit;
  if (env("XDG_CACHE_HOME")) return `${env("XDG_CACHE_HOME")}/eojobs`;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  if (Deno.build.os === "darwin") return `${home}/Library/Caches/eojobs`;
  if (Deno.build.os === "windows") return `${env("LOCALAPPDATA") ?? home}\\eojobs`;
  return `${home}/.cache/eojobs`;
}

/** A file name for `key` that reveals nothing of it. */
async function fileName(key: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
  );
  return `tokens-${
    [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("")
  }.json`;
}

/**
 * Token sets as files, mode 0600 in a 0700 folder.
 *
 * @example
 * ```ts
 * import { FileTokenCache } from "./cache.ts";
 * const cache = new FileTokenCache(await Deno.makeTempDir());
 * await cache.save("k", { access_token: "a", expires_at: 0 });
 * console.assert((await cache.load("k"))?.access_token === "a");
 * ```
 */
export class FileTokenCache implements TokenCache {
  /** The folder holding the files. */
  readonly dir: string;

  /** Keeps files in `dir`; default {@linkcode defaultCacheDir}. */
  constructor(dir: string = defaultCacheDir()) {
    this.dir = dir;
  }

  /** The path of the file for `key`. */
  async path(key: string): Promise<string> {
    return `${this.dir}/${await fileName(key)}`;
  }

  async load(key: string): Promise<TokenSet | undefined> {
    try {
      const data = JSON.parse(await Deno.readTextFile(await this.path(key)));
      return typeof data?.access_token === "string" ? data as TokenSet : undefined;
    } catch {
      // Missing, unreadable or torn by a foreign writer: signing in again is the fix.
      return undefined;
    }
  }

  async save(key: string, tokens: TokenSet): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = await this.path(key);
    const temp = `${target}.${crypto.randomUUID()}.tmp`;
    try {
      await Deno.writeTextFile(temp, JSON.stringify(tokens), { mode: 0o600, createNew: true });
      if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o600);
      await Deno.rename(temp, target);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await Deno.remove(await this.path(key)).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}
