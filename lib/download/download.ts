/**
 * Downloads that stream to disk, resume with HTTP Range, and never leave a half file under the
 * final name: bytes go to `NAME.part`, which is renamed only once complete and the size checks
 * out.
 *
 * @module
 */
import { HttpClient } from "../http/client.ts";
import { pathInside } from "./safe_path.ts";
import { isDiskFull } from "../fs/disk_full.ts";
import { createHash } from "node:crypto";
import { HttpError, NetworkError } from "../http/errors.ts";
import { redactError, redactText, redactUrl } from "../http/redact.ts";

/** Progress of one file. */
export interface DownloadProgress {
  /** Final path. */
  path: string;
  /** Bytes on disk so far. */
  received: number;
  /** Expected total, when known. */
  total?: number;
}

/** Options of {@linkcode downloadFile}. */
export interface DownloadFileOptions {
  /** HTTP client for the requests (retries, auth). Default a plain one without auth. */
  http?: HttpClient;
  /** Send the client's bearer token (for platform asset endpoints; presigned URLs need none). Default false. */
  auth?: boolean;
  /** Expected size in bytes; a different size is an error, and a file already there with this
   * size is taken as done (not fetched again). */
  size?: number;
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Times a transfer that breaks off is resumed. Default 3. */
  resumes?: number;
  /**
   * STAC `file:checksum` of the file: a multihash in hex (`1220` + 64 hex digits for SHA-256).
   * Checked before the file gets its final name; a mismatch removes it.
   */
  checksum?: string;
  /**
   * Aborts; the `.part` file stays for a later resume, as it does when the transfer keeps
   * breaking off. A failure no resume can mend (an HTTP error, a wrong size or checksum) removes it.
   */
  signal?: AbortSignal;
  /**
   * Flush the file to disk before it gets its final name, so that not even a power cut leaves a
   * half file under it. Costs time on large files. Default true.
   */
  durable?: boolean;
}

/** What {@linkcode downloadFile} did. */
export interface DownloadResult {
  /** Final path. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** True when the file was already complete and nothing was fetched. */
  skipped: boolean;
  /** Times the transfer was resumed from a `.part` file or after a break. */
  resumed: number;
}

