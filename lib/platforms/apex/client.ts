/**
 * The APEx Dispatch API client: a thin typed mapping of every endpoint onto the shared HTTP
 * core, with unit jobs and upscale tasks as small objects.
 *
 * @module
 */
import { type AoiInput, parseAoi } from "../../geo/aoi.ts";
import { AoiError } from "../../geo/errors.ts";
import { HttpClient, type HttpClientOptions } from "../../http/client.ts";
import { arrayOf, objectWith, type ShapeCheck } from "../../http/shape.ts";
import type { TokenSource } from "../../http/token.ts";
import { checkRequest } from "./errors.ts";
import type {
  BaseJobRequest,
  GeometryCollection,
  GridType,
  Health,
  JobsFilter,
  JobsStatusResponse,
  Parameter,
  ProcessingJob,
  ProcessingJobSummary,
  ProcessType,
  ServiceDetails,
  StacCollection,
  UpscalingTask,
  UpscalingTaskRequest,
  UpscalingTaskSummary,
} from "./types.ts";
import { UnitJob } from "./unit_job.ts";
import { UpscaleTask } from "./upscale_task.ts";

/** The real service. */
export const APEX_BASE_URL = "https://dispatch-api.apex.esa.int";

/** What every job or task answer holds, the summaries of `/jobs_status` included. */
const JOB = objectWith({ id: "number", status: "string" });
const JOBS: ShapeCheck = arrayOf(JOB);

/**
 * `/jobs_status`: the lists the filter asked for, of summaries. A list missing would read as
 * "none of your jobs exist", which must never be believed from an odd answer.
 */
function jobsStatusShape(filter: JobsFilter[]): ShapeCheck {
  const fields = filter.map((f) => f === "upscaling" ? "upscaling_tasks" : "processing_jobs");
  return (value) => {
    const wrong = objectWith(Object.fromEntries(fields.map((f) => [f, "array" as const])))(value);
    if (wrong) return wrong;
    for (const field of fields) {
      const problem = JOBS((value as Record<string, unknown>)[field]);
      if (problem) return `${field}: ${problem}`;
    }
    return undefined;
  };
}

/** Options of {@linkcode ApexDispatch}. */
export interface ApexDispatchOptions {
  /** API root. Default {@linkcode APEX_BASE_URL}. */
  baseUrl?: string;
  /** Bearer token or provider (an `OidcSession` of the `apex` realm). */
  auth: TokenSource;
  /** Retry, time-out and fetch settings of the HTTP core. */
  http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
}

/**
 * A connection to the APEx Dispatch API.
 *
 * @example
 * ```ts ignore
 * import { ApexDispatch } from "./client.ts";
 * const apex = new ApexDispatch({ auth: session });
 * const tiles = await apex.tiles(aoi, "20x20km");
 * ```
 */
export class ApexDispatch {
  /** The HTTP client, for anything this class does not cover. */
  readonly http: HttpClient;

  /** Connects lazily: nothing is sent until the first call. */
  constructor(options: ApexDispatchOptions) {
    this.http = new HttpClient({
      ...options.http,
      baseUrl: options.baseUrl ?? APEX_BASE_URL,
      auth: options.auth,
    });
  }

  /** `GET /health`. */
  health(signal?: AbortSignal): Promise<Health> {
    return this.http.json("health", { auth: false, signal });
  }

  /**
   * `POST /tiles`: the platform's split of a Polygon AOI (GeoJSON or WKT; checked here first).
   */
  async tiles(
    aoi: AoiInput,
    grid: GridType = "20x20km",
    signal?: AbortSignal,
  ): Promise<GeometryCollection> {
    const area = parseAoi(aoi);
    if (area.type !== "Polygon") {
      throw new AoiError(
        "type",
        "the /tiles endpoint takes a single Polygon",
        "send each polygon on its own, or use platformTiles() locally",
      );
    }
    return await this.http.json("tiles", {
      json: { aoi: area, grid },
      auth: false,
      signal,
      retrySafe: true,
    });
  }

  /** `POST /params`: the parameters a service takes. */
  params(label: ProcessType, service: ServiceDetails, signal?: AbortSignal): Promise<Parameter[]> {
    return this.http.json("params", { json: { label, service }, signal, retrySafe: true });
  }

  /** `POST /unit_jobs`: submits one job. Never retried, so never submitted twice. */
  async submitUnitJob(request: BaseJobRequest, signal?: AbortSignal): Promise<UnitJob> {
    checkRequest(request, false);
    const summary = await this.http.json<ProcessingJobSummary>("unit_jobs", {
      json: request,
      signal,
      expect: JOB,
    });
    return new UnitJob(this, summary.id, summary);
  }

  /** A handle on an existing unit job. */
  unitJob(id: number): UnitJob {
    return new UnitJob(this, id);
  }

  /** `GET /unit_jobs/{id}`. */
  getUnitJob(id: number, signal?: AbortSignal): Promise<ProcessingJob> {
    return this.http.json(`unit_jobs/${id}`, { signal, expect: JOB });
  }

  /** `GET /unit_jobs/{id}/results`: the STAC Collection, or `null`. */
  unitJobResults(id: number, signal?: AbortSignal): Promise<StacCollection | null> {
    return this.http.json(`unit_jobs/${id}/results`, { signal });
  }

  /**
   * `DELETE /unit_jobs/{id}`: removes the record only. The Dispatch API has no cancel: the job
   * on the processing platform runs on to its end (the server's code marks platform cancel as a
   * TODO), still counts against the user's concurrent-job limit there, and can no longer be
   * followed or its results fetched through the API.
   */
  async deleteUnitJob(id: number, signal?: AbortSignal): Promise<void> {
    await this.http.json(`unit_jobs/${id}`, { method: "DELETE", signal });
  }

  /** `POST /sync_jobs`: runs a job synchronously; the response body is the result itself. */
  async syncJob(request: BaseJobRequest, signal?: AbortSignal): Promise<Response> {
    checkRequest(request, false);
    return await this.http.request("sync_jobs", {
      json: request,
      signal,
      headers: { accept: "*/*" },
    });
  }

  /** `POST /upscale_tasks`: one job per `dimension.values` entry, made in the background. */
  async submitUpscaleTask(
    request: UpscalingTaskRequest,
    signal?: AbortSignal,
  ): Promise<UpscaleTask> {
    checkRequest(request, true);
    const summary = await this.http.json<UpscalingTaskSummary>("upscale_tasks", {
      json: request,
      signal,
      expect: JOB,
    });
    return new UpscaleTask(this, summary.id, summary);
  }

  /** A handle on an existing upscale task. */
  upscaleTask(id: number): UpscaleTask {
    return new UpscaleTask(this, id);
  }

  /** `GET /upscale_tasks/{id}`. */
  getUpscaleTask(id: number, signal?: AbortSignal): Promise<UpscalingTask> {
    return this.http.json(`upscale_tasks/${id}`, { signal, expect: JOB });
  }

  /** `GET /jobs_status`: the user's tasks and unit jobs. */
  jobsStatus(
    filter: JobsFilter[] = ["upscaling", "processing"],
    signal?: AbortSignal,
  ): Promise<JobsStatusResponse> {
    return this.http.json("jobs_status", {
      query: { filter },
      signal,
      expect: jobsStatusShape(filter),
    });
  }

  /** The websocket URL of a status stream, with the raw token in the query as the API wants. */
  socketUrl(path: string, token: string, query: Record<string, string | number> = {}): URL {
    const url = this.http.url(path, { ...query, token });
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url;
  }
}
