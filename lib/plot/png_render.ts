/**
 * SVG figures as PNG, with resvg (WebAssembly): the picture that every notebook viewer shows,
 * trusted or not (untrusted Jupyter and code hosts refuse SVG; nbconvert's HTML blanks it).
 * Text is set in DejaVu Sans (or Liberation Sans) from the system's fonts; where none is found,
 * the picture is drawn without its text and says so once.
 *
 * @module
 */
import { initWasm, Resvg, resvgWasm } from "../deps/resvg.ts";

const FONT_DIRS = [
  "/usr/share/fonts",
  "/usr/local/share/fonts",
  `${Deno.env.get("HOME") ?? ""}/.fonts`,
  `${Deno.env.get("HOME") ?? ""}/.local/share/fonts`,
  "/Library/Fonts",
  "/System/Library/Fonts",
  "C:\\Windows\\Fonts",
];
const WANTED =
  /^(DejaVuSans(-Bold)?|LiberationSans-(Regular|Bold)|Arial( Bold)?|arial(bd)?)\.ttf$/i;

function findFonts(dir: string, depth = 0): string[] {
  const found: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory && depth < 4) found.push(...findFonts(path, depth + 1));
      else if (WANTED.test(e.name)) found.push(path);
    }
  } catch { /* no such folder, or no permission: look elsewhere */ }
  return found;
}

/** The fonts text is set in, found once. */
function fonts(): { buffers: Uint8Array[]; family?: string } {
  if (found) return found;
  const paths = FONT_DIRS.flatMap((d) => findFonts(d));
  if (paths.length === 0) {
    console.warn(
      "png: no DejaVu Sans or Liberation Sans font found; PNG figures have no text (Debian: apt-get install fonts-dejavu-core)",
    );
  }
  const family = paths.some((p) => /DejaVu/i.test(p))
    ? "DejaVu Sans"
    : paths.some((p) => /Liberation/i.test(p))
    ? "Liberation Sans"
    : paths.length
    ? "Arial"
    : undefined;
  return found = { buffers: paths.map((p) => Deno.readFileSync(p)), family };
}
let found: { buffers: Uint8Array[]; family?: string } | undefined;

// Instantiated once, when plotting is imported, so that a figure renders synchronously when a
// notebook shows it.
await initWasm(resvgWasm);

/**
 * Renders SVG markup as PNG bytes, `scale` times its size (2 for sharp figures on high-density
 * screens).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { svgToPng } from "./png_render.ts";
 * const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="4" height="2" fill="red"/></svg>');
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
 * ```
 */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const { buffers, family } = fonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: {
      fontBuffers: buffers,
      loadSystemFonts: false,
      ...(family ? { defaultFontFamily: family, sansSerifFamily: family } : {}),
    },
  });
  try {
    return resvg.render().asPng();
  } finally {
    resvg.free();
  }
}
