/**
 * Publishes a run's STAC folder to a STAC API with the Transactions extension (stac-fastapi, as
 * the APEx Product Catalogue runs it): the Collection, then every Item, each created or, when it
 * exists, updated; so a second publish creates nothing new and an interrupted one resumes. Assets
 * point at permanent URLs: the platform's own where it does not expire, else the file uploaded to
 * an object store the caller names (HTTP PUT, skipped when the store already holds that size).
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";
import { HttpClient } from "../http/client.ts";
import { HttpError } from "../http/errors.ts";
import type { TokenSource } from "../http/token.ts";
import type { Json } from "./build.ts";

/** Options of {@linkcode publishStac}. */
export interface PublishOptions {
  /** The STAC API's root, such as `https://catalogue.example/stac/`. */
  catalog: string | URL;
  /** A bearer token or provider (an `OidcSession` from any grant; client credentials for APEx). */
  auth?: TokenSource;
  /**
   * Where to upload asset files that have no permanent URL: a bucket URL that takes `PUT
   * {url}/{collection}/{path}` (a presigned prefix, an S3-style endpoint, or the sandbox's
   * `/store`). Without it, such assets are an error that says so.
   */
  store?: { url: string | URL; auth?: TokenSource };
  /** Aborts publishing; what was sent stays, and the next publish goes on from there. */
  signal?: AbortSignal;
  /** Called after each document. */
  onProgress?: (done: number, total: number, id: string) => void;
  /** The fetch to use. */
  fetch?: typeof fetch;
}

/** What {@linkcode publishStac} did. */
export interface PublishResult {
  /** The Collection's URL in the catalogue. */
  url: string;
  /** Whether the Collection was created or updated. */
  collection: "created" | "updated";
  /** Items created and updated. */
  items: { created: number; updated: number };
  /** Files uploaded to the store (files it already held are not counted). */
  uploaded: number;
}

/**
 * A catalogue or store that refused a document: `document` names it, the message says the fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PublishError } from "./publish.ts";
 * assert.equal(new PublishError("no", "item x", 401).status, 401);
 * ```
 */
export class PublishError extends Error {
  /** Always `"PublishError"`. */
  override name = "PublishError";
  /** The Collection or Item (or asset file) it is about. */
  readonly document: string;
  /** The HTTP status, when there was one. */
  readonly status?: number;

  /** A refusal of `document`, with the HTTP status when there was one. */
  constructor(message: string, document: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.document = document;
    this.status = status;
  }
}

const FIXES: Record<number, string> = {
  401: "sign in again (the token is missing or expired); for APEx use a client-credentials session",
  403: "the account may not write to this catalogue; ask its operators for publishing rights",
  404: "the collection is not in the catalogue; publish the collection first",
  409: "it exists and could not be updated; delete it in the catalogue or choose another id",
  422: "the catalogue refuses the document; validate it against the STAC schemas",
  400: "the catalogue refuses the document; validate it against the STAC schemas",
};

function refused(e: unknown, what: string, who = "catalogue"): never {
  if (e instanceof HttpError) {
    const detail = e.detail ?? e.message;
    const fix = who === "store" && e.status === 403
      ? "the token may not write to this store; give store.auth, or a presigned URL"
      : FIXES[e.status] ?? "try again later";
    throw new PublishError(
      `${what}: the ${who} answered ${e.status} (${detail}); ${fix}`,
      what,
      e.status,
      { cause: e },
    );
  }
  throw e;
}

