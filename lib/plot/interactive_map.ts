/**
 * Maps to explore, as the tutorial's folium map: Leaflet (inlined, so it works offline) in an
 * iframe, with a basemap (Natural Earth land and borders, always there offline; OpenStreetMap
 * when online), the tiles coloured by status with hover tooltips (key, status, job, reason,
 * duration, cost), the area outline, each finished tile's raster as an image overlay in Web
 * Mercator, a legend, a scale bar and a layer switcher, fitted to the area. Thousands of tiles are
 * grouped by status as the static map groups them.
 *
 * A live map (`liveMap`) is redrawn in place during a run: the first frame is shown once, and
 * each later frame is posted into it, so the map neither reloads nor flickers and the notebook
 * does not grow; the last frame replaces the first, so that a saved notebook shows the end.
 *
 * @module
 */
import { LEAFLET_CSS, LEAFLET_JS } from "../deps/leaflet.ts";
import { type AoiInput, parseAoi } from "../geo/aoi.ts";
import { bboxOf } from "../geo/types.ts";
import { inJupyter } from "../auth/show_link.ts";
import { SYNTHETIC, syntheticData } from "../display/synthetic.ts";
import { lonLatBBox, reproject } from "../raster/warp.ts";
import type { RasterData } from "../raster/read.ts";
import { STATUS_COLORS } from "./colors.ts";
import { countriesNear } from "./countries.ts";
import { forD3, tileFeatures } from "./_tile_features.ts";
import type { MapTile, RasterStyle } from "./map.ts";
import { rasterPixels } from "./map.ts";
import { base64, encodePng } from "./png.ts";
import { InputError } from "../input_error.ts";

/** Options of {@linkcode interactiveMap}. */
export interface InteractiveMapOptions {
  /** Title above the map. */
  title?: string;
  /** The area of interest, drawn as a dashed outline. */
  aoi?: AoiInput;
  /** Tiles coloured by status; their `key`, `jobId`, `reason`, `seconds` and `cost` show on hover. */
  tiles?: MapTile[];
  /** Rasters in any CRS, drawn as image overlays (reprojected to Web Mercator). */
  rasters?: RasterData[];
  /** How rasters are coloured. Default as the static map chooses. */
  rasterStyle?: RasterStyle;
  /** What the rasters show, for the legend. @default "raster" */
  rasterLabel?: string;
  /** Colour per status. Default the tutorial's palette. */
  palette?: Readonly<Record<string, string>>;
  /** Height in pixels. @default 460 */
  height?: number;
  /**
   * The basemap shown first: `offline` (Natural Earth land and borders, in the page) or `osm`
   * (OpenStreetMap tiles, which need the internet); both are in the layer switcher.
   * @default "offline" for sandbox data, else "osm"
   */
  basemap?: "offline" | "osm";
  /** A note on where the data come from. Default "synthetic data (eojobs sandbox)" for sandbox data. */
  source?: string;
}

/** Longest side of a raster overlay, in pixels: enough to zoom in on a tile. */
const OVERLAY_SIDE = 600;

/** What a frame of the map draws, as the page reads it. */
interface Frame {
  title: string;
  tiles: unknown;
  aoi?: unknown;
  overlays: Array<{ href: string; bounds: [[number, number], [number, number]]; label: string }>;
  palette: Record<string, string>;
  legend: Array<{ color: string; label: string }>;
  bounds?: [[number, number], [number, number]];
}

