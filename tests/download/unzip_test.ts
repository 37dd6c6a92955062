import assert from "node:assert/strict";
import { zipSync } from "../../lib/deps/fflate.ts";
import { UnsafePathError, UnzipError, unzipTo } from "../../lib/download/mod.ts";
import { tempDir } from "../helpers.ts";

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(`${d}/${e.name}`, `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  walk(dir, "");
  return out.sort();
}

Deno.test("unzipTo streams entries into their folders and checks their CRC", async () => {
  await using dir = await tempDir();
  const zip = `${dir.path}/r.zip`;
  const big = new Uint8Array(3_000_000).map((_, i) => (i * 2654435761) >>> 24);
  await Deno.writeFile(
    zip,
    zipSync({ "a/b.txt": new TextEncoder().encode("hello"), "c.bin": big, d: {} }),
  );
  const written = await unzipTo(zip, `${dir.path}/out`);
  assert.deepEqual(written.sort(), ["a/b.txt", "c.bin"]);
  assert.equal(await Deno.readTextFile(`${dir.path}/out/a/b.txt`), "hello");
  assert.deepEqual(await Deno.readFile(`${dir.path}/out/c.bin`), big);

  const corrupt = zipSync({ "x.txt": new TextEncoder().encode("x".repeat(1000)) }, { level: 0 });
  const at = new TextDecoder().decode(corrupt).indexOf("xxxx");
  corrupt[at + 10] = 0x79;
  await Deno.writeFile(zip, corrupt);
  await assert.rejects(
    unzipTo(zip, `${dir.path}/bad`),
    (e: Error) => e instanceof UnzipError && /CRC-32/.test(e.message),
  );
  assert.deepEqual(files(`${dir.path}/bad`), [], "no half file");
});

Deno.test("a zip with one bad entry name is refused before anything is written", async () => {
  await using dir = await tempDir();
  const zip = `${dir.path}/r.zip`;
  for (const bad of ["../escape.txt", "/abs.txt", "a\\..\\..\\b.txt", "C:/x.txt"]) {
    await Deno.writeFile(
      zip,
      zipSync({ "first.txt": new Uint8Array(5), [bad]: new Uint8Array(5) }),
    );
    await assert.rejects(unzipTo(zip, `${dir.path}/out`), UnsafePathError, bad);
    assert.deepEqual(files(dir.path), ["r.zip"], `${bad}: nothing extracted`);
  }
});

Deno.test("a zip bomb is refused by ratio, size or count without inflating it", async () => {
  await using dir = await tempDir();
  const zip = `${dir.path}/bomb.zip`;
  // 64 MiB of zeros packs to about 64 KiB: a ratio near 1000.
  await Deno.writeFile(
    zip,
    zipSync({ "zeros.bin": new Uint8Array(64 * 1024 * 1024) }, { level: 9 }),
  );
  const before = Deno.memoryUsage().rss;
  await assert.rejects(
    unzipTo(zip, `${dir.path}/out`),
    (e: Error) => e instanceof UnzipError && /maxRatio/.test(e.message),
  );
  assert.ok(Deno.memoryUsage().rss - before < 32 * 1024 * 1024, "not inflated in memory");
  await assert.rejects(
    unzipTo(zip, `${dir.path}/out`, { maxRatio: 10_000, maxBytes: 1024 * 1024 }),
    /maxBytes/,
  );
  const many = Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [`f${i}`, new Uint8Array(1)]),
  );
  await Deno.writeFile(zip, zipSync(many));
  await assert.rejects(unzipTo(zip, `${dir.path}/out`, { maxEntries: 10 }), /maxEntries 10/);
  assert.deepEqual(files(dir.path), ["bomb.zip"]);
});

Deno.test("an entry that lies about its size is stopped as soon as it outgrows the claim", async () => {
  await using dir = await tempDir();
  const zip = `${dir.path}/liar.zip`;
  const bytes = zipSync({ "a.bin": new Uint8Array(8 * 1024 * 1024) }, { level: 9 });
  // Rewrite the declared size (central directory and local header) to 1000 bytes.
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < bytes.length - 4; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x02014b50) view.setUint32(i + 24, 1000, true);
    if (sig === 0x04034b50) view.setUint32(i + 22, 1000, true);
  }
  await Deno.writeFile(zip, bytes);
  await assert.rejects(unzipTo(zip, `${dir.path}/out`), /more than its declared 1000 bytes/);
  assert.deepEqual(files(`${dir.path}/out`), []);
});
