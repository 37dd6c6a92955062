/**
 * The few HTML pages the sandbox shows a person: sign-in, device approval, messages.
 *
 * @module
 */

/** Escapes text for HTML. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small complete HTML page. */
export function page(title: string, body: string, status = 200): Response {
  return new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>` +
      `<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}` +
      `label{display:block;margin:.5em 0}.error{color:#b00}</style></head>` +
      `<body><h1>${esc(title)}</h1>${body}</body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

/** A form with hidden fields, username and password inputs, and an optional error line. */
export function credentialsForm(
  action: string,
  hidden: Record<string, string>,
  error?: string,
  extra = "",
): string {
  const fields = Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
  return (error ? `<p class="error" id="error">${esc(error)}</p>` : "") +
    `<form method="post" action="${esc(action)}">${fields}${extra}` +
    `<label>Username <input name="username" autocomplete="username"></label>` +
    `<label>Password <input name="password" type="password"></label>` +
    `<button type="submit">Sign in</button></form>`;
}
