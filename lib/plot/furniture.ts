/// <reference lib="dom" />
/**
 * What makes a map readable in a report, drawn around and on top of a `mapFigure`: longitude and
 * latitude ticks with a light graticule, a scale bar, a locator inset (where on Earth the area
 * is), a legend laid out so that no label runs into another, and a colour bar with units.
 *
 * @module
 */
import type { BBox, Position } from "../geo/types.ts";
import { viridis } from "./colors.ts";
import { countriesNear } from "./countries.ts";
import { geoEquirectangular, geoPath } from "../deps/d3_geo.ts";

/** Makes one SVG element with attributes and optional text. */
export type Make = (
  name: string,
  attrs: Record<string, string | number>,
  text?: string,
) => Element;

/** Projects longitude/latitude to pixels. */
export type Project = (p: Position) => [number, number] | null;

/** The map's drawing area in pixels. */
export interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A round step for about `count` ticks over `span`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(span: number, count = 4): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10];
  return power * steps.find((s) => s * power >= raw)!;
}

function degrees(v: number, step: number, pos: string, neg: string): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step % 1 ? 1 : 0));
  // Only zeros after a decimal point go: 10°E stays "10", 2.50° becomes "2.5".
  const text = Math.abs(v).toFixed(Math.min(decimals, 4)).replace(/(\.\d*?)0+$/, "$1").replace(
    /\.$/,
    "",
  );
  return v === 0 ? "0°" : `${text}°${v > 0 ? pos : neg}`;
}

/**
 * Longitude ticks along the bottom edge and latitude ticks along the left edge, with a light
 * graticule across the map.
 */
export function ticks(make: Make, project: Project, [w, s, e, n]: BBox, frame: Frame): Element {
  const g = make("g", { "aria-label": "coordinates", "font-size": 10, fill: "#444" });
  const lonStep = niceStep(e - w), latStep = niceStep(n - s);
  for (let lon = Math.ceil(w / lonStep) * lonStep; lon <= e + 1e-12; lon += lonStep) {
    const top = project([lon, n]), bottom = project([lon, s]);
    if (!top || !bottom || bottom[0] < frame.left || bottom[0] > frame.right) continue;
    g.appendChild(make("line", {
      x1: bottom[0],
      y1: frame.top,
      x2: bottom[0],
      y2: frame.bottom,
      stroke: "#000",
      "stroke-opacity": 0.12,
      "stroke-width": 0.6,
    }));
    g.appendChild(make("line", {
      x1: bottom[0],
      y1: frame.bottom,
      x2: bottom[0],
      y2: frame.bottom + 4,
      stroke: "#444",
    }));
    g.appendChild(
      make(
        "text",
        { x: bottom[0], y: frame.bottom + 14, "text-anchor": "middle" },
        degrees(lon, lonStep, "E", "W"),
      ),
    );
  }
  for (let lat = Math.ceil(s / latStep) * latStep; lat <= n + 1e-12; lat += latStep) {
    const left = project([w, lat]);
    if (!left || left[1] < frame.top || left[1] > frame.bottom) continue;
    g.appendChild(make("line", {
      x1: frame.left,
      y1: left[1],
      x2: frame.right,
      y2: left[1],
      stroke: "#000",
      "stroke-opacity": 0.12,
      "stroke-width": 0.6,
    }));
    g.appendChild(make("line", {
      x1: frame.left - 4,
      y1: left[1],
      x2: frame.left,
      y2: left[1],
      stroke: "#444",
    }));
    g.appendChild(
      make(
        "text",
        { x: frame.left - 6, y: left[1] + 3, "text-anchor": "end" },
        degrees(lat, latStep, "N", "S"),
      ),
    );
  }
  g.appendChild(make("rect", {
    x: frame.left,
    y: frame.top,
    width: frame.right - frame.left,
    height: frame.bottom - frame.top,
    fill: "none",
    stroke: "#444",
    "stroke-width": 0.8,
  }));
  return g;
}

/** A scale bar at the bottom left of the map, true at the map's middle latitude. */
export function scaleBar(make: Make, project: Project, [w, s, e, n]: BBox, frame: Frame): Element {
  const lat = (s + n) / 2, lon = (w + e) / 2;
  const a = project([lon, lat])!, b = project([lon + 0.01, lat])!;
  const kmPerPixel = (0.01 * 111.32 * Math.cos((lat * Math.PI) / 180)) / Math.abs(b[0] - a[0]);
  const target = ((frame.right - frame.left) / 5) * kmPerPixel;
  const km = niceStep(target, 1);
  const pixels = km / kmPerPixel;
  const x = frame.left + 10, y = frame.bottom - 12;
  const label = km >= 1 ? `${km} km` : `${Math.round(km * 1000)} m`;
  const g = make("g", { "aria-label": "scale bar", "font-size": 10 });
  g.appendChild(make("rect", {
    x: x - 4,
    y: y - 14,
    width: pixels + 8 + 6 * label.length,
    height: 22,
    fill: "white",
    "fill-opacity": 0.75,
  }));
  g.appendChild(make("rect", { x, y, width: pixels / 2, height: 4, fill: "#222" }));
  g.appendChild(
    make("rect", {
      x: x + pixels / 2,
      y,
      width: pixels / 2,
      height: 4,
      fill: "white",
      stroke: "#222",
    }),
  );
  g.appendChild(make("text", { x, y: y - 3, "text-anchor": "start" }, "0"));
  g.appendChild(make("text", { x: x + pixels, y: y - 3, "text-anchor": "middle" }, label));
  return g;
}

