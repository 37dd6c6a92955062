/**
 * A sandbox in a process of its own, as a real platform would be: the benchmarks measure the
 * client, not the twin it talks to.
 *
 * @module
 */

/** A running sandbox process and its URL. */
export interface SandboxProcess {
  url: string;
  child: Deno.ChildProcess;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `lib/sandbox/main.ts` with `args` on a free port and waits until it listens. */
export async function sandboxProcess(args: string[]): Promise<SandboxProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../lib/sandbox/main.ts", import.meta.url).pathname,
      "--port",
      "0",
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on (\S+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the sandbox did not start:\n${text}`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return {
    url: text.match(/listening on (\S+)/)![1],
    child,
    async stop() {
      child.kill("SIGINT");
      await child.status;
    },
  };
}
