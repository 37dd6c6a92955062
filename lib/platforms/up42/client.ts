/**
 * The UP42 processing client: processes, EULAs, validation, cost, a `run()` that never spends
 * credits without an explicit confirmation, jobs as objects that watch themselves, and results
 * found by STAC search and downloaded (with the token, or by a signed URL).
 *
 * @module
 */
import { clientCredentials } from "../../auth/grants.ts";
import type { OidcSession } from "../../auth/session.ts";
import { accountSignIn, givenSession, originOf, platformSession } from "../session.ts";
import type { DownloadResult } from "../../download/download.ts";
import { downloadJobFiles } from "../../download/job_files.ts";
import {
  type CancelOutcome,
  CancelUnavailableError,
  type Job,
  type JobDownloadOptions,
  type JobFile,
  JobNotFinishedError,
} from "../../jobs/contract.ts";
import { HttpClient, type HttpClientOptions } from "../../http/client.ts";
import { pageGuard } from "../../http/pages.ts";
import { HttpError } from "../../http/errors.ts";
import type { StatusSnapshot } from "../../jobs/state.ts";
import { watch, type WatchOptions } from "../../jobs/watch.ts";
import { withPollFloor } from "../../jobs/poll_floor.ts";
import type { Clock } from "../../time/clock.ts";
import { jobSnapshot } from "./_snapshot.ts";
import type {
  Cost,
  Eula,
  JobMetadata,
  ProcessDescription,
  StacItem,
  Up42JobStatus,
  ValidationError,
} from "./types.ts";
import { InputError } from "../../input_error.ts";
import { objectWith } from "../../http/shape.ts";

/**
 * A page of the job list: a gateway's JSON without `jobs` would read as a list with no jobs, and
 * a status read would lose every job on it. Retried and named instead.
 */
const JOB_PAGE = objectWith({ jobs: "array", links: "array" });

/** The real API. */
export const UP42_API = "https://api.up42.com";
/** The real identity provider. */
export const UP42_ISSUER = "https://auth.up42.com/realms/public";

/** The job's inputs failed validation. */
export class Up42ValidationError extends Error {
  /** Always `"Up42ValidationError"`. */
  override name = "Up42ValidationError";
  /** What the platform said. */
  readonly errors: ValidationError[];
  /** Lists `errors` for process `processId`. */
  constructor(processId: string, errors: ValidationError[]) {
    super(
      `${processId}: the inputs are not valid: ${
        errors.map((e) => `${e.name}: ${e.message}`).join("; ")
      }`,
    );
    this.errors = errors;
  }
}

/** `run()` would spend credits and nobody said yes. */
export class CostNotConfirmedError extends Error {
  /** Always `"CostNotConfirmedError"`. */
  override name = "CostNotConfirmedError";
  /** The cost that was not confirmed. */
  readonly cost: Cost;
  /** Names the cost and how to confirm it. */
  constructor(processId: string, cost: Cost, refused: boolean) {
    super(
      `${processId}: this job costs ${cost.totalCredits} credits (${cost.pricingStrategy}, ${
        cost.totalSize ?? "?"
      } ${cost.unit ?? ""}); ` +
        (refused
          ? "the confirmation said no, so nothing was run"
          : "pass { confirm: true } or a function that approves the cost to run it"),
    );
    this.cost = cost;
  }
}

/** Options of {@linkcode connectUp42}. */
export interface Up42ConnectOptions {
  /** Account login: username (e-mail). */
  username?: string;
  /** Account login: password. */
  password?: string;
  /** Project login: client id (client credentials grant). */
  clientId?: string;
  /** Project login: client secret. */
  clientSecret?: string;
  /**
   * A session signed in already (any grant: `deviceCode()`, `authorizationCode()`, one shared
   * by several clients), used as it is: no credentials then.
   */
  session?: OidcSession;
  /** A sandbox origin: API, realm `public` and demo user (`demo` / `demo`). */
  sandbox?: string | URL;
  /** API root, such as `https://api.sa.up42.com`. Default {@linkcode UP42_API}, or the sandbox's. */
  baseUrl?: string;
  /** Clock (tests). */
  clock?: Clock;
  /** HTTP settings. */
  http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
}