/** Width and height of the locator inset, in pixels. */
export const LOCATOR_SIZE: [number, number] = [120, 84];

/**
 * A locator inset: the countries around the area, and the area marked in red, so a reader sees
 * where on Earth the map is. `at` is its top-left corner (default: the frame's top right).
 */
export function locator(
  make: Make,
  [w, s, e, n]: BBox,
  frame: Frame,
  at?: [number, number],
): Element {
  const [width, height] = LOCATOR_SIZE;
  const [x, y] = at ?? [frame.right - width - 6, frame.top + 6];
  // The region shown: at least 24° wide, centred on the area.
  const cx = (w + e) / 2, cy = (s + n) / 2;
  const half = Math.max(12, (e - w) * 2, (n - s) * 2);
  const region: BBox = [
    Math.max(-180, cx - half),
    Math.max(-85, cy - half * 0.7),
    Math.min(180, cx + half),
    Math.min(85, cy + half * 0.7),
  ];
  const projection = geoEquirectangular().fitExtent(
    [[x + 2, y + 2], [x + width - 2, y + height - 2]],
    {
      type: "MultiPoint",
      coordinates: [[region[0], region[1]], [region[2], region[3]]],
    } as never,
  ).clipExtent([[x + 1, y + 1], [x + width - 1, y + height - 1]]);
  const path = geoPath(projection);
  const g = make("g", { "aria-label": "locator" });
  g.appendChild(make("rect", { x, y, width, height, fill: "#dfeaf2", stroke: "#444" }));
  for (const country of countriesNear(region, 0)) {
    const d = path(country as never);
    if (d) g.appendChild(make("path", { d, fill: "#f4f1ea", stroke: "#999", "stroke-width": 0.4 }));
  }
  const [x0, y0] = projection([w, n])!, [x1, y1] = projection([e, s])!;
  const mark = Math.max(4, x1 - x0), markH = Math.max(4, y1 - y0);
  g.appendChild(make("rect", {
    x: (x0 + x1) / 2 - mark / 2,
    y: (y0 + y1) / 2 - markH / 2,
    width: mark,
    height: markH,
    fill: "none",
    stroke: "#d62728",
    "stroke-width": 1.6,
  }));
  return g;
}

/** One legend entry: a swatch (colour, or a gradient when `ramp`) and its label. */
export interface LegendEntry {
  color: string;
  label: string;
  key: string;
  /** For a colour bar: the low and high end and the units, shown under the ramp. */
  ramp?: { low: string; high: string };
}

/** Pixels a label takes at 12 px sans-serif, generously, so that labels never meet. */
function textWidth(text: string): number {
  return text.length * 7 + 4;
}

/** Rows of legend entries within `width`, each entry as wide as its label. */
export function legendRows(entries: LegendEntry[], width: number): LegendEntry[][] {
  const rows: LegendEntry[][] = [[]];
  let used = 0;
  for (const entry of entries) {
    const w = entryWidth(entry);
    if (used + w > width && rows.at(-1)!.length > 0) {
      rows.push([]);
      used = 0;
    }
    rows.at(-1)!.push(entry);
    used += w;
  }
  return rows.filter((r) => r.length > 0);
}

function entryWidth(entry: LegendEntry): number {
  return entry.ramp ? 126 + textWidth(entry.label) + 18 : 20 + textWidth(entry.label) + 18;
}

/** Height of one legend row in pixels (a colour bar row is taller). */
export function rowHeight(row: LegendEntry[]): number {
  return row.some((e) => e.ramp) ? 36 : 22;
}

/** Draws legend rows from (`x`, `y`). */
export function legend(make: Make, rows: LegendEntry[][], x: number, y: number): Element {
  const g = make("g", { "aria-label": "legend", "font-size": 12 });
  let top = y;
  for (const row of rows) {
    let left = x;
    for (const entry of row) {
      if (entry.ramp) {
        for (let i = 0; i < 24; i++) {
          const [r, gr, b] = viridis(i / 23);
          g.appendChild(make("rect", {
            x: left + i * 5,
            y: top,
            width: 5,
            height: 10,
            fill: `rgb(${r},${gr},${b})`,
          }));
        }
        g.appendChild(make("rect", {
          x: left,
          y: top,
          width: 120,
          height: 10,
          fill: "none",
          stroke: "#444",
          "aria-label": `legend ${entry.key}`,
        }));
        g.appendChild(
          make(
            "text",
            { x: left, y: top + 22, "font-size": 10, "text-anchor": "start" },
            entry.ramp.low,
          ),
        );
        g.appendChild(
          make(
            "text",
            { x: left + 120, y: top + 22, "font-size": 10, "text-anchor": "end" },
            entry.ramp.high,
          ),
        );
        g.appendChild(
          make("text", { x: left + 126, y: top + 9, "text-anchor": "start" }, entry.label),
        );
      } else {
        g.appendChild(make("rect", {
          x: left,
          y: top,
          width: 14,
          height: 14,
          fill: entry.color,
          stroke: "#444",
          ...(entry.color === "none" ? { "stroke-dasharray": "4,2" } : {}),
          "aria-label": `legend ${entry.key}`,
        }));
        g.appendChild(
          make("text", { x: left + 20, y: top + 12, "text-anchor": "start" }, entry.label),
        );
      }
      left += entryWidth(entry);
    }
    top += rowHeight(row);
  }
  return g;
}
