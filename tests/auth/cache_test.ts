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

Deno.test("token cache: another user's tokens under our file name are ignored, not used", async () => {
  await using dir = await tempDir();
  const cache = new FileTokenCache(dir.path);
  const alice = "https://idp/realms/x\nclient\nalice", bob = "https://idp/realms/x\nclient\nbob";
  await cache.save(alice, { access_token: "alice-token", token_type: "Bearer" } as never);
  assert.equal((await cache.load(alice))?.access_token, "alice-token");
  // Alice's file copied over the name of Bob's.
  await Deno.copyFile(await cache.path(alice), await cache.path(bob));
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => warned.push(m);
  try {
    assert.equal(await cache.load(bob), undefined);
  } finally {
    console.warn = warn;
  }
  assert.match(warned.join("\n"), /holds tokens of another issuer, client or user; ignored/);
  assert.doesNotMatch(warned.join("\n"), /alice-token/, "no token printed");
});

Deno.test("token cache: a folder where the file belongs is an error that says how to fix it", async () => {
  await using dir = await tempDir();
  const cache = new FileTokenCache(dir.path);
  const key = "https://idp/realms/x\nclient\ncarol";
  await Deno.mkdir(await cache.path(key), { recursive: true });
  await assert.rejects(
    cache.save(key, { access_token: "t", token_type: "Bearer" } as never),
    /is a folder; remove it \(rm -r .*\) or set EOJOBS_TOKEN_CACHE=0/,
  );
  await assert.rejects(cache.load(key), /is a folder/);
});
