/// <reference lib="dom" />
/**
 * Time series from CSV outputs (Sen2Cube's single-line and one-line-per-polygon graphs) with
 * Observable Plot.
 *
 * @module
 */
import * as Plot from "../deps/plot.ts";
import { plotDocument } from "./dom.ts";
import { Figure } from "./figure.ts";
import { InputError } from "../input_error.ts";

/** A CSV row: numbers where the text is a number. */
export type CsvRow = Record<string, string | number>;

/**
 * Parses CSV with a header row (no quoted commas, as the platforms write it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCsv } from "./timeseries.ts";
 * const rows = parseCsv("time,v\n2021-03-01,4.5\n");
 * assert.ok(rows[0].v === 4.5);
 * ```
 */
export function parseCsv(text: string): CsvRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const header = lines[0].split(",").map((h) => h.trim());
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new SyntaxError(
        `CSV line ${i + 2}: ${cells.length} values for ${header.length} columns (${
          header.join(", ")
        })`,
      );
    }
    return Object.fromEntries(header.map((h, k) => {
      const v = cells[k].trim();
      return [h, v !== "" && Number.isFinite(Number(v)) ? Number(v) : v];
    }));
  });
}

/** Options of {@linkcode timeSeriesFigure}. */
export interface TimeSeriesOptions {
  /** Column of the time. Default `time`. */
  x?: string;
  /** Column of the value. */
  y: string;
  /** Column that splits the rows into lines (one per polygon). */
  series?: string;
  /** Title. */
  title?: string;
  /** Width in pixels. Default 640. */
  width?: number;
  /** Unit or label of the y axis. Default the column name. */
  yLabel?: string;
}

/**
 * A line chart of a time series, one line per `series` value, each labelled at its end.
 *
 * @example
 * ```ts ignore
 * import { parseCsv, timeSeriesFigure } from "./timeseries.ts";
 * await timeSeriesFigure(parseCsv(text), { y: "cloud_percentage_aoi", title: "Cloud cover" });
 * ```
 */
export function timeSeriesFigure(rows: CsvRow[], options: TimeSeriesOptions): Figure {
  const x = options.x ?? "time";
  const missing = [x, options.y, options.series].filter((c): c is string =>
    !!c && rows.length > 0 && !(c in rows[0])
  );
  if (missing.length) {
    throw new InputError(
      "timeSeriesFigure",
      `no column ${missing.join(", ")}`,
      `name columns the rows have: ${Object.keys(rows[0]).join(", ")}`,
    );
  }
  const data = rows.map((r) => ({ ...r, [x]: new Date(String(r[x])) }));
  const series = options.series;
  const marks: Plot.Markish[] = [
    Plot.ruleY([0]),
    Plot.lineY(data, {
      x,
      y: options.y,
      stroke: series ?? "steelblue",
      z: series,
      strokeWidth: 1.6,
      tip: true,
    }),
    Plot.dot(data, { x, y: options.y, fill: series ?? "steelblue", r: 1.8 }),
  ];
  if (series) {
    marks.push(
      Plot.text(
        data,
        Plot.selectLast({
          x,
          y: options.y,
          z: series,
          text: series,
          textAnchor: "start",
          dx: 4,
          fill: series,
        }),
      ),
    );
  }
  const width = options.width ?? 640;
  const plot = Plot.plot({
    document: plotDocument(),
    width,
    marginRight: series ? 120 : 60,
    marginTop: 30,
    y: { grid: true, label: options.yLabel ?? options.y },
    x: { label: x },
    color: series ? { type: "categorical" } : undefined,
    marks,
    style: { background: "white", fontFamily: "sans-serif" },
  }) as unknown as SVGSVGElement;
  if (!options.title) return new Figure(plot.outerHTML, options.title);
  // The title gets its own band above the plot, so it never meets the y axis's label.
  const ns = "http://www.w3.org/2000/svg";
  const doc = plotDocument();
  const band = 30;
  const height = Number(plot.getAttribute("height")) + band;
  const svg = doc.createElementNS(ns, "svg");
  for (
    const [k, v] of Object.entries({
      xmlns: ns,
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      style: "background: white; font-family: sans-serif",
    })
  ) svg.setAttribute(k, String(v));
  const title = doc.createElementNS(ns, "text");
  for (
    const [k, v] of Object.entries({
      x: 10,
      y: 20,
      "font-size": 15,
      "font-weight": "bold",
      "text-anchor": "start",
    })
  ) title.setAttribute(k, String(v));
  title.textContent = options.title;
  svg.appendChild(title);
  const g = doc.createElementNS(ns, "g");
  g.setAttribute("transform", `translate(0,${band})`);
  g.appendChild(plot);
  svg.appendChild(g);
  return new Figure(svg.outerHTML, options.title);
}