/**
 * Connects with an account (password grant) or a project (client credentials).
 *
 * @example
 * ```ts ignore
 * import { connectUp42 } from "./client.ts";
 * const up42 = connectUp42({ username: "me@example.com", password: Deno.env.get("UP42_PASSWORD") });
 * ```
 */
export function connectUp42(options: Up42ConnectOptions): Up42 {
  const origin = originOf(options.sandbox);
  const project = options.clientId !== undefined;
  const session = givenSession(options, ["username", "password", "clientId", "clientSecret"]) ??
    platformSession({
      origin,
      realm: "public",
      issuer: UP42_ISSUER,
      clientId: project ? options.clientId! : "up42-api",
      clientSecret: project ? options.clientSecret : undefined,
      signIn: project ? clientCredentials() : accountSignIn(options, origin, "UP42"),
      clock: options.clock,
    });
  return new Up42({
    baseUrl: options.baseUrl ?? (origin ? `${origin}/up42` : UP42_API),
    session,
    http: options.http,
  });
}

/** Options of {@linkcode Up42.run}. */
export interface RunOptions {
  /** `true`, or a function shown the cost that says whether to spend it. Required: nothing is spent without it. */
  confirm?: boolean | ((cost: Cost) => boolean | Promise<boolean>);
  /**
   * Leave out the EULA check: the caller checked it moments ago (the job manager's backend does
   * once a minute). The execution itself still refuses a job whose EULA is not accepted: it
   * ends `unlicensed`, charging nothing. Default false.
   */
  eulaChecked?: boolean;
  /**
   * The cost {@linkcode Up42.check} gave for these very inputs moments ago: `run` asks
   * `confirm` about it and creates the job without validating and pricing again (the job
   * manager checks the next job while every slot is busy). Default: checked here.
   */
  checked?: Cost;
  /** Aborts. */
  signal?: AbortSignal;
}

/**
 * A UP42 connection.
 *
 * @example
 * ```ts ignore
 * const job = await up42.run("pansharpening", { title: "Oxford", item }, { confirm: (c) => c.totalCredits < 50 });
 * for await (const s of job.watch()) console.log(s.raw);
 * await job.download("out/up42");
 * ```
 */
export class Up42 {
  /** The HTTP client. */
  readonly http: HttpClient;
  /** The session. */
  readonly session: OidcSession;
  #workspace?: Promise<string>;

  /** A client; see {@linkcode connectUp42}. */
  constructor(
    options: {
      baseUrl: string;
      session: OidcSession;
      http?: Omit<HttpClientOptions, "baseUrl" | "auth">;
    },
  ) {
    this.session = options.session;
    // The SDK retries 429 and every 5xx; so does the core for idempotent requests.
    this.http = new HttpClient({
      ...options.http,
      baseUrl: options.baseUrl,
      auth: options.session,
    });
  }

