/**
 * Unpacks a downloaded zip (BEOD delivers small results as one) into a folder, keeping its
 * layout. The central directory is read and checked first (entry names, count, declared sizes,
 * compression ratios), so a bad archive is refused before anything is written; then each entry
 * is streamed from disk through the platform's `DecompressionStream` into a temporary file, its
 * size and CRC-32 checked, and renamed. Memory stays flat whatever the archive holds.
 *
 * @module
 */
import { crc32 } from "../bytes/crc32.ts";
import { safeRelativePath } from "./safe_path.ts";

/** Limits of {@linkcode unzipTo}. */
export interface UnzipOptions {
  /** Most bytes all entries may unpack to. Default 4 GiB. */
  maxBytes?: number;
  /** Most entries. Default 10 000. */
  maxEntries?: number;
  /** Highest unpacked-to-packed ratio of an entry larger than 1 MiB. Default 200. */
  maxRatio?: number;
}

/** A zip refused or broken; nothing of it is left in the target folder. */
export class UnzipError extends Error {
  /** Always `"UnzipError"`. */
  override name = "UnzipError";
  /** The archive. */
  readonly zipPath: string;
  /** Says what is wrong with `zipPath`. */
  constructor(zipPath: string, message: string, options?: ErrorOptions) {
    super(`${zipPath}: ${message}`, options);
    this.zipPath = zipPath;
  }
}

interface Entry {
  name: string;
  method: number;
  crc: number;
  packed: number;
  size: number;
  offset: number;
}

const MiB = 1024 * 1024;

async function readAt(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  for (let got = 0; got < length;) {
    const n = await file.read(bytes.subarray(got));
    if (n === null) return bytes.subarray(0, got);
    got += n;
  }
  return bytes;
}

/** The entries of the central directory, refused when it is not a plain zip eojobs can stream. */
async function centralDirectory(
  file: Deno.FsFile,
  size: number,
  zipPath: string,
): Promise<Entry[]> {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(file, size - tailLength, tailLength);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new UnzipError(zipPath, "not a zip archive (no end of central directory)");
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new UnzipError(zipPath, "ZIP64 archives are not supported; unpack it with `unzip`");
  }
  if (cdOffset + cdSize > size) throw new UnzipError(zipPath, "the central directory is cut off");
  const cd = await readAt(file, cdOffset, cdSize);
  const dv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const entries: Entry[] = [];
  for (let p = 0, i = 0; i < count; i++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== 0x02014b50) {
      throw new UnzipError(zipPath, "the central directory is corrupt");
    }
    const flags = dv.getUint16(p + 8, true);
    const nameLength = dv.getUint16(p + 28, true);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLength));
    if (flags & 1) throw new UnzipError(zipPath, `entry "${name}" is encrypted`);
    const external = dv.getUint32(p + 38, true) >>> 16;
    if ((external & 0o170000) === 0o120000) {
      throw new UnzipError(zipPath, `entry "${name}" is a symbolic link; the zip is refused`);
    }
    entries.push({
      name,
      method: dv.getUint16(p + 10, true),
      crc: dv.getUint32(p + 16, true),
      packed: dv.getUint32(p + 20, true),
      size: dv.getUint32(p + 24, true),
      offset: dv.getUint32(p + 42, true),
    });
    p += 46 + nameLength + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
  }
  return entries;
}

function checkEntries(entries: Entry[], zipPath: string, options: UnzipOptions): void {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxBytes = options.maxBytes ?? 4 * 1024 * MiB;
  const maxRatio = options.maxRatio ?? 200;
  if (entries.length > maxEntries) {
    throw new UnzipError(
      zipPath,
      `${entries.length} entries, more than maxEntries ${maxEntries}; raise the limit if you trust it`,
    );
  }
  const seen = new Set<string>();
  let total = 0;
  for (const e of entries) {
    if (e.name.endsWith("/")) {
      safeRelativePath(e.name.slice(0, -1), "zip entry");
      continue;
    }
    const name = safeRelativePath(e.name, "zip entry");
    if (seen.has(name)) throw new UnzipError(zipPath, `entry "${name}" appears twice`);
    seen.add(name);
    if (e.method !== 0 && e.method !== 8) {
      throw new UnzipError(
        zipPath,
        `entry "${name}" uses compression method ${e.method}; only stored and deflate are supported`,
      );
    }
    if (e.size > MiB && e.size > maxRatio * Math.max(e.packed, 1)) {
      throw new UnzipError(
        zipPath,
        `entry "${name}" unpacks ${e.packed} bytes to ${e.size} (ratio ${
          Math.round(e.size / Math.max(e.packed, 1))
        }), over maxRatio ${maxRatio}: a zip bomb? Raise maxRatio if you trust it`,
      );
    }
    total += e.size;
  }
  if (total > maxBytes) {
    throw new UnzipError(
      zipPath,
      `unpacks to ${total} bytes, more than maxBytes ${maxBytes}; raise the limit if you trust it`,
    );
  }
}

