/**
 * Shared test inputs: the tutorials' AOIs and services.
 *
 * @module
 */
import type { Position } from "../lib/geo/types.ts";

/** The upscaling tutorial's AOI around Vienna. */
export const VIENNA = {
  type: "Polygon" as const,
  coordinates: [[
    [16.14820803974601, 48.3081456959695],
    [16.14820803974601, 48.0326396134746],
    [16.70922281740272, 48.0326396134746],
    [16.70922281740272, 48.3081456959695],
    [16.14820803974601, 48.3081456959695],
  ]] as Position[][],
};

/** The PV farm detection service's UDP. */
export const PV_UDP =
  "https://raw.githubusercontent.com/ESA-APEx/apex_algorithms/refs/heads/main/algorithm_catalog/eurac/eurac_pv_farm_detection/openeo_udp/eurac_pv_farm_detection.json";

/** The PV detection job the job-manager tests run per tile (the tile fills `spatial_extent`). */
export const PV_TILE_REQUEST = {
  title: "PV",
  label: "openeo" as const,
  service: { endpoint: "https://openeofed.dataspace.copernicus.eu", application: PV_UDP },
  format: "gtiff" as const,
  parameters: {},
};
