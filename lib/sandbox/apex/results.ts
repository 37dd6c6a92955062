/**
 * Result files of the APEx twin's jobs: a PV-farm mask GeoTIFF (`openEO.tif`), a GeoJSON of the
 * farms (`vectorcube.geojson`) or a JSON time series, made on first request and kept, and the
 * STAC 1.0.0 Collection that lists them.
 *
 * @module
 */
import { utmCrs } from "../../geo/projection.ts";
import { type RasterInput, writeGeoTiff } from "../files/geotiff_writer.ts";
import { sampleGrid } from "../files/grid.ts";
import { landCoverOn } from "../files/land_cover.ts";
import { farmsIn, pvRaster } from "../files/pv_farms.ts";
import type { JobRecord } from "./jobs.ts";

/** The PV-farm service's default extent (from its UDP). */
export const DEFAULT_EXTENT: [number, number, number, number] = [16.342, 47.962, 16.414, 48.008];

type BBox = [number, number, number, number];

function ringsBBox(rings: number[][][]): BBox {
  const xs = rings.flat().map((p) => p[0]), ys = rings.flat().map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** The job's extent as the server reads it: a bbox object, a GeoJSON geometry, or a 4-number list. */
export function extentOf(parameters: Record<string, unknown>): BBox {
  const v = (parameters.spatial_extent ?? parameters.bbox) as
    | Record<string, unknown>
    | number[]
    | undefined;
  if (Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === "number")) return v as BBox;
  if (v && !Array.isArray(v)) {
    if (["west", "south", "east", "north"].every((k) => typeof v[k] === "number")) {
      return [v.west, v.south, v.east, v.north] as BBox;
    }
    if (v.type === "Polygon") return ringsBBox((v.coordinates as number[][][]).slice(0, 1));
    if (v.type === "MultiPolygon") {
      return ringsBBox((v.coordinates as number[][][][]).map((p) => p[0]));
    }
  }
  return DEFAULT_EXTENT;
}

/** The temporal extent, or the service default. */
export function temporalOf(parameters: Record<string, unknown>): [string, string] {
  const t = parameters.temporal_extent;
  return Array.isArray(t) && t.length === 2
    ? [String(t[0]), String(t[1])]
    : ["2023-05-01", "2023-09-30"];
}

/** A made file. */
export interface ResultFile {
  name: string;
  type: string;
  bytes: Uint8Array;
  /** A raster's CRS, extent in it and `[rows, columns]`. */
  grid?: { crs: string; bbox: BBox; shape: [number, number] };
}

/** STAC `file:checksum` of `bytes`: the sha2-256 multihash in hex. */
export async function multihash(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
  return "1220" + [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * NDVI from the sandbox's synthetic red and near-infrared reflectance, in the UTM zone of the
 * extent's centre, at most 512 pixels a side.
 */
function ndviRaster(bbox: [number, number, number, number]) {
  const grid = sampleGrid(
    bbox,
    utmCrs([(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2]),
    10,
    512,
  );
  const [red, , , nir] = landCoverOn(grid, 4);
  const data = new Float32Array(grid.width * grid.height);
  for (let i = 0; i < data.length; i++) data[i] = (nir[i] - red[i]) / (nir[i] + red[i] || 1);
  return { width: grid.width, height: grid.height, data, bbox: grid.bbox, crs: grid.crs };
}

/** A raster result with where it lies, for the STAC projection fields. */
async function rasterResult(raster: RasterInput & { crs: string }): Promise<ResultFile> {
  return {
    name: "openEO.tif",
    type: "image/tiff; application=geotiff; profile=cloud-optimized",
    bytes: await writeGeoTiff(raster),
    grid: { crs: raster.crs, bbox: raster.bbox, shape: [raster.height, raster.width] },
  };
}

/** Makes the file of a job's format. */
export async function makeResult(job: JobRecord): Promise<ResultFile> {
  const bbox = extentOf(job.parameters);
  // A vegetation-index service gets an index, not the PV detector's mask.
  if (
    (job.format === "gtiff" || job.format === "netcdf") &&
    /vegetation|ndvi/i.test(job.service.application)
  ) {
    return await rasterResult(ndviRaster(bbox));
  }
  if (job.format === "gtiff" || job.format === "netcdf") {
    return await rasterResult({ ...pvRaster(bbox), nodata: 255 });
  }
  if (job.format === "geojson") {
    const features = farmsIn(bbox).map(([w, s, e, n], i) => ({
      type: "Feature",
      id: i,
      geometry: { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
      properties: {
        pv_farm: 1,
        area_m2: Math.round((e - w) * (n - s) * 111_320 * 111_320 * Math.cos((s * Math.PI) / 180)),
      },
    }));
    return {
      name: "vectorcube.geojson",
      type: "application/geo+json",
      bytes: new TextEncoder().encode(JSON.stringify({ type: "FeatureCollection", features })),
    };
  }
  const [start, end] = temporalOf(job.parameters);
  const raster = pvRaster(bbox, 128);
  const share = raster.data.reduce((a, b) => a + b, 0) / raster.data.length;
  return {
    name: "timeseries.json",
    type: "application/json",
    bytes: new TextEncoder().encode(JSON.stringify({ [start]: [[share]], [end]: [[share]] })),
  };
}

/** The STAC Collection of a finished job. */
export async function collectionOf(
  job: JobRecord,
  file: ResultFile,
  href: string,
): Promise<Record<string, unknown>> {
  const bbox = extentOf(job.parameters);
  const [start, end] = temporalOf(job.parameters);
  return {
    id: `j-${String(job.id).padStart(6, "0")}${job.assetKey.slice(0, 8)}`,
    description: `Results of batch job ${job.id}: ${job.title}`,
    stac_version: "1.0.0",
    // The server's models serialize optional STAC fields it has no value for as null.
    links: [{
      rel: "self",
      href: href.replace(/\/[^/]+$/, "/"),
      type: "application/json",
      title: null,
    }],
    stac_extensions: [
      "https://stac-extensions.github.io/file/v2.1.0/schema.json",
      "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    ],
    title: null,
    type: "Collection",
    assets: {
      [file.name]: {
        href,
        type: file.type,
        title: null,
        description: null,
        roles: ["data"],
        "file:size": file.bytes.length,
        "file:checksum": await multihash(file.bytes),
        "proj:epsg": file.grid ? Number(file.grid.crs.slice(5)) : 4326,
        "proj:bbox": file.grid?.bbox ?? bbox,
        ...(file.grid ? { "proj:shape": file.grid.shape } : {}),
      },
    },
    license: "proprietary",
    extent: {
      spatial: { bbox: [bbox] },
      temporal: { interval: [[`${start}T00:00:00Z`, `${end}T00:00:00Z`]] },
    },
    keywords: null,
    providers: null,
    summaries: null,
  };
}
