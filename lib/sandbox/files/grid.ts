/**
 * Pixel grids for the sandbox's rasters in the CRS a real service would deliver (a UTM zone, Web
 * Mercator, or lon/lat), with every pixel centre's longitude and latitude, so that synthetic
 * pixels are sampled where they really lie.
 *
 * @module
 */
import { projection } from "../../geo/projection.ts";
import { pixelMapper } from "../../raster/warp.ts";

type BBox = [number, number, number, number];

/** A raster's pixel grid in a CRS. */
export interface SampleGrid {
  width: number;
  height: number;
  /** `[west, south, east, north]` in `crs` units. */
  bbox: BBox;
  /** `EPSG:NNNN`. */
  crs: string;
  /** The longitude and latitude of pixel `(x, y)`'s centre. */
  lonLat(x: number, y: number): [number, number];
}

/**
 * The grid over a lon/lat `bbox` in `crs`: `pixel` CRS units a side (growing when a side would
 * pass `maxSide` pixels), its edges snapped outward to whole pixels as product grids are.
 */
export function sampleGrid(bbox: BBox, crs: string, pixel: number, maxSide = 1024): SampleGrid {
  const proj = projection(crs);
  const [w, s, e, n] = bbox;
  if (proj.geographic) {
    const step = Math.max(pixel, (e - w) / maxSide, (n - s) / maxSide);
    const width = Math.max(1, Math.round((e - w) / step)),
      height = Math.max(1, Math.round((n - s) / step));
    const dx = (e - w) / width, dy = (n - s) / height;
    return {
      width,
      height,
      bbox,
      crs: proj.crs,
      lonLat: (x, y) => [w + (x + 0.5) * dx, n - (y + 0.5) * dy],
    };
  }
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i <= 8; i++) {
    for (
      const [lon, lat] of [[w + (e - w) * i / 8, s], [w + (e - w) * i / 8, n], [
        w,
        s + (n - s) * i / 8,
      ], [e, s + (n - s) * i / 8]]
    ) {
      const [x, y] = proj.forward([lon, lat]);
      xs.push(x);
      ys.push(y);
    }
  }
  let [x0, y0, x1, y1] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const step = Math.max(pixel, Math.ceil(Math.max(x1 - x0, y1 - y0) / maxSide));
  [x0, y0] = [Math.floor(x0 / step) * step, Math.floor(y0 / step) * step];
  [x1, y1] = [Math.ceil(x1 / step) * step, Math.ceil(y1 / step) * step];
  const width = Math.round((x1 - x0) / step), height = Math.round((y1 - y0) / step);
  const lonLat = pixelMapper("EPSG:4326", proj.crs, [x0, y1], [step, step], width, height);
  return { width, height, bbox: [x0, y0, x1, y1], crs: proj.crs, lonLat };
}

/** Fills one plane per value `sample` returns, pixel by pixel over `grid`. */
export function samplePlanes<T extends Uint8Array | Uint16Array | Float32Array>(
  grid: SampleGrid,
  make: (length: number) => T,
  count: number,
  sample: (lon: number, lat: number, out: number[]) => void,
): T[] {
  const planes = Array.from({ length: count }, () => make(grid.width * grid.height));
  const out: number[] = new Array(count).fill(0);
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const [lon, lat] = grid.lonLat(x, y);
      sample(lon, lat, out);
      for (let k = 0; k < count; k++) planes[k][y * grid.width + x] = out[k];
    }
  }
  return planes;
}