  /** The user's workspace id. */
  workspaceId(signal?: AbortSignal): Promise<string> {
    this.#workspace ??= this.http.json<{ workspaceId: string }>("v2/users/me", { signal }).then((
      u,
    ) => u.workspaceId);
    return this.#workspace;
  }

  /** Credits available. */
  async balance(signal?: AbortSignal): Promise<number> {
    return (await this.http.json<{ available: { amount: number } }>("v2/payments/balance", {
      signal,
    })).available.amount;
  }

  /** Every process. */
  async processes(signal?: AbortSignal): Promise<ProcessDescription[]> {
    return (await this.http.json<{ processes: ProcessDescription[] }>("v2/processing/processes", {
      signal,
    })).processes;
  }

  /** One process with its input schema. */
  process(processId: string, signal?: AbortSignal): Promise<ProcessDescription> {
    return this.http.json(`v2/processing/processes/${encodeURIComponent(processId)}`, { signal });
  }

  /** The EULA of a process. */
  async eula(processId: string, signal?: AbortSignal): Promise<Eula> {
    const process = await this.process(processId, signal);
    const id = process.additionalParameters.parameters.find((p) => p.name === "eula-id")?.value[0];
    if (typeof id !== "string") throw new Error(`${processId}: its description names no EULA`);
    return await this.http.json(`v2/eulas/${id}`, { signal });
  }

  /** Accepts the EULA of a process (again, after an update). */
  async acceptEula(processId: string, signal?: AbortSignal): Promise<Eula> {
    const current = await this.eula(processId, signal);
    return await this.http.json(`v2/eulas/${current.id}`, {
      method: "PATCH",
      json: { isAccepted: true },
      signal,
      retrySafe: true,
    });
  }

  /** Validates inputs: `[]` when valid, else what is wrong. */
  async validate(
    processId: string,
    inputs: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ValidationError[]> {
    try {
      await this.http.request(
        `v2/processing/processes/${encodeURIComponent(processId)}/validation`,
        {
          json: { inputs },
          signal,
          retrySafe: true,
        },
      ).then((r) => r.body?.cancel());
      return [];
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const body = error.body as { "schema-error"?: string; errors?: ValidationError[] };
      if (error.status === 400 && body?.["schema-error"]) {
        return [{ name: "InvalidSchema", message: body["schema-error"] }];
      }
      if (error.status === 422 && body?.errors) return body.errors;
      throw error;
    }
  }

  /** What running the process would cost. */
  cost(processId: string, inputs: Record<string, unknown>, signal?: AbortSignal): Promise<Cost> {
    return this.http.json(`v2/processing/processes/${encodeURIComponent(processId)}/cost`, {
      json: { inputs },
      signal,
      retrySafe: true,
    });
  }

  /**
   * Validates the inputs and prices them, spending nothing: the cost, or
   * {@linkcode Up42ValidationError} naming what is wrong.
   *
   * @example
   * ```ts ignore
   * const cost = await up42.check("pansharpening", { title: "Oxford", item });
   * console.log(`${cost.totalCredits} credits`);
   * ```
   */
  async check(
    processId: string,
    inputs: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Cost> {
    // Validation and cost are asked at once; the validation's errors say more than the cost's.
    const [validated, priced] = await Promise.allSettled([
      this.validate(processId, inputs, signal),
      this.cost(processId, inputs, signal),
    ]);
    if (validated.status === "rejected") throw validated.reason;
    if (validated.value.length) throw new Up42ValidationError(processId, validated.value);
    if (priced.status === "rejected") throw priced.reason;
    return priced.value;
  }

  /**
   * Checks the EULA, validates, prices, asks `confirm`, and only then creates the job. Throws
   * {@linkcode CostNotConfirmedError} without spending anything when there is no confirmation.
   */
  async run(
    processId: string,
    inputs: Record<string, unknown>,
    options: RunOptions = {},
  ): Promise<Up42Job> {
    const { signal } = options;
    if (!options.eulaChecked && !(await this.eula(processId, signal)).isAccepted) {
      throw new Up42ValidationError(processId, [{
        name: "EulaNotAccepted",
        message: `accept it first: acceptEula("${processId}")`,
      }]);
    }
    const cost = options.checked ?? await this.check(processId, inputs, signal);
    if (options.confirm === undefined || options.confirm === false) {
      throw new CostNotConfirmedError(processId, cost, options.confirm === false);
    }
    if (typeof options.confirm === "function" && !(await options.confirm(cost))) {
      throw new CostNotConfirmedError(processId, cost, true);
    }
    const job = await this.http.json<JobMetadata>(
      `v2/processing/processes/${encodeURIComponent(processId)}/execution`,
      {
        query: { workspaceId: await this.workspaceId(signal) },
        json: { inputs },
        signal,
      },
    );
    return new Up42Job(this, job.jobID, job);
  }

  /** A job by id. */
  job(jobId: string): Up42Job {
    return new Up42Job(this, jobId);
  }

  /**
   * Every job that matches, page after page. Durations are whole seconds from a job's start to
   * its end (or to now while it runs); a job that has not started matches no duration bound.
   *
   * @example
   * ```ts ignore
   * for await (const job of up42.jobs({ status: ["running"], minDuration: 600 })) {
   *   console.log(job.jobID, "has been running for ten minutes or more");
   * }
   * ```
   */
  async *jobs(
    filter: {
      processId?: string[];
      status?: Up42JobStatus[];
      ids?: string[];
      minDuration?: number;
      maxDuration?: number;
      limit?: number;
      sort?: string;
      signal?: AbortSignal;
    } = {},
  ): AsyncGenerator<JobMetadata, void, undefined> {
    for (const name of ["minDuration", "maxDuration"] as const) {
      const value = filter[name];
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
        throw new InputError(name, `${value} is not a whole number of seconds`, "pass e.g. 600");
      }
    }
    let page = await this.http.json<
      { jobs: JobMetadata[]; links: Array<{ rel: string; href: string }> }
    >("v2/processing/jobs", {
      query: {
        workspaceId: await this.workspaceId(filter.signal),
        processId: filter.processId?.join(","),
        status: filter.status?.join(","),
        ids: filter.ids?.join(","),
        minDuration: filter.minDuration,
        maxDuration: filter.maxDuration,
        limit: filter.limit,
        sort: filter.sort,
      },
      signal: filter.signal,
      expect: JOB_PAGE,
    });
    const visit = pageGuard("UP42 jobs");
    while (true) {
      yield* page.jobs;
      const next = page.links.find((l) => l.rel === "next")?.href;
      if (!next) return;
      visit(next);
      // The API gives next links as paths from its root, like the SDK's host.endpoint(next).
      page = await this.http.json(next, { signal: filter.signal, expect: JOB_PAGE });
    }
  }

  /** STAC search of the user's storage (all items, or by a CQL2 JSON filter). */
  async search(filter?: Record<string, unknown>, signal?: AbortSignal): Promise<StacItem[]> {
    const body = filter ? { filter, limit: 50 } : { limit: 50 };
    return (await this.http.json<{ features: StacItem[] }>("v2/assets/stac/search", {
      json: body,
      signal,
      retrySafe: true,
    })).features;
  }

  /** A signed download URL for an asset (`href` of a STAC asset), valid 5 minutes, usable without a token. */
  async signedUrl(assetHref: string, signal?: AbortSignal): Promise<string> {
    return (await this.http.json<{ url: string }>(`${assetHref}/download-url`, {
      method: "POST",
      signal,
      retrySafe: true,
    })).url;
  }
}

