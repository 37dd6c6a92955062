/**
 * UP42 processing wire types (API v2), as its Python SDK reads them.
 *
 * @module
 */

/** Job statuses, in the order a job passes through them. */
export type Up42JobStatus =
  | "created"
  | "licensed"
  | "unlicensed"
  | "valid"
  | "invalid"
  | "accepted"
  | "rejected"
  | "running"
  | "successful"
  | "failed"
  | "captured"
  | "released";

/** A process description. */
export interface ProcessDescription {
  /** Process id, such as `pansharpening`. */
  id: string;
  /** Title. */
  title: string;
  /** What it does. */
  description: string;
  /** Input schema by input name. */
  inputs: Record<string, { title?: string; description?: string; schema?: unknown }>;
  /** `{parameters: [{name: "eula-id", value: [id]}, {name: "price", value: [{credits, unit}]}]}`. */
  additionalParameters: { parameters: Array<{ name: string; value: unknown[] }> };
  /** Other fields. */
  [key: string]: unknown;
}

/** An end-user license agreement. */
export interface Eula {
  /** EULA id. */
  id: string;
  /** Title. */
  title?: string;
  /** Accepted in its current version. */
  isAccepted: boolean;
  /** Other fields. */
  [key: string]: unknown;
}

/** Inputs of single-item processes. */
export interface SingleItemInputs {
  /** Title of the results. */
  title: string;
  /** URL of a STAC item in the user's storage. */
  item: string;
}

/** One validation error. */
export interface ValidationError {
  /** Machine name, such as `MissingPanchromaticAsset`. */
  name: string;
  /** For people. */
  message: string;
}

/** The cost of running a process. */
export interface Cost {
  /** `area`, ... */
  pricingStrategy: string;
  /** Credits the job will take. */
  totalCredits: number;
  /** Size priced. */
  totalSize?: number;
  /** Unit of the size, such as `SQ_KM`. */
  unit?: string;
}

/** Job metadata. */
export interface JobMetadata {
  /** Process. */
  processID: string;
  /** Job id. */
  jobID: string;
  /** Account. */
  accountID: string;
  /** Workspace. */
  workspaceID: string | null;
  /** `{inputs}` as submitted. */
  definition: Record<string, unknown>;
  /** Status. */
  status: Up42JobStatus;
  /** ISO times. */
  created: string;
  /** When it started running. */
  started: string | null;
  /** When it ended. */
  finished: string | null;
  /** Last change. */
  updated: string;
  /** The result collection, or errors. */
  results: { collection?: string; errors?: ValidationError[] } | null;
  /** Credits taken. */
  creditConsumption: { credits: number } | null;
}

/** A STAC item of the user's storage. */
export interface StacItem {
  /** Item id. */
  id: string;
  /** Collection id. */
  collection: string;
  /** Extent. */
  bbox: [number, number, number, number];
  /** Footprint. */
  geometry: unknown;
  /** Properties (`up42-system:job_id`, `up42-user:title`, ...). */
  properties: Record<string, unknown>;
  /** Files. */
  assets: Record<string, { href: string; title?: string; type?: string; roles?: string[] }>;
  /** Links (`self`). */
  links: Array<{ rel: string; href: string }>;
}
