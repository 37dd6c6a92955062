/**
 * The APEx twin's jobs and upscale tasks: records, a seeded life cycle on the sandbox clock
 * (`created -> queued -> running -> finished | failed`), and the server's rule for a task's
 * status.
 *
 * @module
 */
import { seededRandom } from "../random.ts";

/** Statuses of the APEx API. */
export type ApexStatus =
  | "created"
  | "queued"
  | "running"
  | "finished"
  | "canceled"
  | "failed"
  | "unknown";

/** Service details as stored (namespace always present). */
export interface Service {
  /** Platform URL. */
  endpoint: string;
  /** Deployment namespace, or null. */
  namespace: string | null;
  /** The service. */
  application: string;
}

/** A processing job record. */
export interface JobRecord {
  /** Job id. */
  id: number;
  /** Owner (`sub`). */
  user: string;
  /** Title. */
  title: string;
  /** `openeo` or `ogc_api_process`. */
  label: string;
  /** The service. */
  service: Service;
  /** Parameters. */
  parameters: Record<string, unknown>;
  /** Output format. */
  format: string;
  /** The task that made it, for child jobs. */
  taskId?: number;
  /** ms on the sandbox clock. */
  created: number;
  /** When it becomes `queued` (ms). */
  queuedAt: number;
  /** When it starts running (ms). */
  runningAt: number;
  /** When it ends (ms). */
  endAt: number;
  /** Whether it ends `failed`. */
  fails: boolean;
  /** Unguessable part of the asset URLs, as a signed storage URL has. */
  assetKey: string;
}

/** An upscale task record. */
export interface TaskRecord {
  /** Task id. */
  id: number;
  /** Owner (`sub`). */
  user: string;
  /** Title. */
  title: string;
  /** Platform kind. */
  label: string;
  /** The service. */
  service: Service;
  /** ms on the sandbox clock. */
  created: number;
  /** The terminal status, once reached: the server stores it and never recomputes it. */
  final?: { status: ApexStatus; at: number };
  /** Its child jobs. */
  jobIds: number[];
}

/** Durations in seconds before time scaling, and the failure share. */
export interface LifeCycle {
  /** Seconds from created to queued, low and high. */
  toQueued: [number, number];
  /** Seconds queued. */
  inQueue: [number, number];
  /** Seconds running. */
  running: [number, number];
  /** Share of jobs that fail (0..1). */
  failShare: number;
  /** Seconds between the background creation of two child jobs. */
  childStep: number;
}

/** A realistic spread: a minute or two queued, a few minutes running, 8 % failures. */
export const DEFAULT_LIFECYCLE: LifeCycle = {
  toQueued: [1, 5],
  inQueue: [10, 90],
  running: [60, 420],
  failShare: 0.08,
  childStep: 0.2,
};

/** What {@linkcode ApexStore.snapshot} keeps: plain JSON. */
export interface ApexStoreState {
  /** Every job record. */
  jobs: JobRecord[];
  /** Every task record. */
  tasks: TaskRecord[];
  /** Deleted records whose platform jobs still count. */
  forgotten: JobRecord[];
  /** The next ids. */
  next: { job: number; task: number };
}

/** Jobs and tasks of every user. */
export class ApexStore {
  /** Every job by id. */
  readonly jobs: Map<number, JobRecord> = new Map();
  /** Every task by id. */
  readonly tasks: Map<number, TaskRecord> = new Map();
  /** Jobs whose record was deleted while the platform job runs on. */
  readonly #forgotten: JobRecord[] = [];
  #nextJob = 1;
  #nextTask = 1;
  readonly #seed: number;
  readonly #scale: number;
  readonly #life: LifeCycle;

  /** Durations are drawn from `seed` and multiplied by `timeScale`. */
  constructor(seed: number, timeScale: number, life: LifeCycle = DEFAULT_LIFECYCLE) {
    this.#seed = seed;
    this.#scale = timeScale;
    this.#life = life;
  }

