/**
 * Shows a sign-in link to a person: a clickable HTML link in a Jupyter kernel, a line on the
 * terminal otherwise.
 *
 * @module
 */

/** True inside a `deno jupyter` kernel. */
export function inJupyter(): boolean {
  try {
    // The getter throws outside the kernel.
    return typeof (Deno as unknown as { jupyter?: unknown }).jupyter === "object";
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Shows `url` with a short instruction.
 *
 * @example
 * ```ts ignore
 * import { showLink } from "./show_link.ts";
 * await showLink("Sign in to APEx", new URL("https://auth.apex.esa.int/..."));
 * ```
 */
export async function showLink(label: string, url: URL | string, note = ""): Promise<void> {
  if (inJupyter()) {
    const jupyter = (Deno as unknown as {
      jupyter: { display(obj: Record<string, string>, opts: { raw: boolean }): Promise<void> };
    }).jupyter;
    await jupyter.display({
      "text/html": `<p><a href="${escapeHtml(String(url))}" target="_blank" rel="noopener">${
        escapeHtml(label)
      }</a>${note ? ` ${escapeHtml(note)}` : ""}</p>`,
      "text/plain": `${label}: ${url}${note ? ` ${note}` : ""}`,
    }, { raw: true });
    return;
  }
  console.log(`${label}: ${url}${note ? `\n${note}` : ""}`);
}
