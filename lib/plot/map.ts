/// <reference lib="dom" />
/**
 * Maps with Observable Plot: tiles coloured by status, the AOI outline, raster results placed
 * on the map, a legend, tooltips, and a light offline background of country borders from
 * Natural Earth (npm `world-atlas`, 1:50m).
 *
 * @module
 */
import * as Plot from "../deps/plot.ts";
import { geoMercator } from "../deps/d3_geo.ts";
import { countriesNear } from "./countries.ts";
import {
  type Frame,
  legend,
  type LegendEntry,
  legendRows,
  locator,
  LOCATOR_SIZE,
  rowHeight,
  scaleBar,
  ticks,
} from "./furniture.ts";
import { type AreaGeometry, type BBox, bboxOf, type Position } from "../geo/types.ts";
import { STATUS_COLORS, viridis } from "./colors.ts";
import { forD3, tileFeatures } from "./_tile_features.ts";
import { plotDocument } from "./dom.ts";
import { Figure } from "./figure.ts";
import { base64, encodePng } from "./png.ts";
import type { RasterData } from "./raster.ts";
import { toLonLat } from "../raster/warp.ts";
import { SYNTHETIC, syntheticData } from "../display/synthetic.ts";
import type { Feature } from "../geo/features.ts";
import { type AoiInput, parseAoi } from "../geo/aoi.ts";
import { InputError } from "../input_error.ts";

/** A tile on the map. */
export interface MapTile {
  /** Its area. */
  geometry: AreaGeometry;
  /** Its status (a key of the palette). */
  status: string;
  /** Tooltip text. Default `status`. */
  label?: string;
  /** The tile's key in the job table (the interactive map's tooltip). */
  key?: string;
  /** The platform's job id. */
  jobId?: string;
  /** Why it failed, in the platform's words. */
  reason?: string;
  /** How long its job ran, in seconds. */
  seconds?: number;
  /** What its job cost, where the platform says. */
  cost?: number;
}

/** A layer of features drawn in one colour (buildings, roads, ...). */
export interface MapLayer {
  /** Name, shown in the legend and tooltips. */
  name: string;
  /** CSS colour. */
  color: string;
  /** Features in EPSG:4326: points, lines or polygons. */
  features: Feature[];
}

/** How raster values are coloured: a 0/1 mask, a viridis ramp, or true colour from three bands. */
export type RasterStyle = "mask" | "continuous" | "rgb";

/** Options of {@linkcode mapFigure}. */
export interface MapOptions {
  /** Title above the map. */
  title?: string;
  /** The AOI (GeoJSON or WKT), drawn as a dashed outline. */
  aoi?: AoiInput;
  /** Tiles coloured by status. */
  tiles?: MapTile[];
  /** Rasters placed on the map (EPSG:4326). */
  rasters?: RasterData[];
  /** Vector layers drawn over the rasters, under the tiles. */
  layers?: MapLayer[];
  /** `mask`: 1 in magenta, 0 clear. `continuous`: viridis from min to max. `rgb`: three bands
   * stretched min to max. Default: rgb for three bands, mask for 0/1 data, else continuous. */
  rasterStyle?: RasterStyle;
  /** Colour per status. Default the tutorial's palette. */
  palette?: Readonly<Record<string, string>>;
  /** Width in pixels. Default 640. */
  width?: number;
  /** Draw country borders underneath. Default true. */
  background?: boolean;
  /**
   * What the rasters show, with units, for the legend or colour bar: `"PV farm (detected)"`,
   * `"elevation (m)"`. Default `"raster value"`.
   */
  rasterLabel?: string;
  /** Draw the locator inset (where on Earth the area is). Default true. */
  locator?: boolean;
  /**
   * Fill opacity per status, 0 for outlines only (an outline-only layer leaves the tiles below it
   * reachable for their tooltips). Default 0.08 for finished tiles, 0.35 for others.
   */
  tileFill?: Readonly<Record<string, number>>;
  /**
   * A note on where the data come from, in the corner under the map. Default: "synthetic data
   * (eojobs sandbox)" when a raster says it is, or the embedded sandbox runs in this process.
   */
  source?: string;
}

/** A render transform that names a mark's group (`data-layer`), so later steps can find it. */
function layer(name: string): Plot.RenderFunction {
  return function (index, scales, values, dimensions, context, next) {
    const g = next!(index, scales, values, dimensions, context);
    g?.setAttribute("data-layer", name);
    return g;
  };
}

/** A raster value for a colour bar's end: short, without float noise. */
function formatValue(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3);
}