async function frameOf(options: InteractiveMapOptions): Promise<Frame> {
  const palette = { ...STATUS_COLORS, ...options.palette };
  const tiles = options.tiles ?? [];
  const aoi = options.aoi === undefined ? undefined : parseAoi(options.aoi);
  const overlays: Frame["overlays"] = [];
  for (const r of options.rasters ?? []) {
    const merc = reproject(r, "EPSG:3857", {
      maxSide: Math.min(OVERLAY_SIDE, Math.max(r.width, r.height)),
    });
    const png = await encodePng(merc.width, merc.height, rasterPixels(merc, options.rasterStyle));
    const [w, s, e, n] = lonLatBBox(merc);
    overlays.push({
      href: `data:image/png;base64,${base64(png)}`,
      bounds: [[s, w], [n, e]],
      label: options.rasterLabel ?? "raster",
    });
  }
  const boxes = [
    ...(aoi ? [bboxOf(aoi)] : []),
    ...tiles.map((t) => bboxOf(t.geometry)),
    ...overlays.map((o) => [o.bounds[0][1], o.bounds[0][0], o.bounds[1][1], o.bounds[1][0]]),
  ];
  const present = [...new Set(tiles.map((t) => t.status))];
  return {
    title: options.title ?? "",
    tiles: { type: "FeatureCollection", features: tileFeatures(tiles) },
    aoi: aoi ? { type: "Feature", properties: {}, geometry: forD3(aoi) } : undefined,
    overlays,
    palette,
    legend: [
      ...present.map((s) => ({
        color: palette[s] ?? "black",
        label: `${s} (${tiles.filter((t) => t.status === s).length})`,
      })),
      ...(overlays.length
        ? [{ color: "rgb(228,0,124)", label: options.rasterLabel ?? "raster" }]
        : []),
    ],
    bounds: boxes.length
      ? [
        [Math.min(...boxes.map((b) => b[1])), Math.min(...boxes.map((b) => b[0]))],
        [Math.max(...boxes.map((b) => b[3])), Math.max(...boxes.map((b) => b[2]))],
      ]
      : undefined,
  };
}

/** The page's own script: draws a frame, and redraws when a new one is posted to it. */
const PAGE_SCRIPT = `
const map = L.map("map", { zoomSnap: 0.25 });
// Panes fix the drawing order: basemap, results, tiles, outline; each vector pane its own canvas.
const pane = (name, z) => { map.createPane(name).style.zIndex = z; return L.canvas({ pane: name }); };
const baseR = pane("base", 250), tileR = pane("tiles", 420), aoiR = pane("aoi", 440);
map.createPane("results").style.zIndex = 400;
// The outline's canvas lies over the tiles': it must let the mouse through to their tooltips.
map.getPane("aoi").style.pointerEvents = "none";
const land = L.geoJSON(LAND, { renderer: baseR, interactive: false,
  style: { color: "#b9b4a8", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 } });
// The sea is the map's own background colour.
const offline = L.layerGroup([land]);
const osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
  maxZoom: 19, attribution: "&copy; OpenStreetMap contributors",
});
const tiles = L.layerGroup().addTo(map), aoi = L.layerGroup().addTo(map), results = L.layerGroup().addTo(map);
(BASEMAP === "osm" ? osm : offline).addTo(map);
L.control.layers({ "Natural Earth (offline)": offline, "OpenStreetMap": osm },
  { "Tiles": tiles, "Area of interest": aoi, "Results": results }, { collapsed: true }).addTo(map);
L.control.scale({ metric: true, imperial: false }).addTo(map);
map.attributionControl.setPrefix(false).addAttribution(NOTE);
const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => L.DomUtil.create("div", "legend");
legend.addTo(map);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => "&#" + c.charCodeAt(0) + ";");
function tip(p) {
  const rows = [["tile", p.key], ["status", p.status], ["job", p.jobId], ["reason", p.reason],
    ["duration", p.seconds === undefined ? undefined : p.seconds + " s"], ["cost", p.cost]];
  const body = rows.filter((r) => r[1] !== undefined && r[1] !== null && r[1] !== "")
    .map((r) => "<b>" + r[0] + "</b> " + esc(r[1])).join("<br>");
  return body || esc(p.label || p.status);
}
let fitted = false;
function draw(f) {
  document.getElementById("title").textContent = f.title;
  tiles.clearLayers(); aoi.clearLayers(); results.clearLayers();
  for (const o of f.overlays) L.imageOverlay(o.href, o.bounds, { pane: "results", opacity: 0.9 }).addTo(results);
  L.geoJSON(f.tiles, {
    renderer: tileR,
    style: (ft) => {
      const c = f.palette[ft.properties.status] || "black";
      const done = ft.properties.status === "finished" || ft.properties.status === "succeeded";
      return { color: c, weight: 1.5, fillColor: c, fillOpacity: done ? 0.08 : 0.35 };
    },
    onEachFeature: (ft, layer) => layer.bindTooltip(tip(ft.properties), { sticky: true }),
  }).addTo(tiles);
  if (f.aoi) L.geoJSON(f.aoi, { renderer: aoiR, interactive: false,
    style: { color: "#222", weight: 1.5, dashArray: "5,3", fill: false } }).addTo(aoi);
  legend.getContainer().innerHTML = f.legend.map((e) =>
    '<div><i style="background:' + e.color + '"></i>' + esc(e.label) + "</div>").join("")
    + (f.aoi ? '<div><i class="aoi"></i>area of interest</div>' : "");
  if (!fitted && f.bounds) { map.fitBounds(f.bounds, { padding: [12, 12] }); fitted = true; }
}
draw(FRAME);
// The map's parts, for a browser's console and for tests.
globalThis.eojobsMap = { map, tiles, aoi, results };
addEventListener("message", (event) => { if (event.data && event.data.eojobsFrame) draw(event.data.eojobsFrame); });
`;

