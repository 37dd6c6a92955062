/**
 * A websocket as an async iterable of parsed JSON messages, for status streams.
 *
 * @module
 */
import { redactUrl } from "./redact.ts";

/** The socket closed in a way that is not a normal end. */
export class SocketClosedError extends Error {
  /** Always `"SocketClosedError"`. */
  override name = "SocketClosedError";
  /** Close code (1006 when the connection failed or dropped). */
  readonly code: number;
  /** Close reason sent by the server (APEx sends its error code). */
  readonly reason: string;

  /** Describes a close of `url` (secrets masked). */
  constructor(url: string | URL, code: number, reason: string) {
    super(`websocket ${redactUrl(url)} closed with code ${code}${reason ? ` (${reason})` : ""}`);
    this.code = code;
    this.reason = reason;
  }
}

/** Options of {@linkcode socketMessages}. */
export interface SocketOptions {
  /**
   * Keep only the newest message while the consumer is busy: for status streams, where each
   * message replaces the last (APEx pushes a whole task, up to megabytes, every interval), so a
   * slow consumer never makes messages pile up. Default false.
   */
  latestOnly?: boolean;
  /**
   * Longest silence, in ms: no message for this long closes the socket and throws
   * {@linkcode SocketClosedError} (code 1006, "silent"), so a stream that went quiet is
   * reconnected or replaced by polling instead of waited on. Default: no limit.
   */
  idleMs?: number;
}

/**
 * Opens `url` and yields every message parsed as JSON until the server closes. A close with a
 * code other than 1000 throws {@linkcode SocketClosedError}; so does a refused handshake.
 * Breaking out of the loop or aborting `signal` closes the socket.
 *
 * @example
 * ```ts ignore
 * import { socketMessages } from "./websocket.ts";
 * for await (const m of socketMessages("ws://127.0.0.1:8123/apex/ws/jobs_status?token=T")) console.log(m);
 * ```
 */
export async function* socketMessages<T = unknown>(
  url: string | URL,
  signal?: AbortSignal,
  options: SocketOptions = {},
): AsyncGenerator<T, void, undefined> {
  signal?.throwIfAborted();
  const ws = new WebSocket(url);
  const queue: T[] = [];
  let closed: { code: number; reason: string } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let idle: ReturnType<typeof setTimeout> | undefined;
  const quiet = () => {
    if (options.idleMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(() => {
      closed ??= { code: 1006, reason: `silent for ${Math.round(options.idleMs! / 1000)} s` };
      ws.close();
      notify();
    }, options.idleMs);
  };
  quiet();
  ws.onmessage = (e) => {
    quiet();
    if (options.latestOnly) queue.length = 0;
    try {
      queue.push(JSON.parse(String(e.data)));
    } catch {
      queue.push({ type: "invalid", raw: String(e.data) } as T);
    }
    notify();
  };
  ws.onclose = (e) => {
    clearTimeout(idle);
    closed ??= { code: e.code, reason: e.reason };
    notify();
  };
  const onAbort = () => {
    ws.close();
    notify();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      signal?.throwIfAborted();
      if (closed) {
        if (closed.code === 1000) return;
        throw new SocketClosedError(url, closed.code, closed.reason);
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    clearTimeout(idle);
    signal?.removeEventListener("abort", onAbort);
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
  }
}
