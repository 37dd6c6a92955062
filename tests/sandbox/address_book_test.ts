/**
 * The sandbox's address book is written twice, on purpose: by the twins (mount prefixes, realms,
 * client ids, demo users) and by each client's `{ sandbox }` option (the sandbox never imports
 * the clients, so that each checks the other). This fails when the two sides disagree: every
 * client, given only the sandbox's origin, signs in as the demo user and reaches its own twin.
 */
import assert from "node:assert/strict";
import { sandbox } from "../helpers.ts";
import { PLATFORM_NAMES, PLATFORMS } from "../contract/platforms.ts";

const DEMO: Record<string, RegExp> = {
  apex: /^demo$/,
  beod: /^demo@example\.com$/,
  sen2cube: /^demo$/,
  // UP42 names a workspace, not a user.
  up42: /^[0-9a-f-]{36}$/,
};

Deno.test("address book: each client's { sandbox } signs in as the demo user at its own twin", async () => {
  await using sb = await sandbox();
  for (const name of PLATFORM_NAMES) {
    const platform = PLATFORMS[name];
    const identity = await (await platform.backend(sb.url)).identity!();
    const url = new URL(identity.url);
    assert.equal(url.origin, new URL(sb.url).origin, name);
    assert.ok(url.pathname.startsWith(`${platform.prefix}/`), `${name}: ${url.pathname}`);
    assert.ok(sb.twin(platform.prefix), `${name}: a twin is mounted at ${platform.prefix}`);
    assert.match(identity.user ?? "", DEMO[name], name);
  }
});
