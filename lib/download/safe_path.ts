/**
 * The one check every file name that comes from a server passes before anything is written: STAC
 * asset keys, hrefs, zip entries, BEOD tree paths, `Content-Disposition` names. A hostile or
 * broken server must not be able to write outside the folder the user chose.
 *
 * @module
 */

/** A server-named path that would leave its folder or cannot be a portable file name. */
export class UnsafePathError extends Error {
  /** Always `"UnsafePathError"`. */
  override name = "UnsafePathError";
  /** The name as the server sent it (control characters escaped). */
  readonly serverPath: string;
  /** What it came from (`asset key`, `zip entry`, ...). */
  readonly field: string;

  /** Describes why `serverPath`, found in `field`, was refused. */
  constructor(field: string, serverPath: string, why: string) {
    const shown = JSON.stringify(serverPath.slice(0, 200));
    super(
      `${field} ${shown} ${why}; refused before anything was written (a server may only name ` +
        `files inside the target folder: ask the platform, or pass your own file name)`,
    );
    this.field = field;
    this.serverPath = serverPath;
  }
}

// Windows refuses these as file names whatever the extension; a file saved under one on a shared
// drive would be unreadable there.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * Checks a relative path named by a server and returns it with `/` separators. Refused: empty
 * names and segments, `.` and `..`, absolute paths, backslashes, drive letters and other colons,
 * control characters, Windows device names, and segments over 255 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeRelativePath } from "./safe_path.ts";
 * assert.ok(safeRelativePath("tile-1/openEO.tif", "asset key") === "tile-1/openEO.tif");
 * let refused = false;
 * try { safeRelativePath("../../etc/passwd", "asset key"); } catch { refused = true; }
 * assert.ok(refused);
 * ```
 */
export function safeRelativePath(path: string, field: string): string {
  if (typeof path !== "string" || path === "") {
    throw new UnsafePathError(field, String(path ?? ""), "is empty");
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw new UnsafePathError(field, path, "contains control characters");
  }
  if (path.includes("\\")) throw new UnsafePathError(field, path, "contains a backslash");
  if (path.includes(":")) {
    throw new UnsafePathError(field, path, "contains a colon (a drive letter or stream name)");
  }
  if (path.startsWith("/")) throw new UnsafePathError(field, path, "is an absolute path");
  const segments = path.split("/");
  for (const [i, segment] of segments.entries()) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new UnsafePathError(
        field,
        path,
        `has a "${segment}" segment that leaves or skips its folder`,
      );
    }
    if (RESERVED.test(segment)) throw new UnsafePathError(field, path, "is a reserved device name");
    // A file's name must leave room for the `.part` a download writes first: file systems stop at
    // 255 bytes, and a name that fits only without it fails after the job is paid for.
    const limit = i === segments.length - 1 ? 255 - PART.length : 255;
    if (new TextEncoder().encode(segment).length > limit) {
      throw new UnsafePathError(
        field,
        path,
        i === segments.length - 1
          ? `has a file name longer than ${limit} bytes (255 with the ${PART} a download adds)`
          : "has a segment longer than 255 bytes",
      );
    }
  }
  return segments.join("/");
}

/** What a download appends to a file's name until it is complete. */
const PART = ".part";

/**
 * `dir` joined with a server-named relative path, after {@linkcode safeRelativePath}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathInside } from "./safe_path.ts";
 * assert.ok(pathInside("out/up42", "result.tif", "asset key") === "out/up42/result.tif");
 * ```
 */
export function pathInside(dir: string, path: string, field: string): string {
  return `${dir.replace(/[\\/]+$/, "")}/${safeRelativePath(path, field)}`;
}

/**
 * The file name a `Content-Disposition` header gives (`filename*` in UTF-8 before `filename`),
 * checked as a single name, or `undefined` when the header names none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dispositionFileName } from "./safe_path.ts";
 * assert.ok(dispositionFileName('attachment; filename="result.tif"') === "result.tif");
 * ```
 */
export function dispositionFileName(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = header.match(/filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/);
  const plain = header.match(/filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/);
  let name: string | undefined;
  if (extended) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      throw new UnsafePathError("Content-Disposition filename*", extended[1], "is not valid UTF-8");
    }
  } else if (plain) name = (plain[1]?.replace(/\\(.)/g, "$1") ?? plain[2]).trim();
  if (name === undefined) return undefined;
  const safe = safeRelativePath(name, "Content-Disposition filename");
  if (safe.includes("/")) {
    throw new UnsafePathError("Content-Disposition filename", name, "names a folder, not a file");
  }
  return safe;
}