const PAGE_STYLE = `
html, body { margin: 0; height: 100%; font: 12px/1.3 sans-serif; }
#title { font-weight: bold; font-size: 14px; padding: 4px 6px; height: 18px; }
#map { position: absolute; top: 26px; bottom: 0; left: 0; right: 0; background: #dfeaf2; }
.legend { background: rgba(255,255,255,0.9); padding: 4px 6px; border-radius: 4px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -2px;
  opacity: 0.8; border: 1px solid #444; }
.legend i.aoi { background: none; border: 1.5px dashed #222; }
`;

let leaflet: Promise<[string, string]> | undefined;

/** Leaflet's stylesheet with its images (the layer switcher's icon) inlined as `data:` URIs. */
async function inlineImages(css: URL): Promise<string> {
  let text = await Deno.readTextFile(css);
  for (const [whole, file] of text.matchAll(/url\((images\/[\w.-]+\.png)\)/g)) {
    const bytes = await Deno.readFile(new URL(file, css));
    text = text.replaceAll(whole, `url(data:image/png;base64,${base64(bytes)})`);
  }
  return text;
}

function json(value: unknown): string {
  // Inside a <script>: no "</" may end it early.
  return JSON.stringify(value).replaceAll("</", "<\\/");
}

/** An interactive map: a page, shown in notebooks in an iframe, saved as an HTML file. */
export class InteractiveMap {
  /** The whole page: Leaflet, the data and the script, with nothing fetched but basemap tiles. */
  readonly html: string;
  /** A title for files. */
  readonly title: string;
  /** Height of the iframe in notebooks, in pixels. */
  readonly height: number;
  /** Ties the iframe to the frames a live map posts to it. */
  readonly id: string;

  /** Wraps a rendered page. */
  constructor(html: string, title: string, height: number, id: string = crypto.randomUUID()) {
    this.html = html;
    this.title = title;
    this.height = height;
    this.id = id;
  }

  /** The iframe a notebook shows (its page in `srcdoc`, scripts allowed, nothing else). */
  iframe(): string {
    const doc = this.html.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    return `<iframe data-eojobs-map="${this.id}" title="${this.title.replace(/"/g, "&quot;")}" ` +
      `sandbox="allow-scripts" style="width:100%;height:${this.height}px;border:0" ` +
      `srcdoc="${doc}"></iframe>`;
  }

  /** MIME bundle for Jupyter. */
  bundle(): Record<string, string> {
    return { "text/html": this.iframe(), "text/plain": `${this.title} (interactive map)` };
  }

  /** Writes the page (`.html`); returns the path. */
  async save(path: string): Promise<string> {
    if (!path.endsWith(".html")) {
      throw new InputError("save", `"${path}" must end in .html`, "name the file .html");
    }
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir !== path) await Deno.mkdir(dir, { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, this.html);
    await Deno.rename(temp, path);
    return path;
  }

