/**
 * The four platforms as the contract suite, its SIGKILL child and the unattended bench see them:
 * work items of that platform, its job-manager backend (set up as a user would: an EULA
 * accepted, a cost approved), and what the platform itself holds, read through its API: every
 * job with its tag and how long it ran, and a finished job's state through its client's status
 * stream.
 *
 * @module
 */
import {
  apexBackend,
  connectApex,
  connectBeod,
  connectSen2Cube,
  connectUp42,
  type HttpClientOptions,
  type Job,
  type JobBackend,
  type JobState,
  type ScenarioRequest,
  sen2cubeBackend,
  up42Backend,
  type WorkItem,
} from "../../core.ts";
import { beodBackend } from "../../lib/platforms/beod/backend.ts";
import { PV_BENCH_REQUEST } from "../../bench/request.ts";

/** Names of the platforms, as on the command line. */
export type PlatformName = "apex" | "beod" | "sen2cube" | "up42";

/** Every platform, in the README's order. */
export const PLATFORM_NAMES: PlatformName[] = ["apex", "beod", "sen2cube", "up42"];

/** A job the platform holds. */
export interface PlatformJob {
  /** The tag the manager gave it (from its title, name or comment). */
  tag: string;
  /** Its job id as the backend writes it. */
  id: string;
  /** Created to ended, ms, once it ended. */
  ms?: number;
}

/** One platform, as the suite drives it. */
export interface PlatformCase {
  /** Command-line name. */
  name: PlatformName;
  /** The twin's mount prefix. */
  prefix: string;
  /** `n` work items of this platform. */
  items(n: number, url: string): Promise<WorkItem<unknown>[]>;
  /** The backend, signed in to the sandbox at `url`. */
  backend(
    url: string,
    http?: Omit<HttpClientOptions, "baseUrl" | "auth">,
  ): Promise<JobBackend<unknown>>;
  /** Every job the user has on the platform. */
  jobs(url: string): Promise<PlatformJob[]>;
  /** The job contract's handle on a job the backend submitted. */
  job(url: string, id: string): Job;
}

/** The last state a job's own status stream gives (its handle's `watch()`). */
export async function watchEnd(platform: PlatformCase, url: string, id: string): Promise<JobState> {
  let state: JobState = "unknown";
  for await (const s of platform.job(url, id).watch({ minIntervalMs: 50 })) state = s.state;
  return state;
}

