/**
 * Limit answers are recognised by what they say: each platform's forms and other wordings of a
 * concurrent-job limit are backpressure; a limit on something else is not.
 */
import assert from "node:assert/strict";
import { HttpError } from "../../lib/http/errors.ts";
import { classifyError, isLimitAnswer } from "../../lib/jobs/failures.ts";

const answer = (status: number, body: unknown) =>
  new HttpError({ status, method: "POST", url: "http://127.0.0.1:1/jobs", body });

const LIMITS: Array<[string, number, unknown]> = [
  ["openEO's own code", 400, { code: "ConcurrentJobLimit", message: "Job was not started." }],
  [
    "openEO's message wrapped by the APEx Dispatch API in a 500",
    500,
    {
      status: "error",
      error_code: "INTERNAL_ERROR",
      message: "Job was not started because concurrent job limit (2) is reached.",
    },
  ],
  ["the code in capitals with underscores", 400, { error_code: "CONCURRENT_JOB_LIMIT" }],
  ["the code with dashes", 403, { code: "concurrent-job-limit" }],
  ["a JSON:API error title", 422, { errors: [{ status: "422", title: "Job limit reached" }] }],
  ["a maximum of running jobs", 400, {
    message: "You have reached the maximum number of running jobs (5).",
  }],
  ["a quota of active processes", 403, { detail: "Quota exceeded: at most 3 active processes." }],
  ["too many parallel jobs", 400, { error: "Too many parallel jobs" }],
  ["a limit of simultaneous orders", 409, { message: "limit of 2 simultaneous orders reached" }],
  ["only so many active jobs allowed", 400, "Only 2 active jobs are allowed per user"],
  ["plain text", 503, "concurrent jobs quota exceeded"],
  ["429 whatever it says", 429, { message: "slow down" }],
  ["the BEOD twin's FastAPI detail", 403, {
    detail:
      "Maximum number of concurrent scenario executions reached (2 per user): wait for one to finish",
  }],
  ["the Sen2Cube twin's JSON:API title", 403, {
    errors: [{ status: "403", title: "Inference limit reached", detail: "Wait for one." }],
  }],
  ["the Sen2Cube twin's detail alone", 403, {
    errors: [{
      status: "403",
      detail: "You have 2 inferences waiting; at most 2 per user are allowed at a time.",
    }],
  }],
  ["the UP42 twin's problem", 409, {
    status: 409,
    title: "Conflict",
    detail: "Maximum number of concurrent processing jobs (2) reached for workspace w.",
  }],
  ["a cap on scenarios in parallel", 400, { message: "Only 3 scenarios may run in parallel" }],
];

const NOT_LIMITS: Array<[string, number, unknown]> = [
  ["a memory limit", 400, { message: "Your running job exceeded the memory limit" }],
  ["a limit on running time", 400, { message: "limit of running time exceeded for job 7" }],
  ["a bad bounding box", 422, { code: "InvalidBBox", message: "west must be less than east" }],
  ["a job not found", 404, { error_code: "JOB_NOT_FOUND", message: "job 12 not found" }],
  ["an upload size limit", 413, { message: "request body over the size limit" }],
  ["a page size", 400, { detail: "limit: at most 100 items per page" }],
  ["an execution time limit", 400, { detail: "execution time limit exceeded" }],
];

Deno.test("limit answers: every spelling of a concurrent-job limit is backpressure", () => {
  for (const [what, status, body] of LIMITS) {
    const error = answer(status, body);
    assert.ok(isLimitAnswer(error), `${what}: ${JSON.stringify(body)}`);
    assert.equal(classifyError(error), "limit", what);
  }
});

Deno.test("limit answers: a limit on something else is not one", () => {
  for (const [what, status, body] of NOT_LIMITS) {
    assert.ok(!isLimitAnswer(answer(status, body)), `${what}: ${JSON.stringify(body)}`);
  }
});
