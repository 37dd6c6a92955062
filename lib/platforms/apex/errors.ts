/**
 * Client-side checks of APEx requests, so that a typo is caught before anything is sent.
 *
 * @module
 */
import { InputError } from "../../input_error.ts";
import type { BaseJobRequest, UpscalingTaskRequest } from "./types.ts";

/**
 * A request that the API would refuse, caught before sending it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApexRequestError } from "./errors.ts";
 * const e = new ApexRequestError("format", "\"tif\" is not a format", "use geojson, gtiff, netcdf or json");
 * assert.ok(e.field === "format");
 * ```
 */
export class ApexRequestError extends InputError {
  /** Always `"ApexRequestError"`. */
  override name = "ApexRequestError";
}

const FORMATS = ["geojson", "gtiff", "netcdf", "json"];
const LABELS = ["openeo", "ogc_api_process"];

/** Throws {@linkcode ApexRequestError} for the first problem in `request`. */
export function checkRequest(
  request: BaseJobRequest | UpscalingTaskRequest,
  upscale: boolean,
): void {
  const r = request as unknown as Record<string, unknown>;
  if (typeof r.title !== "string" || r.title.trim() === "") {
    throw new ApexRequestError("title", "missing or empty", "give the job a title");
  }
  if (!LABELS.includes(r.label as string)) {
    throw new ApexRequestError(
      "label",
      `${JSON.stringify(r.label)} is not a platform kind`,
      `use ${LABELS.join(" or ")}`,
    );
  }
  if (!FORMATS.includes(r.format as string)) {
    throw new ApexRequestError(
      "format",
      `${JSON.stringify(r.format)} is not an output format`,
      `use ${FORMATS.join(", ")}`,
    );
  }
  const service = r.service as Record<string, unknown> | undefined;
  for (const key of ["endpoint", "application"]) {
    if (typeof service?.[key] !== "string" || service[key] === "") {
      throw new ApexRequestError(
        `service.${key}`,
        "missing",
        "give the platform URL (endpoint) and the service (application)",
      );
    }
  }
  if (!r.parameters || typeof r.parameters !== "object" || Array.isArray(r.parameters)) {
    throw new ApexRequestError(
      "parameters",
      "must be an object",
      "pass the service parameters by name, {} for none",
    );
  }
  if (upscale) {
    const d = r.dimension as Record<string, unknown> | undefined;
    if (typeof d?.name !== "string" || d.name === "") {
      throw new ApexRequestError(
        "dimension.name",
        "missing",
        "name the parameter to vary, such as spatial_extent",
      );
    }
    if (!Array.isArray(d.values) || d.values.length === 0) {
      throw new ApexRequestError(
        "dimension.values",
        "must be a non-empty list",
        "give one value per job, such as the tiles",
      );
    }
  }
}