const tagOf = (text: unknown) => String(text).match(/\[([^\]]+)\]$/)?.[1];
/** A naive ISO time (APEx, BEOD) or one with an offset, in ms. */
const time = (t: string | null | undefined) =>
  t ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.slice(0, 23)}Z`) : undefined;
const span = (a?: string | null, b?: string | null) => {
  const [x, y] = [time(a), time(b)];
  return x !== undefined && y !== undefined ? y - x : undefined;
};
const square = (i: number, x0: number, y0: number, size: number) => {
  const x = x0 + (i % 40) * size * 1.5, y = y0 + Math.floor(i / 40) * size * 1.5;
  return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]];
};
const key = (i: number) => `tile-${String(i).padStart(4, "0")}`;

const apex: PlatformCase = {
  name: "apex",
  prefix: "/apex",
  items: (n) =>
    Promise.resolve(Array.from({ length: n }, (_, i) => {
      const x = 16 + (i % 40) * 0.02, y = 48 + Math.floor(i / 40) * 0.02;
      return { key: key(i), item: { west: x, south: y, east: x + 0.02, north: y + 0.02 } };
    })),
  backend: (url, http) =>
    Promise.resolve(
      apexBackend(connectApex({ sandbox: url, http }), {
        request: PV_BENCH_REQUEST,
        dimension: "spatial_extent",
      }),
    ),
  async jobs(url) {
    const client = connectApex({ sandbox: url });
    const out: PlatformJob[] = [];
    for (const summary of (await client.jobsStatus(["processing"])).processing_jobs) {
      const job = await client.getUnitJob(summary.id);
      const ended = ["finished", "failed", "canceled"].includes(job.status);
      out.push({
        tag: tagOf(job.title) ?? job.title,
        id: String(job.id),
        ms: ended ? span(job.created, job.updated) : undefined,
      });
    }
    return out;
  },
  job: (url, id) => connectApex({ sandbox: url }).unitJob(Number(id)),
};

/** The scenario every BEOD case runs on its AOI. */
export const BEOD_REQUEST: ScenarioRequest = {
  name: "buildings",
  source_image_type: "basemap",
  source_image_id: 1,
  augmented: false,
  output_crs: 4326,
  vector_formats: "geojson",
  raster_formats: "geotiff",
  three_d_formats: "3d_tiles",
  dl_models: [],
};

const beod: PlatformCase = {
  name: "beod",
  prefix: "/beod",
  items: (n) =>
    Promise.resolve(Array.from({ length: n }, (_, i) => ({
      key: key(i),
      item: `POLYGON((${square(i, 7.2, 43.6, 0.002).map(([x, y]) => `${x} ${y}`).join(", ")}))`,
    }))),
  backend: (url, http) =>
    Promise.resolve(
      beodBackend(connectBeod({ sandbox: url, http }), {
        request: BEOD_REQUEST,
      }) as JobBackend<unknown>,
    ),
  async jobs(url) {
    const client = connectBeod({ sandbox: url });
    const out: PlatformJob[] = [];
    for (const project of await client.projects()) {
      for (const s of await client.scenarios(project.id)) {
        const a = await client.activity(project.id, s.activity_id);
        out.push({
          tag: tagOf(s.name) ?? s.name,
          id: `${project.id}/${s.id}/${s.activity_id}`,
          ms: span(a.creation_date, a.end_date),
        });
      }
    }
    return out;
  },
  job(url, id) {
    const [p, s, a] = id.split("/").map(Number);
    return connectBeod({ sandbox: url }).scenario(p, s, a);
  },
};

const sen2cube: PlatformCase = {
  name: "sen2cube",
  prefix: "/sen2cube",
  items: (n) =>
    Promise.resolve(Array.from({ length: n }, (_, i) => ({
      key: key(i),
      item: { type: "Polygon", coordinates: [square(i, 13.0, 47.0, 0.01)] },
    }))),
  backend: (url, http) =>
    Promise.resolve(
      sen2cubeBackend(connectSen2Cube({ sandbox: url, http }), {
        request: { knowledgebase: 218, start: "2021-05-01T00:00:00Z", end: "2021-06-01T00:00:00Z" },
      }) as JobBackend<unknown>,
    ),
  async jobs(url) {
    const out: PlatformJob[] = [];
    for await (const r of connectSen2Cube({ sandbox: url }).inferences({ pageSize: 100 })) {
      out.push({
        tag: tagOf(r.attributes.comment) ?? r.attributes.comment,
        id: String(r.id),
        ms: span(r.attributes.timestamp_created, r.attributes.timestamp_finished),
      });
    }
    return out;
  },
  job: (url, id) => connectSen2Cube({ sandbox: url }).inference(Number(id)),
};

const up42: PlatformCase = {
  name: "up42",
  prefix: "/up42",
  async items(n, url) {
    // The storage's own scenes, not the results of jobs run before (also items there).
    const scenes = (await connectUp42({ sandbox: url }).search())
      .filter((s) => s.properties["up42-system:job_id"] === undefined);
    return Array.from({ length: n }, (_, i) => ({
      key: key(i),
      item: { item: scenes[i % scenes.length].links[0].href },
    }));
  },
  async backend(url, http) {
    const client = connectUp42({ sandbox: url, http });
    await client.acceptEula("true-color-conversion");
    return up42Backend(client, {
      processId: "true-color-conversion",
      confirm: (cost) => cost.totalCredits <= 100,
    }) as JobBackend<unknown>;
  },
  async jobs(url) {
    const out: PlatformJob[] = [];
    for await (const job of connectUp42({ sandbox: url }).jobs()) {
      const title = (job.definition?.inputs as { title?: string } | undefined)?.title;
      out.push({
        tag: tagOf(title) ?? String(title),
        id: job.jobID,
        ms: span(job.created, job.finished),
      });
    }
    return out;
  },
  job: (url, id) => connectUp42({ sandbox: url }).job(id),
};

/** Each platform by name. */
export const PLATFORMS: Record<PlatformName, PlatformCase> = { apex, beod, sen2cube, up42 };

/** Jobs per tag beyond the first: what a run must never make. */
export function duplicates(jobs: PlatformJob[]): number {
  const count = new Map<string, number>();
  for (const j of jobs) count.set(j.tag, (count.get(j.tag) ?? 0) + 1);
  return [...count.values()].reduce((a, n) => a + n - 1, 0);
}