  /** Jupyter shows the map inline. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return this.bundle();
  }
}

/**
 * Draws an interactive map of tiles, area and rasters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interactiveMap } from "./interactive_map.ts";
 * const map = await interactiveMap({
 *   aoi: "POLYGON ((16.15 48.03, 16.71 48.03, 16.71 48.31, 16.15 48.31, 16.15 48.03))",
 *   tiles: [{ geometry: { type: "Polygon", coordinates: [[[16.2, 48.1], [16.3, 48.1], [16.3, 48.2], [16.2, 48.2], [16.2, 48.1]]] },
 *     status: "failed", key: "tile-1", reason: "out of memory" }],
 * });
 * assert.match(map.html, /out of memory/);
 * ```
 */
export async function interactiveMap(
  options: InteractiveMapOptions,
  id?: string,
): Promise<InteractiveMap> {
  leaflet ??= Promise.all([Deno.readTextFile(LEAFLET_JS), inlineImages(LEAFLET_CSS)]);
  const [js, css] = await leaflet;
  const frame = await frameOf(options);
  const view = frame.bounds ?? [[-60, -180], [75, 180]];
  const land = {
    type: "FeatureCollection",
    features: countriesNear([view[0][1], view[0][0], view[1][1], view[1][0]], 8).map((c) => ({
      type: "Feature",
      properties: {},
      geometry: c.geometry,
    })),
  };
  const synthetic = syntheticData() ||
    (options.rasters ?? []).some((r) => r.metadata?.SOURCE === SYNTHETIC);
  const note = options.source ?? (synthetic ? SYNTHETIC : "");
  const basemap = options.basemap ?? (synthetic ? "offline" : "osm");
  const title = options.title ?? "eojobs map";
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${
      title.replace(/</g, "&lt;")
    }</title><style>${css}${PAGE_STYLE}</style></head><body><div id="title"></div><div id="map"></div>` +
    `<script>${js}</script><script>const FRAME = ${json(frame)}; const LAND = ${json(land)}; ` +
    `const BASEMAP = ${json(basemap)}; const NOTE = ${
      json(["Borders: Natural Earth", note].filter(Boolean).join(" · "))
    };` +
    `${PAGE_SCRIPT}</script></body></html>\n`;
  return new InteractiveMap(html, title, options.height ?? 460, id);
}

/** A map redrawn in place during a run; see {@linkcode liveMap}. */
export interface LiveMap {
  /** Draws a frame: the first shows the map, later ones are posted into it. */
  update(options: InteractiveMapOptions): Promise<void>;
  /** Ends the run: the last frame becomes the map's own, so a saved notebook shows it. */
  done(): Promise<void>;
  /** The last frame as a map (to save it from a script). */
  readonly map?: InteractiveMap;
}

interface JupyterLike {
  broadcast(type: string, content: Record<string, unknown>): Promise<void>;
}

/**
 * A live interactive map: in Jupyter redrawn in place without reloading, elsewhere kept for
 * saving.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveMap } from "./interactive_map.ts";
 * const live = liveMap();
 * await live.update({ title: "run", tiles: [] , aoi: "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))" });
 * await live.done();
 * assert.match(live.map!.html, /leaflet/i);
 * ```
 */
export function liveMap(): LiveMap {
  const id = crypto.randomUUID();
  const jupyter = inJupyter() ? (Deno as unknown as { jupyter: JupyterLike }).jupyter : undefined;
  let last: InteractiveMap | undefined;
  let lastOptions: InteractiveMapOptions | undefined;
  let stage: "none" | "shown" | "posting" = "none";
  const post = `${id}-frames`;
  return {
    get map() {
      return last;
    },
    async update(options) {
      lastOptions = options;
      if (!jupyter || stage === "none") {
        last = await interactiveMap(options, id);
        if (jupyter) {
          await jupyter.broadcast("display_data", {
            data: last.bundle(),
            metadata: {},
            transient: { display_id: id },
          });
          stage = "shown";
        }
        return;
      }
      // Later frames go into the page already shown: no reload, no flicker, no growing output.
      const frame = json({ eojobsFrame: await frameOf(options) });
      await jupyter.broadcast(stage === "shown" ? "display_data" : "update_display_data", {
        data: {
          "text/html": `<script>document.querySelectorAll('iframe[data-eojobs-map="${id}"]')` +
            `.forEach((f) => f.contentWindow && f.contentWindow.postMessage(${frame}, "*"));</script>`,
          "text/plain": "",
        },
        metadata: {},
        transient: { display_id: post },
      });
      stage = "posting";
    },
    async done() {
      if (!lastOptions) return;
      last = await interactiveMap(lastOptions, id);
      if (!jupyter) return;
      await jupyter.broadcast("update_display_data", {
        data: last.bundle(),
        metadata: {},
        transient: { display_id: id },
      });
      if (stage === "posting") {
        await jupyter.broadcast("update_display_data", {
          data: { "text/plain": "" },
          metadata: {},
          transient: { display_id: post },
        });
      }
    },
  };
}
