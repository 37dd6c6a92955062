/**
 * The README's "A taste" runs as a script, as a newcomer would paste it: it ends by itself,
 * successfully, and prints the task's statuses.
 */
import assert from "node:assert/strict";

Deno.test("README: 'A taste' runs as a script and ends by itself", async () => {
  const readme = await Deno.readTextFile("README.md");
  const taste = readme.split("## A taste")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(taste, "the README has an 'A taste' snippet");
  // Beside mod.ts, as the snippet imports it by that path.
  const path = `./.readme_taste_${Deno.pid}.ts`;
  await Deno.writeTextFile(path, taste);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", path],
      env: { EOJOBS_SANDBOX_TIME_SCALE: "0.002", EOJOBS_TOKEN_CACHE: "0" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    const { code, stdout, stderr } = await child.output();
    clearTimeout(timer);
    const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, `the snippet did not end by itself, or failed:\n${out}`);
    assert.match(out, /finished/);
  } finally {
    await Deno.remove(path);
  }
});
