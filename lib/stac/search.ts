/**
 * Item search on a STAC API (`POST /search`), page after page by the `next` links, as
 * pystac-client's `ItemSearch.items()` does.
 *
 * @module
 */
import { HttpClient } from "../http/client.ts";
import { pageGuard } from "../http/pages.ts";
import type { TokenSource } from "../http/token.ts";
import type { Json } from "./build.ts";

/** What to search for. */
export interface StacSearch {
  /** Only Items of these Collections. */
  collections?: string[];
  /** Only these Item ids. */
  ids?: string[];
  /** `[west, south, east, north]` in degrees. */
  bbox?: [number, number, number, number];
  /** An instant or an interval, `2023-05-01T00:00:00Z/2023-09-30T23:59:59Z`, `..` open. */
  datetime?: string;
  /** Items per page. @default 100 */
  limit?: number;
  /** A bearer token, for catalogues that want one to read. */
  auth?: TokenSource;
  /** Aborts the search. */
  signal?: AbortSignal;
}

/**
 * Every Item that matches, fetched a page at a time.
 *
 * @example
 * ```ts ignore
 * import { searchStac } from "./search.ts";
 * for await (const item of searchStac("https://stac.example/", { collections: ["pv-run-1"] })) {
 *   console.log(item.id);
 * }
 * ```
 */
export async function* searchStac(
  catalog: string | URL,
  search: StacSearch = {},
): AsyncGenerator<Json> {
  const http = new HttpClient({ baseUrl: catalog, auth: search.auth });
  const { auth: _, signal, ...query } = search;
  let body: Json | undefined = { limit: 100, ...query };
  let url: string | URL = "search";
  const visit = pageGuard("STAC search");
  while (body) {
    const page: Json = await http.json<Json>(url, {
      method: "POST",
      json: body,
      signal,
      retrySafe: true,
    });
    for (const f of (page.features ?? []) as Json[]) yield f;
    const next: Json | undefined = ((page.links ?? []) as Json[]).find((l) => l.rel === "next");
    if (!next) break;
    const href = String(next.href);
    visit(href + (next.body ? ` ${JSON.stringify(next.body)}` : ""));
    url = href;
    const token = new URL(href).searchParams.get("token");
    body = String(next.method ?? "GET").toUpperCase() === "POST" && next.body
      ? next.body as Json
      : { ...body, ...(token ? { token } : {}) };
  }
}
