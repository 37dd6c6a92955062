/**
 * `--help` for the benchmarks: prints the usage and exits before anything is started.
 *
 * @module
 */

/** Prints `usage` and exits when `--help` or `-h` was given. */
export function helpRequested(usage: string): void {
  if (!Deno.args.includes("--help") && !Deno.args.includes("-h")) return;
  console.log(usage);
  Deno.exit(0);
}
