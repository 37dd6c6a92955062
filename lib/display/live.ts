/**
 * A display that updates in place: in Jupyter one output replaced by each update
 * (`update_display_data`), on a terminal one line rewritten, in a log one line per change.
 *
 * @module
 */
import { inJupyter } from "../auth/show_link.ts";

/** Something with a MIME bundle, such as a `Figure`. */
export interface Displayable {
  /** MIME type to content. */
  bundle(): Record<string, string>;
}

/** A display updated in place. */
export interface LiveDisplay {
  /** Replaces what is shown. */
  update(content: string | Displayable): Promise<void>;
  /** Ends the display (a terminal gets its final newline). */
  done(): void;
}

interface JupyterBroadcast {
  broadcast(type: string, content: Record<string, unknown>): Promise<void>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function bundleOf(content: string | Displayable): Record<string, string> {
  return typeof content === "string"
    ? { "text/plain": content, "text/html": `<pre style="margin:0">${escapeHtml(content)}</pre>` }
    : content.bundle();
}

/**
 * Makes a live display.
 *
 * @example
 * ```ts
 * import { liveDisplay } from "./live.ts";
 * const live = liveDisplay({ stream: "none" });
 * await live.update("job 1: running");
 * live.done();
 * ```
 */
export function liveDisplay(options: { stream?: "auto" | "none" } = {}): LiveDisplay {
  if (options.stream !== "none" && inJupyter()) {
    const jupyter = (Deno as unknown as { jupyter: JupyterBroadcast }).jupyter;
    const id = `eojobs-${crypto.randomUUID()}`;
    let shown = false;
    return {
      async update(content) {
        await jupyter.broadcast(shown ? "update_display_data" : "display_data", {
          data: bundleOf(content),
          metadata: {},
          transient: { display_id: id },
        });
        shown = true;
      },
      done() {},
    };
  }
  const tty = options.stream !== "none" && Deno.stdout.isTerminal();
  let last = "";
  let dirty = false;
  const encoder = new TextEncoder();
  return {
    update(content) {
      const text = typeof content === "string" ? content : content.bundle()["text/plain"] ?? "";
      if (text === last || options.stream === "none") return Promise.resolve();
      last = text;
      if (tty) {
        Deno.stdout.writeSync(encoder.encode(`\r\x1b[K${text}`));
        dirty = true;
      } else console.log(text);
      return Promise.resolve();
    },
    done() {
      if (dirty) Deno.stdout.writeSync(encoder.encode("\n"));
      dirty = false;
    },
  };
}
