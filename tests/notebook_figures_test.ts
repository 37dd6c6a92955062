/**
 * The committed notebooks show their figures wherever people open them: every figure output
 * carries a PNG and an HTML `<img>` of it beside its SVG, and Debian's nbconvert turns each
 * notebook into HTML that shows images, not the blank boxes its sanitizer makes of SVG.
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const notebooks = [...Deno.readDirSync(`${root}notebooks`)].map((e) => e.name).filter((n) =>
  n.endsWith(".ipynb")
).sort();

type Output = { data?: Record<string, string | string[]> };
type Cell = { cell_type: string; outputs?: Output[] };

function figures(name: string): Output[] {
  const nb = JSON.parse(Deno.readTextFileSync(`${root}notebooks/${name}`)) as { cells: Cell[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) =>
    o.data && ("image/svg+xml" in o.data || "image/png" in o.data)
  );
}

Deno.test("committed notebooks: every figure output has image/png, image/svg+xml and an <img>", () => {
  let count = 0;
  for (const name of notebooks) {
    for (const o of figures(name)) {
      count++;
      const data = o.data!;
      assert.ok("image/png" in data && "image/svg+xml" in data, `${name}: ${Object.keys(data)}`);
      const html = [data["text/html"] ?? ""].flat().join("");
      assert.match(html, /^<img [^>]*src="data:image\/png;base64,/, name);
    }
  }
  assert.ok(count >= 10, `${count} figures`);
});

const nbconvert = await new Deno.Command("jupyter", { args: ["nbconvert", "--version"] }).output()
  .then((o) => o.code === 0, () => false);

Deno.test({
  name: "committed notebooks: nbconvert's HTML shows every figure as an image, none blank",
  ignore: !nbconvert && Deno.env.get("CI") !== "true",
  async fn() {
    await using dir = await tempDir();
    for (const name of notebooks) {
      const r = await new Deno.Command("jupyter", {
        args: ["nbconvert", "--to", "html", "--output-dir", dir.path, `${root}notebooks/${name}`],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      const html = await Deno.readTextFile(`${dir.path}/${name.replace(/\.ipynb$/, ".html")}`);
      const images = html.match(/<img [^>]*src="data:image\/png;base64,[A-Za-z0-9+/=]{100,}/g) ??
        [];
      assert.equal(images.length, figures(name).length, `${name}: ${images.length} images`);
      assert.doesNotMatch(
        html,
        /<div class="output_svg[^>]*>\s*<\/div>/,
        `${name}: a blank SVG box`,
      );
    }
  },
});
