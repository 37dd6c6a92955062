/**
 * An upscale task of the APEx Dispatch API: its status stream comes over the task websocket
 * (reconnecting with a fresh token) and falls back to polling; each update says which child
 * jobs changed.
 *
 * @module
 */
import { HttpError } from "../../http/errors.ts";
import { SocketClosedError, socketMessages } from "../../http/websocket.ts";
import type { JobState, StatusSnapshot } from "../../jobs/state.ts";
import { JOB_STATES } from "../../jobs/state.ts";
import { type PushSource, watch, type WatchOptions } from "../../jobs/watch.ts";
import { withPollFloor } from "../../jobs/poll_floor.ts";
import { backoffDelay } from "../../time/backoff.ts";
import { sleep as realSleep } from "../../time/sleep.ts";
import type { ApexDispatch } from "./client.ts";
import { apexState } from "./state.ts";
import type {
  ProcessingJobSummary,
  StatusMessage,
  UpscalingTask,
  UpscalingTaskSummary,
} from "./types.ts";
import { UnitJob } from "./unit_job.ts";
import { InputError } from "../../input_error.ts";

/** One update of a task. */
export interface TaskUpdate {
  /** The task as the API returned it. */
  task: UpscalingTask;
  /** The task's normalized state. */
  state: JobState;
  /** The task's raw status. */
  raw: string;
  /** Child jobs new or changed since the previous update. */
  changed: Array<{ job: ProcessingJobSummary; state: JobState }>;
  /** Child jobs by normalized state. */
  counts: Record<JobState, number>;
  /** Where the update came from. */
  source: "websocket" | "poll";
}

/** Options of {@linkcode UpscaleTask.watch}. */
export interface TaskWatchOptions extends WatchOptions<UpscalingTask> {
  /** Use the status websocket. Default true. */
  websocket?: boolean;
  /**
   * Whole seconds between websocket pushes (the API's `interval`, an integer). Default 10, as
   * the API.
   */
  socketIntervalSeconds?: number;
  /** Reconnects after the websocket drops before falling back to polling. Default 3. */
  reconnects?: number;
}

const snapshotOf = (task: UpscalingTask): StatusSnapshot<UpscalingTask> => ({
  state: apexState(task.status),
  raw: task.status,
  data: task,
});

/**
 * An upscale task.
 *
 * @example
 * ```ts ignore
 * const task = await apex.submitUpscaleTask(request);
 * for await (const u of task.watch()) console.log(u.raw, u.counts, u.changed.length);
 * ```
 */
export class UpscaleTask {
  /** Task id. */
  readonly id: number;
  /** What the API answered at submission. */
  readonly submitted?: UpscalingTaskSummary;
  readonly #apex: ApexDispatch;

  /** A handle; see {@linkcode ApexDispatch.upscaleTask}. */
  constructor(apex: ApexDispatch, id: number, submitted?: UpscalingTaskSummary) {
    this.#apex = apex;
    this.id = id;
    this.submitted = submitted;
  }

  /** The task now. */
  async status(signal?: AbortSignal): Promise<StatusSnapshot<UpscalingTask>> {
    return snapshotOf(await this.#apex.getUpscaleTask(this.id, signal));
  }

  /** A handle on each child job. */
  async jobs(signal?: AbortSignal): Promise<UnitJob[]> {
    const task = await this.#apex.getUpscaleTask(this.id, signal);
    return task.jobs.map((j) => new UnitJob(this.#apex, j.id, j));
  }

  /** The task's status websocket as a push source that reconnects and re-authenticates. */
  socket(options: TaskWatchOptions = {}): PushSource<UpscalingTask> {
    const apex = this.#apex;
    const id = this.id;
    const reconnects = options.reconnects ?? 3;
    const wait = options.sleep ?? realSleep;
    const interval = options.socketIntervalSeconds ?? 10;
    if (!Number.isInteger(interval) || interval < 1) {
      throw new InputError(
        "socketIntervalSeconds",
        `${interval} is not a whole number of seconds`,
        "the API takes an integer of 1 or more",
      );
    }
    return async function* (signal) {
      const auth = apex.http.auth;
      if (!auth) throw new Error("the status websocket needs a token");
      let failures = 0;
      while (true) {
        const token = await auth.getToken(signal);
        const url = apex.socketUrl(`ws/upscale_tasks/${id}`, token, {
          interval,
        });
        let refused: string | undefined;
        try {
          for await (
            const message of socketMessages<StatusMessage<UpscalingTask>>(url, signal, {
              latestOnly: true,
              // Three pushes missed: the stream went quiet, reconnect (then poll).
              idleMs: 3 * interval * 1000 + 5_000,
            })
          ) {
            if (message.type === "status" && message.data) {
              failures = 0;
              yield snapshotOf(message.data);
            } else if (message.type === "error") {
              refused = message.message ?? "error";
            }
          }
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          // The server names the cause in the close reason, after an "error" message.
          const reason = error instanceof SocketClosedError ? error.reason : "";
          if (reason === "AUTHENTICATION_FAILED") auth.invalidate?.(token);
          else if (reason === "TASK_NOT_FOUND") {
            throw new HttpError({
              status: 404,
              method: "WS",
              url,
              body: { error_code: reason, message: refused },
            });
          }
        }
        if (++failures > reconnects) {
          throw new Error(`task ${id} status stream: gave up after ${reconnects} reconnects`);
        }
        await wait(backoffDelay(failures - 1, { baseMs: 500, capMs: 5_000 }), signal);
      }
    };
  }

  /** Updates until the task ends: over the websocket while it works, then by polling. */
  async *watch(options: TaskWatchOptions = {}): AsyncGenerator<TaskUpdate, void, undefined> {
    let fromSocket = false;
    const push = options.websocket === false ? undefined : this.socket(options);
    const tagged: PushSource<UpscalingTask> | undefined = push &&
      async function* (signal) {
        fromSocket = true;
        try {
          yield* push(signal);
        } finally {
          fromSocket = false;
        }
      };
    const previous = new Map<number, string>();
    const stream = watch((signal) => this.status(signal), {
      ...withPollFloor(options, this.#apex.http.baseUrl),
      push: tagged,
      key: (s) => `${s.raw}|${s.data.jobs.map((j) => `${j.id}:${j.status}`).join(",")}`,
    });
    for await (const snapshot of stream) {
      const task = snapshot.data;
      const changed = task.jobs
        .filter((j) => previous.get(j.id) !== j.status)
        .map((job) => ({ job, state: apexState(job.status) }));
      for (const j of task.jobs) previous.set(j.id, j.status);
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const j of task.jobs) counts[apexState(j.status)]++;
      yield {
        task,
        state: snapshot.state,
        raw: snapshot.raw,
        changed,
        counts,
        source: fromSocket ? "websocket" : "poll",
      };
    }
  }
}