/** The packed bytes of `entry` as a stream read from disk in chunks. */
async function packedStream(
  file: Deno.FsFile,
  entry: Entry,
): Promise<ReadableStream<Uint8Array>> {
  const header = await readAt(file, entry.offset, 30);
  const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 30 || hv.getUint32(0, true) !== 0x04034b50) {
    throw new Error(`entry "${entry.name}" has no local header`);
  }
  let position = entry.offset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  const end = position + entry.packed;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (position >= end) return controller.close();
      const chunk = await readAt(file, position, Math.min(256 * 1024, end - position));
      if (chunk.length === 0) return controller.error(new Error("the archive is cut off"));
      position += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

async function extractEntry(file: Deno.FsFile, entry: Entry, target: string): Promise<void> {
  const packed = await packedStream(file, entry);
  const stream = entry.method === 8
    ? packed.pipeThrough(
      new DecompressionStream("deflate-raw") as TransformStream<Uint8Array, Uint8Array>,
    )
    : packed;
  const temp = `${target}.${crypto.randomUUID()}.tmp`;
  const out = await Deno.open(temp, { write: true, createNew: true });
  let written = 0;
  let crc = 0;
  try {
    for await (const chunk of stream) {
      written += chunk.length;
      // The declared size passed the limits; a stream that outgrows it is lying.
      if (written > entry.size) {
        throw new Error(
          `entry "${entry.name}" unpacks to more than its declared ${entry.size} bytes`,
        );
      }
      crc = crc32(chunk, crc);
      for (let off = 0; off < chunk.length;) off += await out.write(chunk.subarray(off));
    }
    if (written !== entry.size) {
      throw new Error(`entry "${entry.name}" unpacked to ${written} bytes, not ${entry.size}`);
    }
    if (crc !== entry.crc) throw new Error(`entry "${entry.name}" fails its CRC-32 check`);
    out.close();
    await Deno.rename(temp, target);
  } catch (error) {
    try {
      out.close();
    } catch { /* already closed */ }
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Extracts `zipPath` into `dir`; returns the relative paths written. The whole archive is checked
 * before the first byte is written: an entry whose name would leave `dir` (see
 * {@linkcode safeRelativePath}), a symbolic link, an encrypted entry, too many entries, too many
 * bytes or a suspicious compression ratio refuses it. An entry that then fails (larger than it
 * declared, bad CRC) removes what this call wrote.
 *
 * @example
 * ```ts ignore
 * import { unzipTo } from "./unzip.ts";
 * const files = await unzipTo("out/beod/1.zip", "out/beod/1");
 * ```
 */
export async function unzipTo(
  zipPath: string,
  dir: string,
  options: UnzipOptions = {},
): Promise<string[]> {
  const file = await Deno.open(zipPath, { read: true });
  const written: string[] = [];
  try {
    const size = (await file.stat()).size;
    const entries = await centralDirectory(file, size, zipPath);
    checkEntries(entries, zipPath, options);
    for (const entry of entries) {
      if (entry.name.endsWith("/")) continue;
      const target = `${dir}/${entry.name}`;
      await Deno.mkdir(target.replace(/\/[^/]*$/, ""), { recursive: true });
      try {
        await extractEntry(file, entry, target);
      } catch (error) {
        throw new UnzipError(zipPath, (error as Error).message, { cause: error });
      }
      written.push(entry.name);
    }
    return written;
  } catch (error) {
    for (const name of written) await Deno.remove(`${dir}/${name}`).catch(() => {});
    throw error;
  } finally {
    file.close();
  }
}