async function readJson(path: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** The links a catalogue makes for itself; the folder's relative ones mean nothing there. */
const OWN_RELS = new Set(["self", "root", "parent", "collection", "item", "items", "child"]);

/**
 * Publishes the STAC folder whose `collection.json` is at `collectionPath`.
 *
 * @throws {PublishError} naming the document and the fix when the catalogue or store refuses.
 * @example
 * ```ts ignore
 * import { publishStac } from "./publish.ts";
 * const done = await publishStac("out/run-1/stac/collection.json", {
 *   catalog: "https://stac.example/", auth: session, store: { url: "https://bucket.example/results" },
 * });
 * console.log(done.url, done.items.created, done.items.updated);
 * ```
 */
export async function publishStac(
  collectionPath: string,
  options: PublishOptions,
): Promise<PublishResult> {
  const folder = dirname(resolve(collectionPath));
  const collection = await readJson(collectionPath);
  const id = String(collection.id);
  const http = new HttpClient({
    baseUrl: options.catalog,
    auth: options.auth,
    fetch: options.fetch,
  });
  const store = options.store
    ? new HttpClient({ baseUrl: options.store.url, auth: options.store.auth, fetch: options.fetch })
    : undefined;
  const signal = options.signal;
  let uploaded = 0;

  /** An asset's permanent URL: as given, the platform's, or the file uploaded to the store. */
  const permanent = async (asset: Json, from: string, what: string): Promise<Json> => {
    const href = String(asset.href);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href)) return asset;
    const { "eojobs:platform_href": platform, ...rest } = asset;
    if (typeof platform === "string") return { ...rest, href: platform };
    const file = resolve(from, href);
    const key = `${id}/${relative(dirname(folder), file)}`;
    if (!store) {
      throw new PublishError(
        `${what}: the asset ${href} is a local file with no permanent URL; name an object store to upload it to (store: { url })`,
        what,
      );
    }
    const size = (await Deno.stat(file)).size;
    const target = store.url(key.split("/").map(encodeURIComponent).join("/"));
    const head = await store.request(target, { method: "HEAD", accept: [403, 404], signal });
    await head.body?.cancel();
    if (!(head.ok && Number(head.headers.get("content-length")) === size)) {
      try {
        const put = await store.request(target, {
          method: "PUT",
          // Bytes, not a stream: a retried PUT must be able to send them again.
          body: await Deno.readFile(file),
          headers: {
            "content-type": String(asset.type ?? "application/octet-stream"),
            "content-length": String(size),
          },
          signal,
        });
        await put.body?.cancel();
      } catch (e) {
        refused(e, `${what}: upload of ${href}`, "store");
      }
      uploaded++;
    }
    return { ...rest, href: String(target) };
  };

  const prepare = async (doc: Json, from: string, what: string): Promise<Json> => {
    const assets: Json = {};
    for (const [k, a] of Object.entries((doc.assets ?? {}) as Record<string, Json>)) {
      assets[k] = await permanent(a, from, `${what} asset ${k}`);
    }
    const links = ((doc.links ?? []) as Json[]).filter((l) => !OWN_RELS.has(String(l.rel)));
    return { ...doc, assets, links };
  };

  /** POST, and PUT when it exists: the same result however often it runs. */
  const upsert = async (
    createPath: string,
    updatePath: string,
    doc: Json,
    what: string,
  ): Promise<"created" | "updated"> => {
    try {
      const r = await http.request(createPath, {
        method: "POST",
        json: doc,
        accept: [409],
        signal,
      });
      await r.body?.cancel();
      if (r.status !== 409) return "created";
      const u = await http.request(updatePath, { method: "PUT", json: doc, signal });
      await u.body?.cancel();
      return "updated";
    } catch (e) {
      refused(e, what);
    }
  };

  const itemLinks = ((collection.links ?? []) as Json[]).filter((l) => l.rel === "item");
  const total = itemLinks.length + 1;
  const collectionDoc = await prepare(collection, folder, `collection ${id}`);
  const first = await upsert(
    "collections",
    `collections/${encodeURIComponent(id)}`,
    collectionDoc,
    `collection ${id}`,
  );
  options.onProgress?.(1, total, id);
  let created = 0, updated = 0;
  for (const [k, link] of itemLinks.entries()) {
    const path = resolve(folder, String(link.href));
    const item = await readJson(path);
    const what = `item ${item.id}`;
    const doc = await prepare({ ...item, collection: id }, dirname(path), what);
    const done = await upsert(
      `collections/${encodeURIComponent(id)}/items`,
      `collections/${encodeURIComponent(id)}/items/${encodeURIComponent(String(item.id))}`,
      doc,
      what,
    );
    if (done === "created") created++;
    else updated++;
    options.onProgress?.(k + 2, total, String(item.id));
  }
  return {
    url: String(http.url(`collections/${encodeURIComponent(id)}`)),
    collection: first,
    items: { created, updated },
    uploaded,
  };
}