/**
 * A processing job: a {@linkcode Job} whose files are its result items' assets. UP42 cannot
 * stop a processing job: `cancel` throws.
 */
export class Up42Job implements Job<JobMetadata> {
  /** Job id. */
  readonly id: string;
  /** What the execution request answered. */
  readonly submitted?: JobMetadata;
  readonly #up42: Up42;

  /** A handle; see {@linkcode Up42.job}. */
  constructor(up42: Up42, id: string, submitted?: JobMetadata) {
    this.#up42 = up42;
    this.id = id;
    this.submitted = submitted;
  }

  /** The job now. */
  async status(signal?: AbortSignal): Promise<StatusSnapshot<JobMetadata>> {
    return jobSnapshot(
      await this.#up42.http.json<JobMetadata>(`v2/processing/jobs/${this.id}`, { signal }),
    );
  }

  /** Every status the job passes through, until `captured`, `released`, `invalid`, `rejected` or `unlicensed`. */
  watch(
    options: WatchOptions<JobMetadata> = {},
  ): AsyncGenerator<StatusSnapshot<JobMetadata>, void, undefined> {
    return watch((signal) => this.status(signal), withPollFloor(options, this.#up42.http.baseUrl));
  }

  /** The result items, found by a STAC search on `job_id`. */
  async results(signal?: AbortSignal): Promise<StacItem[]> {
    const { raw } = await this.status(signal);
    if (raw !== "successful" && raw !== "captured") {
      throw new JobNotFinishedError("job", this.id, raw, "successful or captured");
    }
    return await this.#up42.search({ op: "=", args: [{ property: "job_id" }, this.id] }, signal);
  }

  /**
   * The result items' assets as files, fetched with the token from the platform itself.
   *
   * @throws {JobNotFinishedError} before the job is successful or captured.
   */
  async files(signal?: AbortSignal): Promise<JobFile[]> {
    return (await this.results(signal)).flatMap((item) =>
      Object.entries(item.assets).map(([name, asset]) => ({
        url: asset.href,
        path: name,
        auth: true,
      }))
    );
  }

  /** Downloads every asset of the results into `dir` through the shared downloader, with the token. */
  download(dir: string, options: JobDownloadOptions = {}): Promise<DownloadResult[]> {
    return downloadJobFiles((signal) => this.files(signal), dir, {
      ...options,
      http: this.#up42.http,
      what: "STAC asset key",
    });
  }

  /**
   * Refuses: UP42 has no request that stops a processing job.
   *
   * @throws {CancelUnavailableError} always.
   */
  cancel(): Promise<CancelOutcome> {
    return Promise.reject(new CancelUnavailableError("UP42", `job ${this.id}`));
  }
}
