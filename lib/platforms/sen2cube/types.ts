/**
 * Sen2Cube.AT attributes of its JSON:API resources, as in its API documentation.
 *
 * @module
 */

/** Status of an inference. */
export type InferenceStatus =
  | "ABORTED"
  | "CREATED"
  | "FAILED"
  | "SCHEDULED"
  | "STARTED"
  | "SUCCEEDED";

/** Attributes of an `inference`. */
export interface InferenceAttributes {
  /** Owner's username (the API does not fill it; the client does). */
  owner: string | null;
  /** Comment. */
  comment: string;
  /** Status. */
  status: InferenceStatus;
  /** Text about the status. */
  status_message: string | null;
  /** ISO times with offset. */
  timestamp_created: string;
  /** When processing started. */
  timestamp_started: string | null;
  /** When processing finished. */
  timestamp_finished: string | null;
  /** The factbase. */
  factbase_id: number;
  /** The model. */
  knowledgebase_id: number;
  /** The AOI, GeoJSON as a string. */
  area_of_interest: string;
  /** Start of the temporal range. */
  temp_range_start: string;
  /** End of the temporal range. */
  temp_range_end: string;
  /** Resolution divisor for previews (1 = full). */
  output_scale_factor: number;
  /**
   * Outputs: a JSON string of {@linkcode InferenceOutput}[] once SUCCEEDED; an empty list (or
   * null on older records) before.
   */
  output: string | InferenceOutput[] | null;
  /** Path of a QGIS project with the results. */
  qgis_project_location: string | null;
  /** UI flag. */
  favourite: boolean;
  /** Internal. */
  status_progress?: number | null;
}

/** One output of an inference (parsed from `output`). */
export interface InferenceOutput {
  /** Result name. */
  name: string;
  /** The inference. */
  inference_id: number;
  /** `numerical` or `categorical`. */
  value_type: string;
  /** Min and max over all bands. */
  value_range: [number, number];
  /** Dimensions, such as `["band", "y", "x"]` or `["space", "time"]`. */
  dims: string[];
  /** `geotiff` or `csv`. */
  file_type: "geotiff" | "csv";
  /** `composite`, `single_line_graph`, `multi_line_graph`, ... */
  vis_type: string;
  /** Path under the factbase's `uri`. */
  data: string;
  /** Size in bytes. */
  bytes?: number;
  /** CSV column of the x axis. */
  "x-axis"?: string;
  /** CSV column of the y axis. */
  "y-axis"?: string;
  /** CSV column that splits lines. */
  lines?: string;
  /** Per-band ranges of a GeoTIFF. */
  band_value_ranges?: Array<[number, number]>;
}

/** Attributes of a `factbase`. */
export interface FactbaseAttributes {
  /** Title. */
  title: string;
  /** Description. */
  description: string;
  /** Prefix of output paths. */
  uri: string;
  /** `OK`, `BUSY`, `MAINTENANCE`. */
  status: string;
  /** Sensor. */
  sensor: string;
  /** Start of the data. */
  dateStart: string;
  /** End of the data. */
  dateEnd: string;
  /** Other fields. */
  [key: string]: unknown;
}

/** Attributes of a `knowledgebase` (a model). */
export interface KnowledgebaseAttributes {
  /** Title. */
  title: string;
  /** Description. */
  description: string;
  /** Owner. */
  owner: string;
  /** Date. */
  date: string;
  /** Other fields. */
  [key: string]: unknown;
}
