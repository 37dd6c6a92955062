/**
 * A rendered plot: shows itself inline in Jupyter and saves as SVG, PNG or standalone HTML.
 *
 * In a notebook a figure carries a PNG beside its SVG, and its HTML form is that PNG as an image:
 * Jupyter ranks HTML first, untrusted notebooks and JupyterLab refuse SVG, code hosts and
 * Debian's nbconvert (whose sanitizer blanks SVG) show an `<img>`, so every viewer shows the
 * picture. The SVG stays in the output for those who read it; tooltips and zoom live in the
 * interactive map (`interactiveMap`).
 *
 * @module
 */
import { inJupyter } from "../auth/show_link.ts";
import { base64 } from "./png.ts";
import { svgToPng } from "./png_render.ts";
import { InputError } from "../input_error.ts";

/**
 * An SVG figure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure } from "./figure.ts";
 * const f = new Figure('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>', "empty");
 * assert.ok(f.toString().startsWith("<svg"));
 * ```
 */
export class Figure {
  /** The SVG markup. */
  readonly svg: string;
  /** A title for files and pages. */
  readonly title: string;
  #png?: Uint8Array;

  /** Wraps rendered SVG markup. */
  constructor(svg: string, title = "eojobs figure") {
    this.svg = svg.includes("xmlns=")
      ? svg
      : svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
    this.title = title;
  }

  /** The SVG markup. */
  toString(): string {
    return this.svg;
  }

  /** A standalone HTML page showing the figure. */
  toHtml(): string {
    const title = this.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
      `<body style="font-family:sans-serif;margin:1em">${this.svg}</body></html>\n`;
  }

  /**
   * The PNG: twice the SVG's size for sharp lines and text, the SVG's own size when it holds a
   * raster image (whose pixels doubling would only make large). Rendered on first use and kept.
   */
  get png(): Uint8Array {
    return this.#png ??= svgToPng(this.svg, this.svg.includes("<image") ? 1 : 2);
  }

  /**
   * MIME bundle for Jupyter and `Deno.jupyter.display`: the SVG, and in a notebook also the PNG
   * and an HTML `<img>` of it, which every notebook viewer shows.
   */
  bundle(): Record<string, string> {
    if (!inJupyter() && !this.#png) return { "image/svg+xml": this.svg, "text/plain": this.title };
    const png = base64(this.png);
    const width = this.svg.match(/<svg[^>]*\swidth="([\d.]+)"/)?.[1];
    const alt = this.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return {
      "text/html": `<img alt="${alt}" ${
        width ? `width="${width}" ` : ""
      }src="data:image/png;base64,${png}">`,
      "image/png": png,
      "image/svg+xml": this.svg,
      "text/plain": this.title,
    };
  }

  /** Writes `.svg`, `.png` or `.html` (by the path's ending); returns the path. */
  async save(path: string): Promise<string> {
    let text: string | Uint8Array;
    if (path.endsWith(".svg")) text = this.svg;
    else if (path.endsWith(".html")) text = this.toHtml();
    else if (path.endsWith(".png")) text = this.png;
    else {
      throw new InputError(
        "save",
        `"${path}" must end in .svg, .png or .html`,
        "name the file for the format wanted",
      );
    }
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir !== path) await Deno.mkdir(dir, { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    if (typeof text === "string") await Deno.writeTextFile(temp, text);
    else await Deno.writeFile(temp, text);
    await Deno.rename(temp, path);
    return path;
  }

  /** Jupyter shows the figure inline. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return this.bundle();
  }
}
