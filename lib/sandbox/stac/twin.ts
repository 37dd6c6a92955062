/**
 * A twin of a STAC catalogue that takes publications, as the APEx Product Catalogue (stac-fastapi
 * with the Transactions extension) answers them, under `/stac`; and an object store under
 * `/store` that takes uploads (HTTP PUT with a bearer token) and serves them.
 *
 * - Reads are public: landing page, conformance, collections, items (paged with a `next` link),
 *   `GET`/`POST /search` with `collections`, `ids`, `bbox`, `datetime` and `limit`.
 * - Writes need a bearer token of the `apex` realm (any grant; the APEx workshop uses client
 *   credentials, client `apex-catalogue-publisher`): `POST /collections` (409 when it exists),
 *   `PUT`/`DELETE /collections/{id}`, `POST /collections/{id}/items` (409 when it exists, 404
 *   without its collection), `PUT`/`DELETE /collections/{id}/items/{item}`.
 * - Errors are stac-fastapi's: `{code, description}` with the exception's name (`ConflictError`,
 *   `NotFoundError`), and a request that fails validation is a 400 with `{detail, body}`.
 *   Without a token: 401 `{"detail": "Not authenticated"}`, as the proxy in front answers.
 *
 * @module
 */
import { serveBytes } from "../files/range.ts";
import { Router } from "../router.ts";
import type { SandboxContext, SandboxMount } from "../server.ts";

/** Where the catalogue answers. */
export const PREFIX = "/stac";
/** Where the object store answers. */
export const STORE_PREFIX = "/store";
/** The realm whose tokens may write, and the confidential client a publisher signs in with. */
export const CATALOGUE_REALM = "apex";
export const PUBLISHER_CLIENT = { id: "apex-catalogue-publisher", secret: "sandbox-publisher" };

type Json = Record<string, unknown>;
import type { BBox } from "../../geo/types.ts";

const CONFORMANCE = [
  "https://api.stacspec.org/v1.0.0/core",
  "https://api.stacspec.org/v1.0.0/collections",
  "https://api.stacspec.org/v1.0.0/ogcapi-features",
  "https://api.stacspec.org/v1.0.0/item-search",
  "https://api.stacspec.org/v1.0.0/ogcapi-features/extensions/transaction",
  "https://api.stacspec.org/v1.0.0/collections/extensions/transaction",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];

/** The catalogue twin: its stored documents, for tests. */
export interface StacTwin extends SandboxMount {
  collections: Map<string, Json>;
  /** Items by collection, then id. */
  items: Map<string, Map<string, Json>>;
  /** Writes received, in order (`POST /collections`, `PUT …/items/x`). */
  writes: string[];
}

function error(status: number, code: string, description: string): Response {
  return Response.json({ code, description }, { status });
}

function invalid(body: unknown, loc: string[], msg: string): Response {
  return Response.json({ detail: [{ type: "value_error", loc, msg, input: body }], body }, {
    status: 400,
  });
}

