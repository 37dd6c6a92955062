/**
 * The one download path of every platform's jobs: a job's file list into a folder, a few files
 * at a time, each streamed, resumable and never left half written; links that expire on the way
 * (presigned storage URLs, signed download URLs) are asked for again with a fresh list.
 *
 * @module
 */
import { HttpError } from "../http/errors.ts";
import type { HttpClient } from "../http/client.ts";
import type { JobDownloadOptions, JobFile } from "../jobs/contract.ts";
import { downloadFile, type DownloadResult } from "./download.ts";
import { pathInside } from "./safe_path.ts";

/** Fresh lists asked for when links expired, before the expiry is an error. */
const REFRESHES = 2;

function expired(error: unknown): boolean {
  return error instanceof HttpError && error.status === 403 && /expired/i.test(String(error.body));
}

/** Options of {@linkcode downloadJobFiles}. */
export interface JobFilesOptions extends JobDownloadOptions {
  /** The platform client's HTTP core (its time-outs and retries). */
  http?: HttpClient;
  /** What a file's path is, for the error when one would leave `dir`. */
  what: string;
}

/**
 * Downloads the files `list` gives into `dir`; the results come in the list's order.
 *
 * @example
 * ```ts ignore
 * import { downloadJobFiles } from "./job_files.ts";
 * await downloadJobFiles((signal) => job.files(signal), "out/job", { what: "result path" });
 * ```
 */
export async function downloadJobFiles(
  list: (signal?: AbortSignal) => Promise<JobFile[]>,
  dir: string,
  options: JobFilesOptions,
): Promise<DownloadResult[]> {
  const first = await list(options.signal);
  const total = first.length;
  // Each file keeps its place in the first list, whichever round downloads it.
  const results: DownloadResult[] = new Array(total);
  let files = first.map((file, at) => ({ file, at }));
  let done = 0;
  for (let round = 0; files.length > 0; round++) {
    const stale: typeof files = [];
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const { file, at } = files[next++];
        try {
          const r = await downloadFile(file.url, pathInside(dir, file.path, options.what), {
            http: options.http,
            size: file.size,
            checksum: file.checksum,
            auth: file.auth,
            signal: options.signal,
          });
          results[at] = r;
          options.onFile?.(r, ++done, total);
        } catch (error) {
          if (!expired(error) || round >= REFRESHES) throw error;
          stale.push({ file, at });
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 4, files.length) }, worker),
    );
    if (stale.length === 0) break;
    const fresh = new Map((await list(options.signal)).map((f) => [f.path, f]));
    files = stale.map(({ file, at }) => ({ file: fresh.get(file.path) ?? file, at }));
  }
  return results;
}
