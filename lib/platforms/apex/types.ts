/**
 * The APEx Dispatch API's wire types (server v0.7.2), field for field.
 *
 * @module
 */
import type { AreaGeometry, Polygon } from "../../geo/types.ts";

/** `label`: which kind of platform runs the service. */
export type ProcessType = "openeo" | "ogc_api_process";
/** `format` of the results. */
export type OutputFormat = "geojson" | "gtiff" | "netcdf" | "json";
/** Status of jobs and tasks. */
export type ProcessingStatus =
  | "created"
  | "queued"
  | "running"
  | "finished"
  | "canceled"
  | "failed"
  | "unknown";
/** Grids of `/tiles`. */
export type GridType = "20x20km" | "250x250km";
/** `filter` of `/jobs_status`. */
export type JobsFilter = "upscaling" | "processing";

/** Where the service lives. */
export interface ServiceDetails {
  /** Platform URL, such as `https://openeofed.dataspace.copernicus.eu`. */
  endpoint: string;
  /** Service: an openEO UDP URL, or an OGC process id. */
  application: string;
  /** OGC deployment namespace; `null` in responses when unset. */
  namespace?: string | null;
}

/** `BaseJobRequest`. */
export interface BaseJobRequest {
  /** Job title. */
  title: string;
  /** Platform kind. */
  label: ProcessType;
  /** The service. */
  service: ServiceDetails;
  /** Service parameters. */
  parameters: Record<string, unknown>;
  /** Output format. */
  format: OutputFormat;
}

/** `ParameterDimension`: one job per value. */
export interface ParameterDimension {
  /** The parameter to vary, such as `spatial_extent`. */
  name: string;
  /** Its values (at least one). */
  values: unknown[];
}

/** `UpscalingTaskRequest`. */
export interface UpscalingTaskRequest extends BaseJobRequest {
  /** What to vary. */
  dimension: ParameterDimension;
}

/** `ProcessingJobSummary`. */
export interface ProcessingJobSummary {
  /** Job id. */
  id: number;
  /** Title. */
  title: string;
  /** Platform kind. */
  label: ProcessType;
  /** Status. */
  status: ProcessingStatus;
  /** The service. */
  service: ServiceDetails;
  /** Parameters as submitted (for child jobs: with the dimension value). */
  parameters: Record<string, unknown>;
}

/** `ProcessingJob`. */
export interface ProcessingJob extends ProcessingJobSummary {
  /** Naive UTC ISO time, no offset. */
  created: string;
  /** Naive UTC ISO time of the last status change. */
  updated: string;
}

/** `UpscalingTaskSummary`. */
export interface UpscalingTaskSummary {
  /** Task id. */
  id: number;
  /** Title. */
  title: string;
  /** Platform kind. */
  label: ProcessType;
  /** Status derived from the jobs. */
  status: ProcessingStatus;
}

/** `UpscalingTask`. */
export interface UpscalingTask extends UpscalingTaskSummary {
  /** The service. */
  service: ServiceDetails;
  /** Naive UTC ISO time. */
  created: string;
  /** Naive UTC ISO time. */
  updated: string;
  /** Child jobs made so far. */
  jobs: ProcessingJobSummary[];
}

/** `JobsStatusResponse`. */
export interface JobsStatusResponse {
  /** The user's tasks. */
  upscaling_tasks: UpscalingTaskSummary[];
  /** The user's unit jobs (never child jobs). */
  processing_jobs: ProcessingJobSummary[];
}

/** `Parameter` of `/params`. */
export interface Parameter {
  /** Parameter name. */
  name: string;
  /** Its kind. */
  type:
    | "datetime"
    | "date-interval"
    | "bounding-box"
    | "polygon"
    | "boolean"
    | "integer"
    | "double"
    | "string"
    | "array-string";
  /** May be left out. */
  optional: boolean;
  /** What it is. */
  description: string;
  /** Default value, or null. */
  default: unknown;
  /** Allowed values, or empty. */
  options: unknown[];
}

/** `TileRequest`. */
export interface TileRequest {
  /** The AOI. */
  aoi: Polygon;
  /** The grid. */
  grid: GridType;
}

/** The `/tiles` answer. */
export interface GeometryCollection {
  /** Always `"GeometryCollection"`. */
  type: "GeometryCollection";
  /** The tiles. */
  geometries: AreaGeometry[];
}

/** A STAC asset. */
export interface StacAsset {
  /** Where to download it. */
  href: string;
  /** Media type. */
  type?: string;
  /** Title. */
  title?: string;
  /** Roles, such as `data`. */
  roles?: string[];
  /** Other fields (`file:size`, `proj:epsg`, ...). */
  [key: string]: unknown;
}

/** A STAC 1.0.0 Collection, as `/unit_jobs/{id}/results` returns it. */
export interface StacCollection {
  /** Collection id. */
  id: string;
  /** Always `"Collection"`. */
  type: "Collection";
  /** STAC version. */
  stac_version: string;
  /** Description. */
  description: string;
  /** Title. */
  title?: string | null;
  /** The result files. */
  assets?: Record<string, StacAsset> | null;
  /** Extent. */
  extent: { spatial: { bbox: number[][] }; temporal: { interval: Array<Array<string | null>> } };
  /** Links. */
  links: Array<{ rel: string; href: string; type?: string }>;
  /** Other fields. */
  [key: string]: unknown;
}

/** The `/health` answer. */
export interface Health {
  /** `"ok"`. */
  status: string;
  /** Database health. */
  database?: { status: string };
}

/** A message of the status websockets. */
export interface StatusMessage<T> {
  /** `init`, `loading`, `status` or `error`. */
  type: "init" | "loading" | "status" | "error";
  /** The payload of `status` messages. */
  data: T | null;
  /** Text of `init`, `loading` and `error` messages. */
  message: string | null;
  /** Task id, on the task socket. */
  task_id?: number;
}
