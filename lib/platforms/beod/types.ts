/**
 * BrightEarth On Demand wire types, as in LuxCarta's API tutorial.
 *
 * @module
 */

/** `POST /auth/login` and `/auth/refresh` answer. */
export interface LoginResponse {
  /** Refresh token. */
  refresh_token?: string;
  /** Bearer token. */
  access_token: string;
  /** Lifetime in seconds (86400). */
  expires_in: number;
  /** `"Bearer"`. */
  token_type: string;
}

/** `GET /users/me`. */
export interface User {
  /** UUID. */
  id: string;
  /** E-mail. */
  email: string;
  /** Credits left. */
  credits: number;
  /** Other fields. */
  [key: string]: unknown;
}

/** A project. */
export interface Project {
  /** Project id. */
  id: number;
  /** Name. */
  name: string;
  /** Its AOI asset, once set. */
  aoi_id?: number | null;
  /** Other fields. */
  [key: string]: unknown;
}

/** `GET .../assets`: an asset of a project. */
export interface Asset {
  /** Asset id. */
  asset_id: number;
  /** `aoi`. */
  type: string;
  /** The AOI as WKT. */
  geometry: string;
}

/** Body of `POST .../scenarios/{scenario_type}`. */
export interface ScenarioRequest {
  /** The client's name for it. */
  name: string;
  /** `basemap`. */
  source_image_type: string;
  /** Basemap id (1 is ESRI's). */
  source_image_id: number;
  /** Augment the buildings. */
  augmented: boolean;
  /** 3857 or 4326. */
  output_crs: 3857 | 4326;
  /** Comma-separated: `shapefile`, `geopackage`, ... */
  vector_formats: string;
  /** Comma-separated: `geotiff`. */
  raster_formats: string;
  /** `3d_tiles`. */
  three_d_formats: string;
  /** Alternative deep-learning models; `[]` for the defaults. */
  dl_models: unknown[];
}

/** `POST .../scenarios/{scenario_type}` answer. */
export interface ScenarioCreated {
  /** Scenario id. */
  scenario_id: number;
  /** The activity that follows its execution. */
  activity_id: number;
}

/** `GET .../scenarios`: a scenario of a project, with the body it was created from. */
export interface Scenario {
  /** Scenario id. */
  id: number;
  /** Same as `id`. */
  scenario_id: number;
  /** The client's name for it. */
  name: string;
  /** Scenario type, such as `extraction-mono`. */
  type: string;
  /** Its project. */
  project_id: number;
  /** The activity that follows its execution. */
  activity_id: number;
  /** Credits it was charged, where the API says. */
  cost?: number;
  /** The request's other fields. */
  [key: string]: unknown;
}

/** States of an activity. */
export type ActivityState = "CREATED" | "PENDING" | "RUNNING" | "SUCCESSFUL" | "FAILED";

/** `GET .../activities/{activity_id}`. */
export interface Activity {
  /** Project id. */
  project_id: number;
  /** User id. */
  user_id: string;
  /** `SCENARIO-EXECUTION`. */
  type: string;
  /** Percent done. */
  progress: number;
  /** State. */
  state: ActivityState;
  /** Naive ISO times. */
  creation_date: string;
  /** When it started running. */
  start_date: string | null;
  /** When it ended. */
  end_date: string | null;
  /** Text, such as an error. */
  details: string;
  /** Extra data. */
  misc: Record<string, unknown>;
  /** The scenario. */
  scenario_id: number;
  /** Activity id. */
  activity_id: number;
  /** Same as `activity_id`. */
  id: number;
}

/**
 * `GET .../scenarios/{id}/download/urls`: a tree of folders (objects) and files (presigned URL
 * strings), with `NextContinuationToken` when more pages follow.
 */
export interface DownloadTree {
  /** Token for the next page. */
  NextContinuationToken?: string;
  /** Folders and files. */
  [name: string]: DownloadTree | string | undefined;
}
