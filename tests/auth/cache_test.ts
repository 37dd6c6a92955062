import assert from "node:assert/strict";
import { FileTokenCache } from "../../lib/auth/mod.ts";
import { tempDir } from "../helpers.ts";

const mode = (path: string) => Deno.statSync(path).mode! & 0o777;

Deno.test({
  name: "token cache: a folder or file others can read is tightened before use",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await using tmp = await tempDir();
    const dir = `${tmp.path}/cache`;
    Deno.mkdirSync(dir, { mode: 0o777 });
    Deno.chmodSync(dir, 0o777);
    const cache = new FileTokenCache(dir);
    await cache.save("k", { access_token: "a", expires_at: 0 });
    assert.equal(mode(dir), 0o700);
    const file = await cache.path("k");
    assert.equal(mode(file), 0o600);

    Deno.chmodSync(file, 0o644);
    Deno.chmodSync(dir, 0o755);
    assert.equal((await cache.load("k"))?.access_token, "a");
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(file), 0o600);
  },
});

Deno.test({
  name: "token cache: a symbolic link in place of the folder is refused with the fix",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await using tmp = await tempDir();
    Deno.mkdirSync(`${tmp.path}/elsewhere`);
    Deno.symlinkSync(`${tmp.path}/elsewhere`, `${tmp.path}/cache`);
    const cache = new FileTokenCache(`${tmp.path}/cache`);
    await assert.rejects(
      cache.save("k", { access_token: "a", expires_at: 0 }),
      (e: Error) => e.name === "TokenCacheError" && /EOJOBS_CACHE_DIR/.test(e.message),
    );
    assert.deepEqual([...Deno.readDirSync(`${tmp.path}/elsewhere`)], []);
  },
});
