/**
 * The unit-job request the benchmarks submit for each tile: the tutorial's PV farm detection,
 * its spatial extent filled in per tile by the backend.
 *
 * @module
 */
import type { BaseJobRequest } from "../lib/platforms/apex/types.ts";

/** The request, without its `spatial_extent`. */
export const PV_BENCH_REQUEST: BaseJobRequest = {
  title: "PV bench",
  label: "openeo",
  service: {
    endpoint: "https://openeofed.dataspace.copernicus.eu",
    application: "https://example.org/eurac_pv_farm_detection.json",
  },
  format: "gtiff",
  parameters: { temporal_extent: ["2023-05-01", "2023-09-30"] },
};