function featuresBBox(features: Feature[]): BBox {
  const numbers = JSON.stringify(features.map((f) => f.geometry.coordinates)).match(
    /-?\d+(\.\d+)?(e-?\d+)?/g,
  )!.map(Number);
  let box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 1 < numbers.length; i += 2) {
    box = [
      Math.min(box[0], numbers[i]),
      Math.min(box[1], numbers[i + 1]),
      Math.max(box[2], numbers[i]),
      Math.max(box[3], numbers[i + 1]),
    ];
  }
  return box;
}

function unionBBox(boxes: BBox[]): BBox {
  return boxes.reduce((
    a,
    b,
  ) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
}

function rgbPixels(raster: RasterData): Uint8Array {
  const bands = raster.bands!.slice(0, 3);
  const out = new Uint8Array(raster.width * raster.height * 4);
  const ranges = bands.map((band) => {
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < band.length; i++) {
      const v = band[i];
      if (v === raster.nodata || Number.isNaN(v)) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return [min, max > min ? max - min : 1];
  });
  for (let i = 0; i < raster.width * raster.height; i++) {
    if (bands.some((b) => b[i] === raster.nodata || Number.isNaN(b[i]))) continue;
    bands.forEach((
      b,
      k,
    ) => (out[i * 4 + k] = Math.round(((b[i] - ranges[k][0]) / ranges[k][1]) * 255)));
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * RGBA pixels of a raster in the chosen style (default: rgb for three bands, mask for 0/1 data).
 * `domain` fixes the continuous colour range, so that several tiles share one scale.
 */
export function rasterPixels(
  raster: RasterData,
  style?: RasterStyle,
  domain?: [number, number],
): Uint8Array {
  if (style === "rgb" || (style === undefined && (raster.bands?.length ?? 0) >= 3)) {
    if ((raster.bands?.length ?? 0) < 3) {
      throw new InputError(
        "rasterStyle",
        "rgb needs three bands",
        "read three bands, readRaster(src, { bands: [r, g, b] })",
      );
    }
    return rgbPixels(raster);
  }
  const { values, nodata } = raster;
  let min = Infinity, max = -Infinity, binary = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === nodata || Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== 0 && v !== 1) binary = false;
  }
  const mask = (style ?? (binary ? "mask" : "continuous")) === "mask";
  if (domain) [min, max] = domain;
  const out = new Uint8Array(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === nodata || Number.isNaN(v)) continue;
    if (mask) {
      if (v >= 1) out.set([228, 0, 124, 255], i * 4);
    } else {
      out.set([...viridis(max > min ? (v - min) / (max - min) : 0.5), 220], i * 4);
    }
  }
  return out;
}

/**
 * Draws a map of tiles, AOI and rasters.
 *
 * @example
 * ```ts ignore
 * import { mapFigure } from "./map.ts";
 * const fig = await mapFigure({ aoi, tiles: jobs.map((j) => ({ geometry: j.geometry, status: j.status })) });
 * fig; // shows inline in Jupyter
 * await fig.save("out/status.svg");
 * ```
 */