/** A download that cannot complete as asked. */
export class DownloadError extends Error {
  /** Always `"DownloadError"`. */
  override name = "DownloadError";
  /** Final path. */
  readonly path: string;
  /** Describes the failure for `path`. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(
      `${path}: ${redactText(message)}`,
      options?.cause === undefined ? undefined : { cause: redactError(options.cause) },
    );
    this.path = path;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** The SHA-256 hex digest a STAC `file:checksum` multihash names; others are refused. */
function sha256Of(multihash: string, path: string): string {
  const m = /^1220([0-9a-f]{64})$/i.exec(multihash.trim());
  if (!m) {
    throw new DownloadError(
      path,
      `file:checksum "${multihash}" is not a sha2-256 multihash (1220 + 64 hex digits); ` +
        `pass no checksum to skip the check`,
    );
  }
  return m[1].toLowerCase();
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  // The stream closes the file when it ends or is cancelled.
  for await (const chunk of (await Deno.open(path)).readable) hash.update(chunk);
  return hash.digest("hex");
}

const defaultHttp = new HttpClient({ baseUrl: "http://localhost/" });

/**
 * Downloads `url` to `path`.
 *
 * @throws {DownloadError} naming `path`: when the disk is full (the partial file removed, so the
 *   space comes back), when the transfer breaks off more often than `resumes`, or when the size
 *   or checksum does not match.
 * @example
 * ```ts ignore
 * import { downloadFile } from "./download.ts";
 * const r = await downloadFile(asset.href, "out/openEO.tif", { onProgress: (p) => console.log(p.received) });
 * ```
 */
export async function downloadFile(
  url: string | URL,
  path: string,
  options: DownloadFileOptions = {},
): Promise<DownloadResult> {
  try {
    return await fetchToFile(url, path, options);
  } catch (error) {
    if (!isDiskFull(error) || error instanceof DownloadError) throw error;
    await Deno.remove(`${path}.part`).catch(() => {});
    throw new DownloadError(
      path,
      `the disk is full (${
        (error as Error).message
      }); free some space and download again (the partial file was removed)`,
      { cause: error },
    );
  }
}

async function fetchToFile(
  url: string | URL,
  path: string,
  options: DownloadFileOptions,
): Promise<DownloadResult> {
  const http = options.http ?? defaultHttp;
  const part = `${path}.part`;
  // Only a known size proves that a file already there is this one; without it, fetch again
  // (the replacement is atomic, so the old file stays whole until the new one is complete).
  const expectedHash = options.checksum === undefined
    ? undefined
    : sha256Of(options.checksum, path);
  const done = await sizeOf(path);
  if (
    done !== undefined && options.size !== undefined && done === options.size &&
    (expectedHash === undefined || await fileSha256(path) === expectedHash)
  ) {
    return { path, bytes: done, skipped: true, resumed: 0 };
  }
  const dir = path.replace(/[\\/][^\\/]*$/, "");
  if (dir !== path) await Deno.mkdir(dir, { recursive: true });

  let resumed = 0;
  let etag: string | undefined;
  for (let attempt = 0;; attempt++) {
    // What this attempt's answer says the size is; a size learnt from an earlier answer may be
    // another version of the file.
    let total = options.size;
    let have = (await sizeOf(part)) ?? 0;
    if (have > 0) resumed++;
    const headers: Record<string, string> = { accept: "*/*" };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      if (etag) headers["if-range"] = etag;
    }
    let response: Response;
    try {
      response = await http.request(url, {
        headers,
        signal: options.signal,
        accept: [416],
        auth: options.auth ?? false,
      });
    } catch (error) {
      // An HTTP error is final for this file: a stale part would only mislead a later resume.
      if (error instanceof HttpError) await Deno.remove(part).catch(() => {});
      throw error;
    }
    if (response.status === 416) {
      await response.body?.cancel();
      await Deno.remove(part);
      resumed--;
      continue;
    }
    etag = response.headers.get("etag") ?? etag;
    const range = response.headers.get("content-range")?.match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
    if (response.status === 206 && range && Number(range[1]) === have) {
      if (range[2] !== "*") total ??= Number(range[2]);
    } else {
      // The server sent the whole file: start over.
      have = 0;
      const length = response.headers.get("content-length");
      if (length !== null) total ??= Number(length);
    }
    const file = await Deno.open(part, {
      write: true,
      create: true,
      truncate: have === 0,
      append: have > 0,
    });
    let received = have;
    try {
      for await (const chunk of response.body!) {
        for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
        received += chunk.length;
        options.onProgress?.({ path, received, total });
      }
      // An abort that came with the last bytes still stops the file short of its final name.
      options.signal?.throwIfAborted();
      if (options.durable ?? true) await file.syncData();
    } catch (error) {
      file.close();
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt >= (options.resumes ?? 3)) {
        throw new DownloadError(
          path,
          `transfer from ${redactUrl(url)} broke off ${attempt + 1} times`,
          { cause: error },
        );
      }
      if (!(error instanceof NetworkError) && !(error instanceof TypeError)) {
        await Deno.remove(part).catch(() => {});
        throw error;
      }
      continue;
    }
    file.close();
    if (total !== undefined && received !== total) {
      await Deno.remove(part);
      throw new DownloadError(
        path,
        `size mismatch: expected ${total} bytes, got ${received} from ${
          redactUrl(url)
        }; the partial file was removed`,
      );
    }
    if (expectedHash !== undefined) {
      const actual = await fileSha256(part);
      if (actual !== expectedHash) {
        await Deno.remove(part);
        throw new DownloadError(
          path,
          `checksum mismatch: file:checksum says sha2-256 ${expectedHash}, the ${received} bytes from ${
            redactUrl(url)
          } hash to ${actual}; the file was removed`,
        );
      }
    }
    await Deno.rename(part, path);
    return { path, bytes: received, skipped: false, resumed };
  }
}

/** One file of {@linkcode downloadAll}. */
export interface DownloadItem {
  /** Source. */
  url: string | URL;
  /** Path below the target folder. */
  path: string;
  /** Expected size. */
  size?: number;
  /** STAC `file:checksum` (multihash hex). */
  checksum?: string;
}

/** Options of {@linkcode downloadAll}. */
export interface DownloadAllOptions extends Omit<DownloadFileOptions, "size" | "onProgress"> {
  /** Target folder. */
  dir: string;
  /** Files at once. Default 3. */
  concurrency?: number;
  /** Progress of any file. */
  onProgress?: (progress: DownloadProgress) => void;
}

/**
 * Downloads files into `dir`, a few at a time, keeping their relative paths.
 *
 * @example
 * ```ts ignore
 * import { downloadAll } from "./download.ts";
 * await downloadAll([{ url: a, path: "tile-1/openEO.tif" }], { dir: "out" });
 * ```
 */
export async function downloadAll(
  items: DownloadItem[],
  options: DownloadAllOptions,
): Promise<DownloadResult[]> {
  const paths = items.map((item) => pathInside(options.dir, item.path, "download path"));
  const results: DownloadResult[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      results[i] = await downloadFile(item.url, paths[i], {
        ...options,
        size: item.size,
        checksum: item.checksum,
      });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 3, items.length) }, worker),
  );
  return results;
}
