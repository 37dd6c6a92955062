/**
 * The README's snippets run as scripts, as a newcomer would paste them: each ends by itself,
 * successfully, type-checked, and prints what the README says it does.
 */
import assert from "node:assert/strict";

const SNIPPETS: Array<[string, RegExp]> = [
  // "A taste" prints the task's statuses.
  ["## A taste", /finished/],
  // The job manager on all four platforms: every item done.
  ["## Unattended runs: the job manager", /4\/4 done/],
];

for (const [section, expected] of SNIPPETS) {
  Deno.test(`README: the snippet of '${section.slice(3)}' runs as a script and ends by itself`, async () => {
    const readme = await Deno.readTextFile("README.md");
    const snippet = readme.split(section)[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
    assert.ok(snippet, `the README has a snippet under ${section}`);
    // Beside mod.ts, as the snippet imports it by that path.
    const path = `./.readme_snippet_${Deno.pid}.ts`;
    await Deno.writeTextFile(path, snippet);
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--check", "-A", path],
        env: { EOJOBS_SANDBOX_TIME_SCALE: "0.002", EOJOBS_TOKEN_CACHE: "0" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
      const { code, stdout, stderr } = await child.output();
      clearTimeout(timer);
      const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assert.equal(code, 0, `the snippet did not end by itself, or failed:\n${out}`);
      assert.match(out, expected);
    } finally {
      await Deno.remove(path);
    }
  });
}
