/**
 * What `/params` answers for the sandbox's demo services, as the server derives it from each
 * service's openEO UDP description.
 *
 * @module
 */

/** Parameter lists keyed by a fragment of the service's `application` URL. */
export const PARAMETER_SETS: Record<string, unknown[]> = {
  eurac_pv_farm_detection: [
    {
      name: "spatial_extent",
      type: "bounding-box",
      optional: true,
      description: "Limits the data to process to the specified bounding box or polygons.",
      default: { west: 16.342, south: 47.962, east: 16.414, north: 48.008 },
      options: [],
    },
    {
      name: "temporal_extent",
      type: "date-interval",
      optional: true,
      description:
        "Temporal extent specified as two-element array with start and end date/date-time.",
      default: ["2023-05-01", "2023-09-30"],
      options: [],
    },
  ],
  variabilitymap: [
    {
      name: "spatial_extent",
      type: "bounding-box",
      optional: false,
      description: "The area of interest.",
      default: null,
      options: [],
    },
    {
      name: "temporal_extent",
      type: "date-interval",
      optional: false,
      description: "The date of the image to compute the variability map for.",
      default: null,
      options: [],
    },
  ],
};