export async function mapFigure(options: MapOptions): Promise<Figure> {
  const palette = options.palette ?? STATUS_COLORS;
  const tiles = options.tiles ?? [];
  const aoi = options.aoi === undefined ? undefined : parseAoi(options.aoi);
  // Rasters come in their own CRS (UTM, Web Mercator, ...); the map places them in lon/lat.
  const rasters = (options.rasters ?? []).map(toLonLat);
  const boxes: BBox[] = [
    ...(aoi ? [bboxOf(aoi)] : []),
    ...tiles.map((t) => bboxOf(t.geometry)),
    ...rasters.map((r) => r.bbox),
    ...(options.layers ?? []).filter((l) => l.features.length).map((l) => featuresBBox(l.features)),
  ];
  if (boxes.length === 0) {
    throw new InputError("mapFigure", "nothing to draw", "give an aoi, tiles or rasters");
  }
  const [w0, s0, e0, n0] = unionBBox(boxes);
  const padX = (e0 - w0) * 0.04, padY = (n0 - s0) * 0.04;
  // Mercator has no finite y at the poles: a map of the whole world stops at ±85°.
  const [w, s, e, n] = [
    Math.max(-180, w0 - padX),
    Math.max(-85, s0 - padY),
    Math.min(180, e0 + padX),
    Math.min(85, n0 + padY),
  ];
  const width = options.width ?? 640;
  const top = options.title ? 34 : 10;
  const left = 56, axis = 20;
  const frame = { type: "MultiPoint", coordinates: [[w, s], [e, s], [e, n], [w, n]] };
  // Where the locator inset goes: a corner of the map that covers nothing drawn, else a margin
  // of its own at the right, outside the map.
  const drawn = [
    ...tiles.map((t) => bboxOf(t.geometry)),
    ...rasters.map((r) => r.bbox),
    ...(options.layers ?? []).filter((l) => l.features.length).map((l) => featuresBBox(l.features)),
  ];
  const fitted = (right: number) => {
    const probe = geoMercator().fitWidth(width - left - right, frame as never);
    const origin = probe([w, n])!;
    const place = (p: Position) => {
      const [x, y] = probe(p)!;
      return [x - origin[0], y - origin[1]] as [number, number];
    };
    return { place, height: place([e, s])[1], mapWidth: width - left - right };
  };
  let layout = fitted(10);
  const corner = options.locator ?? true
    ? insetCorner(
      { left: 0, top: 0, right: layout.mapWidth, bottom: layout.height + 20 },
      drawn.map((b) => pixelBox(layout.place, b)),
    )
    : undefined;
  const right = (options.locator ?? true) && !corner ? LOCATOR_SIZE[0] + 16 : 10;
  if (right !== 10) layout = fitted(right);
  const [y0, y1] = [0, layout.height];
  const present = [...new Set(tiles.map((t) => t.status))];
  // One colour scale for all rasters, so that neighbouring tiles match at their seams.
  let domain: [number, number] | undefined;
  let binary = true;
  for (const r of rasters) {
    for (let i = 0; i < r.values.length; i++) {
      const v = r.values[i];
      if (v === r.nodata || Number.isNaN(v)) continue;
      if (v !== 0 && v !== 1) binary = false;
      domain = domain ? [Math.min(domain[0], v), Math.max(domain[1], v)] : [v, v];
    }
  }
  const rgb = rasters.some((r) => (r.bands?.length ?? 0) >= 3) || options.rasterStyle === "rgb";
  const style = options.rasterStyle ?? (rgb ? "rgb" : binary ? "mask" : "continuous");
  const rasterLabel = options.rasterLabel ?? "raster value";
  const entries: LegendEntry[] = [
    ...(rasters.length && domain && style === "continuous"
      ? [{
        color: "",
        label: rasterLabel,
        key: "raster",
        ramp: { low: formatValue(domain[0]), high: formatValue(domain[1]) },
      }]
      : []),
    ...(rasters.length && style === "mask"
      ? [{ color: "rgb(228,0,124)", label: rasterLabel, key: "raster" }]
      : []),
    ...(rasters.length && style === "rgb"
      ? [{
        color: "#8a8a7a",
        label: options.rasterLabel ?? "true colour (red, green, blue; stretched)",
        key: "raster",
      }]
      : []),
    ...present.map((status) => ({
      color: palette[status] ?? "black",
      label: `${status} (${tiles.filter((t) => t.status === status).length})`,
      key: status,
    })),
    ...(options.layers ?? []).map((l) => ({
      color: l.color,
      label: `${l.name} (${l.features.length})`,
      key: l.name,
    })),
    ...(aoi ? [{ color: "none", label: "area of interest (dashed)", key: "aoi" }] : []),
  ];
  const rows = legendRows(entries, width - 20);
  const bottom = axis + 10 + rows.reduce((h, r) => h + rowHeight(r), 0) + 14;
  const height = Math.round(y1 - y0 + top + bottom);
  const mapArea = { left, top, right: width - right, bottom: height - bottom };
  const projection = geoMercator().fitExtent(
    [[mapArea.left, mapArea.top], [mapArea.right, mapArea.bottom]],
    frame as never,
  )
    .clipExtent([[mapArea.left, mapArea.top], [mapArea.right, mapArea.bottom]]);

  const marks: Plot.Markish[] = [];
  if (options.background ?? true) {
    marks.push(
      Plot.geo(countriesNear([w, s, e, n]), {
        fill: "#f4f1ea",
        stroke: "#b9b4a8",
        strokeWidth: 0.8,
        render: layer("background"),
      }),
    );
  }
  for (const l of options.layers ?? []) {
    const line = (f: Feature) =>
      f.geometry.type === "LineString" || f.geometry.type === "MultiLineString";
    marks.push(
      Plot.geo(
        l.features.map((f) =>
          f.geometry.type === "Polygon" || f.geometry.type === "MultiPolygon"
            ? { ...f, geometry: forD3(f.geometry as AreaGeometry) }
            : f
        ),
        {
          fill: (f: Feature) => (line(f) ? "none" : l.color),
          fillOpacity: 0.75,
          stroke: l.color,
          strokeWidth: (f: Feature) => (line(f) ? 1.4 : 0.5),
          r: 1.6,
          title: (f: Feature) =>
            `${l.name}${f.properties.id !== undefined ? ` ${f.properties.id}` : ""}`,
          render: layer(`vector ${l.name}`),
        },
      ),
    );
  }
  marks.push(
    Plot.geo(
      tileFeatures(tiles),
      {
        fill: (f) =>
          options.tileFill?.[f.properties.status] === 0
            ? "none"
            : palette[f.properties.status] ?? "black",
        fillOpacity: (f) =>
          options.tileFill?.[f.properties.status] ??
            (f.properties.status === "finished" || f.properties.status === "succeeded"
              ? 0.08
              : 0.35),
        stroke: (f) => palette[f.properties.status] ?? "black",
        strokeWidth: 1.5,
        title: (f) => f.properties.label ?? f.properties.status,
        render: layer("tiles"),
      },
    ),
  );
  if (aoi) {
    marks.push(
      Plot.geo([forD3(aoi)], {
        fill: "none",
        stroke: "#222",
        strokeWidth: 1.5,
        strokeDasharray: "5,3",
        title: () => "area of interest",
        render: layer("aoi"),
      }),
    );
  }
  const svg = Plot.plot({
    document: plotDocument(),
    width,
    height,
    projection: () => projection as never,
    marks,
    style: { background: "white", fontFamily: "sans-serif" },
  }) as unknown as SVGSVGElement;
  const doc = plotDocument();
  const ns = "http://www.w3.org/2000/svg";
  const make = (name: string, attrs: Record<string, string | number>, text?: string) => {
    const el = doc.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const tileGroup = [...svg.children].find((c) =>
    /^(vector|tiles)/.test(c.getAttribute("data-layer") ?? "")
  );
  for (const raster of rasters) {
    const png = await encodePng(
      raster.width,
      raster.height,
      rasterPixels(raster, options.rasterStyle, domain),
    );
    const [x0, yTop] = projection([raster.bbox[0], raster.bbox[3]])!;
    const [x1, yBottom] = projection([raster.bbox[2], raster.bbox[1]])!;
    const image = make("image", {
      x: x0,
      y: yTop,
      width: x1 - x0,
      height: yBottom - yTop,
      preserveAspectRatio: "none",
      href: `data:image/png;base64,${base64(png)}`,
      "aria-label": "raster",
    });
    svg.insertBefore(image, tileGroup ?? null);
  }
  if (options.title) {
    svg.appendChild(
      make(
        "text",
        { x: 10, y: 22, "font-size": 15, "font-weight": "bold", "text-anchor": "start" },
        options.title,
      ),
    );
  }
  const project = (p: Position) => projection(p) as [number, number] | null;
  const view: BBox = [w, s, e, n];
  svg.appendChild(ticks(make, project, view, mapArea));
  svg.appendChild(scaleBar(make, project, view, mapArea));
  if (options.locator ?? true) {
    const at: [number, number] = corner
      ? [corner[0] + mapArea.left, corner[1] + mapArea.top]
      : [width - LOCATOR_SIZE[0] - 6, mapArea.top];
    svg.appendChild(locator(make, view, mapArea, at));
  }
  svg.appendChild(legend(make, rows, 10, mapArea.bottom + axis + 10));
  svg.appendChild(
    make("text", {
      x: width - 10,
      y: height - 6,
      "font-size": 9,
      fill: "#888",
      "text-anchor": "end",
    }, ["Borders: Natural Earth", sourceNote(options.source, rasters)].filter(Boolean).join(" · ")),
  );
  return new Figure(svg.outerHTML, options.title);
}

/** The note on the data's source: the caller's, else "synthetic" for sandbox data. */
function sourceNote(given: string | undefined, rasters: RasterData[]): string | undefined {
  if (given !== undefined) return given || undefined;
  const marked = rasters.find((r) => r.metadata?.SOURCE)?.metadata?.SOURCE;
  return marked ?? (syntheticData() ? SYNTHETIC : undefined);
}

/** The pixel box of a lon/lat bbox on the map. */
function pixelBox(place: (p: Position) => [number, number], [w, s, e, n]: BBox): BBox {
  const a = place([w, n]), b = place([e, s]);
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

/**
 * Where the locator inset covers nothing drawn: the first free corner of the frame (top right,
 * top left, bottom right, bottom left), else none, so that it never hides a tile.
 */
function insetCorner(frame: Frame, drawnBoxes: BBox[]): [number, number] | undefined {
  let drawn = drawnBoxes;
  const [width, height] = LOCATOR_SIZE;
  const corners: Array<[number, number]> = [
    [frame.right - width - 6, frame.top + 6],
    [frame.left + 6, frame.top + 6],
    [frame.right - width - 6, frame.bottom - height - 26],
    [frame.left + 6, frame.bottom - height - 26],
  ];
  // The scale bar sits in the bottom-left corner; the inset keeps clear of it too.
  drawn = [...drawn, [frame.left, frame.bottom - 40, frame.left + 160, frame.bottom]];
  return corners.find(([x, y]) =>
    !drawn.some((b) => b[0] < x + width && b[2] > x && b[1] < y + height && b[3] > y)
  );
}
