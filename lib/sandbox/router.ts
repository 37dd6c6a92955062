/**
 * The twins' route table: path templates with `{name}` segments, matched segment by segment in
 * the order they were added, as the web frameworks behind the platforms match theirs. A request
 * whose path fits a route but not its method gets what a 405's `Allow` names: the first fitting
 * route's methods (Starlette) and every fitting route's methods (Werkzeug).
 *
 * @module
 */

/** Path parameters by name, still percent-encoded as they came. */
export type Params = Record<string, string>;

/** What a request's method and path find in the table. */
export type Match<H> =
  | { kind: "route"; handler: H; params: Params }
  | { kind: "method"; allow: string[]; every: string[] }
  | { kind: "none" };

interface Entry<H> {
  methods: string[];
  parts: string[];
  handler: H;
}

/**
 * A route table. A last segment `{name:path}` takes the rest of the path, slashes included
 * (Starlette's path convertor).
 *
 * @example
 * ```ts
 * import { Router } from "./router.ts";
 * const routes = new Router<(id: string) => string>()
 *   .on("GET", "/unit_jobs/{job_id}", (id) => `job ${id}`);
 * const found = routes.match("GET", "/unit_jobs/7");
 * if (found.kind === "route") console.log(found.handler(found.params.job_id));
 * ```
 */
export class Router<H> {
  #entries: Entry<H>[] = [];

  /** Adds a route for `methods` at `template` (segments such as `{job_id}` are parameters). */
  on(methods: string | string[], template: string, handler: H): this {
    this.#entries.push({
      methods: [methods].flat().map((m) => m.toUpperCase()),
      parts: template.split("/"),
      handler,
    });
    return this;
  }

  /** The route for `method` and `path`, or why there is none. */
  match(method: string, path: string): Match<H> {
    const segments = path.split("/");
    let allow: string[] | undefined;
    const every = new Set<string>();
    for (const entry of this.#entries) {
      const params = fit(entry.parts, segments);
      if (!params) continue;
      if (entry.methods.includes(method.toUpperCase())) {
        return { kind: "route", handler: entry.handler, params };
      }
      allow ??= entry.methods;
      for (const m of entry.methods) every.add(m);
    }
    return allow ? { kind: "method", allow, every: [...every] } : { kind: "none" };
  }

  /** Whether some route has this path, whatever its method. */
  knows(path: string): boolean {
    const segments = path.split("/");
    return this.#entries.some((e) => fit(e.parts, segments) !== undefined);
  }
}

function fit(parts: string[], segments: string[]): Params | undefined {
  const last = parts[parts.length - 1];
  const rest = last.startsWith("{") && last.endsWith(":path}");
  if (rest ? segments.length < parts.length : parts.length !== segments.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (rest && i === parts.length - 1) {
      const tail = segments.slice(i).join("/");
      if (tail === "") return undefined;
      params[part.slice(1, -":path}".length)] = tail;
      break;
    }
    if (part.startsWith("{") && part.endsWith("}")) {
      if (segments[i] === "") return undefined;
      params[part.slice(1, -1)] = segments[i];
    } else if (part !== segments[i]) {
      return undefined;
    }
  }
  return params;
}
