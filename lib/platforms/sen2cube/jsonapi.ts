/**
 * A small generic JSON:API layer over the HTTP core: fetch one resource, list resources as an
 * async iterator over every page (following `links.next`), create a resource; filters in both
 * flask-rest-jsonapi forms and sorting, as typed values rather than one function per filter.
 *
 * @module
 */
import type { HttpClient } from "../../http/client.ts";
import { pageGuard } from "../../http/pages.ts";

/** A JSON:API resource object. */
export interface JsonApiResource<A = Record<string, unknown>> {
  /** Resource type. */
  type: string;
  /** Id (a string by the spec; numbers on flask-rest-jsonapi servers). */
  id: string | number;
  /** Attributes. */
  attributes: A;
  /** Relationships. */
  relationships?: Record<
    string,
    { data?: { type: string; id: string | number } | null; links?: Record<string, string> }
  >;
  /** Links. */
  links?: Record<string, string>;
}

/** A JSON:API document. */
export interface JsonApiDocument<D> {
  /** Primary data. */
  data: D;
  /** Links (`self`, `first`, `last`, `next`, `prev`). */
  links?: Record<string, string>;
  /** Meta, such as `count`. */
  meta?: { count?: number; [key: string]: unknown };
  /** `{version}`. */
  jsonapi?: { version: string };
}

/** A flask-rest-jsonapi filter: a comparison, or `and` / `or` / `not` of filters. */
export type JsonApiFilter =
  | { name: string; op: JsonApiFilterOp; val: unknown }
  | { name: string; op: JsonApiFilterOp; field: string }
  | { and: JsonApiFilter[] }
  | { or: JsonApiFilter[] }
  | { not: JsonApiFilter };

/** Operators of flask-rest-jsonapi's filtering. */
export type JsonApiFilterOp =
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "in_"
  | "notin_"
  | "like"
  | "ilike"
  | "is_"
  | "isnot";

/** How to list resources. */
export interface ListOptions {
  /** Equality filters, sent as `filter[field]=value`. */
  where?: Record<string, string | number | boolean>;
  /** Filters in the JSON form, sent as `filter=[...]`. */
  filter?: JsonApiFilter[];
  /** Sort keys; `-` in front sorts descending. */
  sort?: string[];
  /** Page size. Default 30 (the server's). */
  pageSize?: number;
  /** Aborts. */
  signal?: AbortSignal;
}

/**
 * JSON:API access to one API root.
 *
 * @example
 * ```ts ignore
 * import { JsonApi } from "./jsonapi.ts";
 * const api = new JsonApi(http);
 * for await (const inference of api.list("inference", { where: { status: "SUCCEEDED" }, sort: ["-id"] })) {
 *   console.log(inference.id);
 * }
 * ```
 */
export class JsonApi {
  /** The HTTP client under it. */
  readonly http: HttpClient;

  /** Uses `http` for every request. */
  constructor(http: HttpClient) {
    this.http = http;
  }

  /** One resource. */
  async get<A>(
    type: string,
    id: string | number,
    signal?: AbortSignal,
  ): Promise<JsonApiResource<A>> {
    return (await this.http.json<JsonApiDocument<JsonApiResource<A>>>(`${type}/${id}`, {
      signal,
      headers: { accept: "application/vnd.api+json" },
    })).data;
  }

  /** One page, with its links and meta. */
  page<A>(
    type: string,
    options: ListOptions = {},
    pageNumber = 1,
  ): Promise<JsonApiDocument<JsonApiResource<A>[]>> {
    const query: Record<string, string | number | undefined> = {
      "page[size]": options.pageSize,
      "page[number]": pageNumber > 1 ? pageNumber : undefined,
      sort: options.sort?.join(","),
      filter: options.filter?.length ? JSON.stringify(options.filter) : undefined,
    };
    for (const [k, v] of Object.entries(options.where ?? {})) query[`filter[${k}]`] = String(v);
    return this.http.json(type, {
      query,
      signal: options.signal,
      headers: { accept: "application/vnd.api+json" },
    });
  }

  /** Every resource that matches, page after page, following `links.next`. */
  async *list<A>(
    type: string,
    options: ListOptions = {},
  ): AsyncGenerator<JsonApiResource<A>, void, undefined> {
    let doc = await this.page<A>(type, options);
    const visit = pageGuard(`JSON:API ${type}`);
    while (true) {
      yield* doc.data;
      const next = doc.links?.next;
      if (!next || doc.data.length === 0) return;
      visit(next);
      doc = await this.http.json<JsonApiDocument<JsonApiResource<A>[]>>(
        new URL(next, this.http.baseUrl),
        {
          signal: options.signal,
          headers: { accept: "application/vnd.api+json" },
        },
      );
    }
  }

  /** Changes attributes of a resource; returns it as the server stored it. */
  async update<A>(
    type: string,
    id: string | number,
    attributes: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<JsonApiResource<A>> {
    return (await this.http.json<JsonApiDocument<JsonApiResource<A>>>(`${type}/${id}`, {
      method: "PATCH",
      body: JSON.stringify({ data: { type, id: String(id), attributes } }),
      headers: { "content-type": "application/vnd.api+json", accept: "application/vnd.api+json" },
      signal,
    })).data;
  }

  /** Deletes a resource. */
  async delete(type: string, id: string | number, signal?: AbortSignal): Promise<void> {
    await this.http.json(`${type}/${id}`, {
      method: "DELETE",
      headers: { accept: "application/vnd.api+json" },
      signal,
    });
  }

  /** Creates a resource; returns it as the server stored it. Not retried. */
  async create<A>(
    type: string,
    attributes: Record<string, unknown>,
    relationships: Record<string, { type: string; id: string | number }> = {},
    signal?: AbortSignal,
  ): Promise<JsonApiResource<A>> {
    const body = {
      data: {
        type,
        attributes,
        relationships: Object.fromEntries(
          Object.entries(relationships).map((
            [k, v],
          ) => [k, { data: { type: v.type, id: String(v.id) } }]),
        ),
      },
    };
    return (await this.http.json<JsonApiDocument<JsonApiResource<A>>>(type, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/vnd.api+json", accept: "application/vnd.api+json" },
      signal,
    })).data;
  }
}