function overlaps(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

function timeOf(item: Json): [number, number] {
  const p = (item.properties ?? {}) as Json;
  const start = Date.parse(String(p.start_datetime ?? p.datetime));
  const end = Date.parse(String(p.end_datetime ?? p.datetime));
  return [start, end];
}

function inInterval(item: Json, datetime: string | null): boolean {
  if (!datetime) return true;
  const [from, to] = datetime.includes("/") ? datetime.split("/") : [datetime, datetime];
  const lo = from === ".." || from === "" ? -Infinity : Date.parse(from);
  const hi = to === ".." || to === "" ? Infinity : Date.parse(to);
  const [s, e] = timeOf(item);
  return e >= lo && s <= hi;
}

/** Whether a request carries a valid access token of the catalogue's realm. */
async function authorized(ctx: SandboxContext, request: Request): Promise<boolean> {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  return token ? (await ctx.oidc.verifyAccess(CATALOGUE_REALM, token)) !== undefined : false;
}

/** Mounts the catalogue. */
export function stacTwin(): (ctx: SandboxContext) => StacTwin {
  return (ctx) => {
    ctx.oidc.addClient(CATALOGUE_REALM, PUBLISHER_CLIENT);
    const collections = new Map<string, Json>();
    const items = new Map<string, Map<string, Json>>();
    const writes: string[] = [];
    const base = `${ctx.origin}${PREFIX}`;
    const unauthorized = () => Response.json({ detail: "Not authenticated" }, { status: 401 });

    /** The server's own links on a stored document; the publisher's relative ones are dropped. */
    const keptLinks = (doc: Json) =>
      ((doc.links ?? []) as Json[]).filter((l) =>
        !["self", "root", "parent", "collection", "items", "item"].includes(String(l.rel))
      );
    const collectionOut = (c: Json): Json => ({
      ...c,
      links: [
        { rel: "self", type: "application/json", href: `${base}/collections/${c.id}` },
        { rel: "parent", type: "application/json", href: `${base}/` },
        { rel: "root", type: "application/json", href: `${base}/` },
        { rel: "items", type: "application/geo+json", href: `${base}/collections/${c.id}/items` },
        ...keptLinks(c),
      ],
    });
    const itemOut = (i: Json): Json => ({
      ...i,
      links: [
        {
          rel: "self",
          type: "application/geo+json",
          href: `${base}/collections/${i.collection}/items/${i.id}`,
        },
        { rel: "parent", type: "application/json", href: `${base}/collections/${i.collection}` },
        {
          rel: "collection",
          type: "application/json",
          href: `${base}/collections/${i.collection}`,
        },
        { rel: "root", type: "application/json", href: `${base}/` },
        ...keptLinks(i),
      ],
    });

    const checkCollection = (body: unknown): Response | undefined => {
      const c = body as Json;
      if (!c || typeof c !== "object") return invalid(body, ["body"], "Input should be an object");
      if (typeof c.id !== "string" || !c.id) return invalid(body, ["body", "id"], "Field required");
      if (c.type !== "Collection") {
        return invalid(body, ["body", "type"], "Input should be 'Collection'");
      }
      for (const k of ["description", "license", "extent"]) {
        if (c[k] === undefined) return invalid(body, ["body", k], "Field required");
      }
      return undefined;
    };
    const checkItem = (body: unknown): Response | undefined => {
      const i = body as Json;
      if (!i || typeof i !== "object") return invalid(body, ["body"], "Input should be an object");
      if (typeof i.id !== "string" || !i.id) return invalid(body, ["body", "id"], "Field required");
      if (i.type !== "Feature") return invalid(body, ["body", "type"], "Input should be 'Feature'");
      for (const k of ["geometry", "properties", "assets", "bbox"]) {
        if (i[k] === undefined) return invalid(body, ["body", k], "Field required");
      }
      const p = i.properties as Json;
      if (p.datetime == null && (p.start_datetime == null || p.end_datetime == null)) {
        return invalid(
          body,
          ["body", "properties", "datetime"],
          "start_datetime and end_datetime must be specified when datetime is null",
        );
      }
      return undefined;
    };

    const page = (all: Json[], url: URL, path: string): Json => {
      const limit = Math.min(
        10_000,
        Math.max(1, Number(url.searchParams.get("limit") ?? 10) || 10),
      );
      const offset = Math.max(0, Number(url.searchParams.get("token")?.replace(/^next:/, "") ?? 0));
      const chosen = all.slice(offset, offset + limit);
      const links: Json[] = [{ rel: "root", type: "application/json", href: `${base}/` }];
      if (offset + limit < all.length) {
        const next = new URL(`${base}${path}`);
        url.searchParams.forEach((v, k) => k !== "token" && next.searchParams.set(k, v));
        next.searchParams.set("token", `next:${offset + limit}`);
        links.push({
          rel: "next",
          type: "application/geo+json",
          method: "GET",
          href: String(next),
        });
      }
      return {
        type: "FeatureCollection",
        features: chosen.map(itemOut),
        links,
        numberMatched: all.length,
        numberReturned: chosen.length,
      };
    };

    const search = (
      url: URL,
      q: { collections?: string[]; ids?: string[]; bbox?: BBox; datetime?: string | null },
    ): Json => {
      const found: Json[] = [];
      for (const [cid, byId] of items) {
        if (q.collections?.length && !q.collections.includes(cid)) continue;
        for (const item of byId.values()) {
          if (q.ids?.length && !q.ids.includes(String(item.id))) continue;
          if (q.bbox && !overlaps(item.bbox as BBox, q.bbox)) continue;
          if (!inInterval(item, q.datetime ?? null)) continue;
          found.push(item);
        }
      }
      return page(found, url, "/search");
    };

    const routes = new Router<string>()
      .on("GET", "/", "landing")
      .on("GET", "", "landing")
      .on("GET", "/conformance", "conformance")
      .on(["GET", "POST"], "/collections", "collections")
      .on(["GET", "PUT", "DELETE"], "/collections/{cid}", "collection")
      .on(["GET", "POST"], "/collections/{cid}/items", "items")
      .on(["GET", "PUT", "DELETE"], "/collections/{cid}/items/{iid}", "item")
      .on(["GET", "POST"], "/search", "search");

    const json = async (request: Request): Promise<unknown> => {
      try {
        return await request.json();
      } catch {
        return undefined;
      }
    };

    const catalogue = async (request: Request, url: URL): Promise<Response> => {
      const path = url.pathname.slice(PREFIX.length);
      const method = request.method;
      const found = routes.match(method, path);
      if (found.kind === "none") return Response.json({ detail: "Not Found" }, { status: 404 });
      if (found.kind === "method") {
        return Response.json({ detail: "Method Not Allowed" }, {
          status: 405,
          headers: { allow: found.allow.join(", ") },
        });
      }
      const cid = found.params.cid && decodeURIComponent(found.params.cid);
      const iid = found.params.iid && decodeURIComponent(found.params.iid);
      if (method !== "GET" && found.handler !== "search" && !(await authorized(ctx, request))) {
        return unauthorized();
      }
      switch (found.handler) {
        case "landing":
          return Response.json({
            type: "Catalog",
            id: "eojobs-sandbox-catalogue",
            title: "eojobs sandbox catalogue (synthetic data)",
            description: "A STAC API twin of a product catalogue, for offline publishing.",
            stac_version: "1.0.0",
            conformsTo: CONFORMANCE,
            links: [
              { rel: "self", type: "application/json", href: `${base}/` },
              { rel: "root", type: "application/json", href: `${base}/` },
              { rel: "data", type: "application/json", href: `${base}/collections` },
              { rel: "conformance", type: "application/json", href: `${base}/conformance` },
              {
                rel: "search",
                type: "application/geo+json",
                method: "GET",
                href: `${base}/search`,
              },
              {
                rel: "search",
                type: "application/geo+json",
                method: "POST",
                href: `${base}/search`,
              },
              ...[...collections.keys()].map((id) => ({
                rel: "child",
                type: "application/json",
                href: `${base}/collections/${id}`,
              })),
            ],
          });
        case "conformance":
          return Response.json({ conformsTo: CONFORMANCE });
        case "collections": {
          if (method === "GET") {
            return Response.json({
              collections: [...collections.values()].map(collectionOut),
              links: [
                { rel: "root", type: "application/json", href: `${base}/` },
                { rel: "self", type: "application/json", href: `${base}/collections` },
              ],
            });
          }
          const body = await json(request);
          const bad = checkCollection(body);
          if (bad) return bad;
          const c = body as Json;
          if (collections.has(String(c.id))) {
            return error(409, "ConflictError", `Collection ${c.id} already exists`);
          }
          collections.set(String(c.id), c);
          items.set(String(c.id), new Map());
          writes.push(`POST /collections ${c.id}`);
          return Response.json(collectionOut(c), { status: 201 });
        }
        case "collection": {
          const c = collections.get(cid);
          if (method === "PUT") {
            const body = await json(request);
            const bad = checkCollection(body);
            if (bad) return bad;
            if (!c) return error(404, "NotFoundError", `Collection ${cid} not found`);
            if ((body as Json).id !== cid) {
              return invalid(body, ["body", "id"], `Collection id does not match ${cid}`);
            }
            collections.set(cid, body as Json);
            writes.push(`PUT /collections/${cid}`);
            return Response.json(collectionOut(body as Json));
          }
          if (!c) return error(404, "NotFoundError", `Collection ${cid} not found`);
          if (method === "DELETE") {
            collections.delete(cid);
            items.delete(cid);
            writes.push(`DELETE /collections/${cid}`);
            return Response.json({ deleted_collection: cid });
          }
          return Response.json(collectionOut(c));
        }
        case "items": {
          const byId = items.get(cid);
          if (!byId) return error(404, "NotFoundError", `Collection ${cid} does not exist`);
          if (method === "GET") {
            const bbox = url.searchParams.get("bbox")?.split(",").map(Number) as BBox | undefined;
            return Response.json(
              page(
                [...byId.values()].filter((i) =>
                  (!bbox || overlaps(i.bbox as BBox, bbox)) &&
                  inInterval(i, url.searchParams.get("datetime"))
                ),
                url,
                `/collections/${cid}/items`,
              ),
              { headers: { "content-type": "application/geo+json" } },
            );
          }
          const body = await json(request);
          const bad = checkItem(body);
          if (bad) return bad;
          const item: Json = { ...(body as Json), collection: cid };
          if (byId.has(String(item.id))) {
            return error(
              409,
              "ConflictError",
              `Item ${item.id} in collection ${cid} already exists`,
            );
          }
          byId.set(String(item.id), item);
          writes.push(`POST /collections/${cid}/items ${item.id}`);
          return Response.json(itemOut(item), { status: 201 });
        }
        case "item": {
          const byId = items.get(cid);
          if (!byId) return error(404, "NotFoundError", `Collection ${cid} does not exist`);
          const item = byId.get(iid);
          if (method === "PUT") {
            const body = await json(request);
            const bad = checkItem(body);
            if (bad) return bad;
            if ((body as Json).id !== iid) {
              return invalid(body, ["body", "id"], `Item id does not match ${iid}`);
            }
            if (!item) {
              return error(404, "NotFoundError", `Item ${iid} in collection ${cid} not found`);
            }
            const updated = { ...(body as Json), collection: cid };
            byId.set(iid, updated);
            writes.push(`PUT /collections/${cid}/items/${iid}`);
            return Response.json(itemOut(updated));
          }
          if (!item) {
            return error(404, "NotFoundError", `Item ${iid} in collection ${cid} not found`);
          }
          if (method === "DELETE") {
            byId.delete(iid);
            writes.push(`DELETE /collections/${cid}/items/${iid}`);
            return Response.json({ deleted_item: iid });
          }
          return Response.json(itemOut(item), {
            headers: { "content-type": "application/geo+json" },
          });
        }
        default: {
          const list = (v: unknown) =>
            typeof v === "string"
              ? v.split(",").filter(Boolean)
              : Array.isArray(v)
              ? v.map(String)
              : undefined;
          if (method === "POST") {
            const b = ((await json(request)) ?? {}) as Json;
            if (b.limit !== undefined) url.searchParams.set("limit", String(b.limit));
            if (b.token !== undefined) url.searchParams.set("token", String(b.token));
            return Response.json(
              search(url, {
                collections: list(b.collections),
                ids: list(b.ids),
                bbox: b.bbox as BBox | undefined,
                datetime: (b.datetime as string | undefined) ?? null,
              }),
              { headers: { "content-type": "application/geo+json" } },
            );
          }
          const q = url.searchParams;
          return Response.json(
            search(url, {
              collections: list(q.get("collections") ?? undefined),
              ids: list(q.get("ids") ?? undefined),
              bbox: q.get("bbox")?.split(",").map(Number) as BBox | undefined,
              datetime: q.get("datetime"),
            }),
            { headers: { "content-type": "application/geo+json" } },
          );
        }
      }
    };

    return { prefix: PREFIX, handle: catalogue, collections, items, writes };
  };
}

/** The object store twin: its objects, for tests. */
export interface ObjectStoreTwin extends SandboxMount {
  objects: Map<string, { bytes: Uint8Array; type: string }>;
  writes: string[];
}

/**
 * Mounts an object store: `PUT /store/{key}` with a bearer token of the catalogue's realm keeps
 * the body (403 without), `GET`/`HEAD` serve it to anyone (with ranges), as a public bucket does.
 */
export function objectStoreTwin(): (ctx: SandboxContext) => ObjectStoreTwin {
  return (ctx) => {
    const objects = new Map<string, { bytes: Uint8Array; type: string }>();
    const writes: string[] = [];
    const store = async (request: Request, url: URL): Promise<Response> => {
      const key = decodeURIComponent(url.pathname.slice(STORE_PREFIX.length + 1));
      if (!key || key.split("/").some((p) => p === ".." || p === "")) {
        return Response.json({ Code: "InvalidKey", Message: "The key is not valid." }, {
          status: 400,
        });
      }
      if (request.method === "PUT") {
        if (!(await authorized(ctx, request))) {
          return Response.json({ Code: "AccessDenied", Message: "Access Denied" }, { status: 403 });
        }
        const bytes = new Uint8Array(await request.arrayBuffer());
        objects.set(key, {
          bytes,
          type: request.headers.get("content-type") ?? "application/octet-stream",
        });
        writes.push(`PUT /store/${key}`);
        return new Response(null, { status: 200, headers: { etag: `"${bytes.length}"` } });
      }
      const object = objects.get(key);
      if (!object) {
        return Response.json({ Code: "NoSuchKey", Message: "The specified key does not exist." }, {
          status: 404,
        });
      }
      if (request.method === "HEAD") {
        return new Response(null, {
          headers: { "content-length": String(object.bytes.length), "content-type": object.type },
        });
      }
      return serveBytes(request, object.bytes, object.type);
    };

    return { prefix: STORE_PREFIX, handle: store, objects, writes };
  };
}
