/**
 * The embedded sandbox: one per process, started on first use with every platform twin and a
 * time scale that makes a tutorial's jobs take seconds.
 *
 * @module
 */
import { markSyntheticData } from "../display/synthetic.ts";
import { allPlatforms } from "./platforms.ts";
import { type Sandbox, type SandboxOptions, startSandbox } from "./server.ts";

let running: Promise<Sandbox> | undefined;

/**
 * The process's embedded sandbox, started on the first call (later calls share it; their
 * options are ignored). Default time scale 0.02 (a five-minute job takes six seconds), or
 * `EOJOBS_SANDBOX_TIME_SCALE` from the environment.
 *
 * @example
 * ```ts ignore
 * import { embeddedSandbox } from "./embedded.ts";
 * const sandbox = await embeddedSandbox();
 * console.log(sandbox.url);
 * ```
 */
export function embeddedSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  running ??= startSandbox({ timeScale: 0.02, mounts: allPlatforms, ...options }).then(
    (sandbox) => {
      // What this process shows from now on is made up, and its figures must say so.
      markSyntheticData();
      const close = sandbox.close;
      sandbox.close = () => {
        running = undefined;
        markSyntheticData(false);
        return close();
      };
      return sandbox;
    },
  );
  return running;
}
