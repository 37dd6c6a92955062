/**
 * A rendered plot: shows itself inline in Jupyter and saves as SVG or standalone HTML.
 *
 * @module
 */

/**
 * An SVG figure.
 *
 * @example
 * ```ts
 * import { Figure } from "./figure.ts";
 * const f = new Figure('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>', "empty");
 * console.assert(f.toString().startsWith("<svg"));
 * ```
 */
export class Figure {
  /** The SVG markup. */
  readonly svg: string;
  /** A title for files and pages. */
  readonly title: string;

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

  /** MIME bundle for Jupyter and `Deno.jupyter.display`. */
  bundle(): Record<string, string> {
    return { "image/svg+xml": this.svg, "text/plain": this.title };
  }

  /** Writes `.svg` or `.html` (by the path's ending); returns the path. */
  async save(path: string): Promise<string> {
    let text: string;
    if (path.endsWith(".svg")) text = this.svg;
    else if (path.endsWith(".html")) text = this.toHtml();
    else throw new RangeError(`save: "${path}" must end in .svg or .html`);
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir !== path) await Deno.mkdir(dir, { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
    return path;
  }

  /** Jupyter shows the figure inline. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return this.bundle();
  }
}
