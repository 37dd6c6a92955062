/**
 * Unpacks a downloaded zip (BEOD delivers small results as one) into a folder, keeping its
 * layout, each file written under a temporary name and renamed when complete.
 *
 * @module
 */
import { unzipSync } from "fflate";

/**
 * Extracts `zipPath` into `dir`; returns the relative paths written. Entries that would land
 * outside `dir` are refused.
 *
 * @example
 * ```ts ignore
 * import { unzipTo } from "./unzip.ts";
 * const files = await unzipTo("out/beod/1.zip", "out/beod/1");
 * ```
 */
export async function unzipTo(zipPath: string, dir: string): Promise<string[]> {
  const entries = unzipSync(await Deno.readFile(zipPath));
  const written: string[] = [];
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith("/")) continue;
    if (name.startsWith("/") || name.split(/[\\/]/).includes("..")) {
      throw new Error(
        `${zipPath}: entry "${name}" would be written outside ${dir}; the zip is refused`,
      );
    }
    const target = `${dir}/${name}`;
    await Deno.mkdir(target.replace(/[\\/][^\\/]*$/, ""), { recursive: true });
    const temp = `${target}.${crypto.randomUUID()}.tmp`;
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, target);
    written.push(name);
  }
  return written;
}
