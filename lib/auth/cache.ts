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

/** The field of a cache file that names whose tokens it holds (issuer, client and user). */
const KEY = "eojobs:key";

/** A folder where a cache file belongs would keep the cache from ever being written. */
async function notAFolder(path: string): Promise<void> {
  const info = await Deno.lstat(path).catch(() => undefined);
  if (info?.isDirectory) {
    throw new TokenCacheError(
      path,
      `token cache file ${path} is a folder; remove it (rm -r ${path}) or set EOJOBS_TOKEN_CACHE=0`,
    );
  }
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

/** A token cache whose folder or file others can read, and that eojobs may not tighten. */
export class TokenCacheError extends Error {
  /** Always `"TokenCacheError"`. */
  override name = "TokenCacheError";
  /** The folder or file at fault. */
  readonly path: string;
  /** Says what is wrong with `path` and how to fix it. */
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * Makes `path` readable by its owner only (`mode`): an existing folder or file that others could
 * read (0777, 0644) is tightened when it is ours, refused with the fix when it is not.
 */
async function keepPrivate(path: string, mode: number, kind: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (info.isSymlink) {
    throw new TokenCacheError(
      path,
      `token cache ${kind} ${path} is a symbolic link; remove it (rm ${path}) or set ` +
        `EOJOBS_CACHE_DIR to a private folder`,
    );
  }
  if (info.mode === null || (info.mode & 0o077) === 0) return;
  if (info.uid !== Deno.uid()) {
    throw new TokenCacheError(
      path,
      `token cache ${kind} ${path} is readable by others (mode ${
        (info.mode & 0o777).toString(8)
      }) and belongs to another user; run chmod ${mode.toString(8)} ${path} as its owner, or ` +
        `set EOJOBS_CACHE_DIR to a private folder`,
    );
  }
  await Deno.chmod(path, mode);
}

/**
 * Token sets as files, mode 0600 in a 0700 folder. A folder or file found more open than that is
 * tightened before use (or refused, with the fix, when it belongs to someone else).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileTokenCache } from "./cache.ts";
 * const cache = new FileTokenCache(await Deno.makeTempDir());
 * await cache.save("k", { access_token: "a", expires_at: 0 });
 * assert.ok((await cache.load("k"))?.access_token === "a");
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
    const path = await this.path(key);
    await keepPrivate(this.dir, 0o700, "folder");
    await keepPrivate(path, 0o600, "file");
    await notAFolder(path);
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(await Deno.readTextFile(path));
    } catch {
      // Missing, unreadable or torn by a foreign writer: signing in again is the fix.
      return undefined;
    }
    if (typeof data?.access_token !== "string") return undefined;
    const { [KEY]: owner, ...tokens } = data;
    if (owner !== key) {
      // Another issuer's, client's or user's tokens under this name must never sign us in as them.
      console.warn(
        `token cache ${path} holds tokens of another issuer, client or user; ignored, signing in again`,
      );
      return undefined;
    }
    return tokens as unknown as TokenSet;
  }

  async save(key: string, tokens: TokenSet): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await keepPrivate(this.dir, 0o700, "folder");
    const target = await this.path(key);
    const temp = `${target}.${crypto.randomUUID()}.tmp`;
    try {
      await notAFolder(target);
      await Deno.writeTextFile(temp, JSON.stringify({ ...tokens, [KEY]: key }), {
        mode: 0o600,
        createNew: true,
      });
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