  /** Creates a job record whose life starts at `start`. */
  addJob(
    init: Omit<JobRecord, "id" | "queuedAt" | "runningAt" | "endAt" | "fails" | "assetKey">,
  ): JobRecord {
    const id = this.#nextJob++;
    const random = seededRandom(this.#seed * 7919 + id * 104729);
    const pick = ([lo, hi]: [number, number]) => (lo + (hi - lo) * random()) * 1000 * this.#scale;
    const queuedAt = init.created + pick(this.#life.toQueued);
    const runningAt = queuedAt + pick(this.#life.inQueue);
    const endAt = runningAt + pick(this.#life.running);
    const job: JobRecord = {
      ...init,
      id,
      queuedAt,
      runningAt,
      endAt,
      fails: random() < this.#life.failShare,
      assetKey: crypto.randomUUID().replaceAll("-", ""),
    };
    this.jobs.set(id, job);
    return job;
  }

  /** Creates a task and its child jobs, which appear one by one after `created`. */
  addTask(
    init: Omit<TaskRecord, "id" | "jobIds">,
    base: { format: string; parameters: Record<string, unknown> },
    dimension: { name: string; values: unknown[] },
  ): TaskRecord {
    const task: TaskRecord = { ...init, id: this.#nextTask++, jobIds: [] };
    dimension.values.forEach((value, i) => {
      const job = this.addJob({
        user: init.user,
        title: `${init.title} - Processing Job ${i + 1}`,
        label: init.label,
        service: init.service,
        parameters: { ...base.parameters, [dimension.name]: value },
        format: base.format,
        taskId: task.id,
        created: init.created + (i + 1) * this.#life.childStep * 1000 * this.#scale,
      });
      task.jobIds.push(job.id);
    });
    this.tasks.set(task.id, task);
    return task;
  }

  /** Everything stored, as JSON: job times are on the wall clock, so it holds across processes. */
  snapshot(): ApexStoreState {
    return {
      jobs: [...this.jobs.values()],
      tasks: [...this.tasks.values()],
      forgotten: [...this.#forgotten],
      next: { job: this.#nextJob, task: this.#nextTask },
    };
  }

  /** Takes back what {@linkcode ApexStore.snapshot} gave. */
  restore(state: ApexStoreState): void {
    this.jobs.clear();
    this.tasks.clear();
    for (const job of state.jobs) this.jobs.set(job.id, job);
    for (const task of state.tasks) this.tasks.set(task.id, task);
    this.#forgotten.splice(0, this.#forgotten.length, ...state.forgotten);
    this.#nextJob = state.next.job;
    this.#nextTask = state.next.task;
  }

  /** Drops a job's record; the platform job runs on (it still counts as running). */
  forget(job: JobRecord): void {
    this.jobs.delete(job.id);
    this.#forgotten.push(job);
  }

  /** Jobs of `user` not yet ended at `now`, forgotten ones included: what a platform limit counts. */
  running(user: string, now: number): number {
    let n = 0;
    for (const job of [...this.jobs.values(), ...this.#forgotten]) {
      if (job.user === user && now < job.endAt) n++;
    }
    return n;
  }

  /** Why a failed job failed, as the platform's log would say; seeded per job. */
  failureReason(job: JobRecord): string {
    const reasons = [
      "Your batch job failed because workers used too much memory for the same task.",
      "No Sentinel-2 observations found in the requested spatial and temporal extent.",
      "Executor lost: the worker was pre-empted and retries were exhausted.",
    ];
    return `openEO batch job j-${String(job.id).padStart(6, "0")}${
      job.assetKey.slice(0, 8)
    } failed: ${reasons[job.id % reasons.length]}`;
  }

  /** The status of a job at time `now`. */
  status(job: JobRecord, now: number): ApexStatus {
    if (now < job.queuedAt) return "created";
    if (now < job.runningAt) return "queued";
    if (now < job.endAt) return "running";
    return job.fails ? "failed" : "finished";
  }

  /** When the job's status last changed, at time `now`. */
  updated(job: JobRecord, now: number): number {
    return [job.endAt, job.runningAt, job.queuedAt, job.created].find((t) => t <= now) ??
      job.created;
  }

  /** The child jobs that exist at `now` (they are made in the background, one by one). */
  children(task: TaskRecord, now: number): JobRecord[] {
    return task.jobIds.map((id) => this.jobs.get(id)).filter((j): j is JobRecord =>
      !!j && j.created <= now
    );
  }

  /** The server's rule: first match wins. */
  taskStatus(task: TaskRecord, now: number): ApexStatus {
    if (task.final) return task.final.status;
    const statuses = this.children(task, now).map((j) => this.status(j, now));
    if (statuses.length === 0) return "created";
    if (statuses.includes("running")) return "running";
    let status: ApexStatus = "created";
    if (statuses.every((s) => s === "failed")) status = "failed";
    else if (statuses.every((s) => s === "canceled")) status = "canceled";
    else if (statuses.every((s) => s === "finished" || s === "failed")) status = "finished";
    if (status !== "created") task.final = { status, at: this.#lastUpdate(task, now) };
    return status;
  }

  /** When the task's status last changed. */
  taskUpdated(task: TaskRecord, now: number): number {
    return task.final?.at ?? this.#lastUpdate(task, now);
  }

  #lastUpdate(task: TaskRecord, now: number): number {
    return Math.max(task.created, ...this.children(task, now).map((j) => this.updated(j, now)));
  }
}
