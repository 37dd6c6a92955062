/**
 * Imported first by every script: without the permissions a script needs, say so in one line
 * before any other module loads (a third-party package would otherwise fail on an environment
 * variable with a long trace that names the package, not the fix).
 *
 * @module
 */

const NEEDED: Deno.PermissionDescriptor[] = [
  { name: "read" },
  { name: "write" },
  { name: "net" },
  { name: "env" },
  { name: "sys" },
];

const missing = NEEDED.filter((d) => Deno.permissions.querySync(d).state !== "granted")
  .map((d) => d.name);
if (missing.length > 0) {
  const script = new URL(Deno.mainModule).pathname.replace(`${Deno.cwd()}/`, "");
  console.error(
    `${script}: needs ${
      missing.join(", ")
    } access; run it with -A: npx --yes deno@2.9.6 run -A ${script}`,
  );
  Deno.exit(2);
}
