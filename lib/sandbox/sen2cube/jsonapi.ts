/**
 * The JSON:API behaviour of the Sen2Cube twin, as flask-rest-jsonapi implements it: documents,
 * error objects, `page[size]`/`page[number]` with links and `meta.count`, `sort`, and both
 * filter forms (`filter[field]=value` and the JSON `filter=[{name, op, val}]` with `and`, `or`,
 * `not`).
 *
 * @module
 */

type Json = Record<string, unknown>;

/** A JSON:API error answer. */
export function errorResponse(
  status: number,
  title: string,
  detail: string,
  source?: Json,
): Response {
  return Response.json({
    errors: [{ status: String(status), title, detail, ...(source ? { source } : {}) }],
    jsonapi: { version: "1.0" },
  }, { status, headers: { "content-type": "application/vnd.api+json" } });
}

/** Thrown while reading query parameters; becomes a 400 error object. */
export class QueryError extends Error {
  /** The parameter at fault. */
  readonly parameter: string;
  /** The error object's title. */
  readonly title: string;
  /** A 400 about `parameter`. */
  constructor(parameter: string, title: string, detail: string) {
    super(detail);
    this.parameter = parameter;
    this.title = title;
  }
}

/**
 * The column operators a filter can name, by their SQLAlchemy attribute names: flask-rest-jsonapi
 * resolves a filter's `op` by trying `op`, `op_` and `__op__` in turn (`eq` is `__eq__`, `in` is
 * `in_`, `notin` is `notin_`).
 */
const OPS: Record<string, (a: unknown, b: unknown) => boolean> = {
  __eq__: (a, b) => a === b,
  __ne__: (a, b) => a !== b,
  __lt__: (a, b) => (a as number) < (b as number),
  __le__: (a, b) => (a as number) <= (b as number),
  __gt__: (a, b) => (a as number) > (b as number),
  __ge__: (a, b) => (a as number) >= (b as number),
  in_: (a, b) => Array.isArray(b) && b.includes(a),
  notin_: (a, b) => Array.isArray(b) && !b.includes(a),
  like: (a, b) => typeof a === "string" && likeRegex(String(b), false).test(a),
  ilike: (a, b) => typeof a === "string" && likeRegex(String(b), true).test(a),
  notlike: (a, b) => typeof a === "string" && !likeRegex(String(b), false).test(a),
  notilike: (a, b) => typeof a === "string" && !likeRegex(String(b), true).test(a),
  startswith: (a, b) => typeof a === "string" && a.startsWith(String(b)),
  endswith: (a, b) => typeof a === "string" && a.endsWith(String(b)),
  contains: (a, b) => typeof a === "string" && a.includes(String(b)),
  is_: (a, b) => a === b,
  isnot: (a, b) => a !== b,
};

/** The operator a filter's `op` names, resolved as flask-rest-jsonapi does. */
function operator(op: string): ((a: unknown, b: unknown) => boolean) | undefined {
  for (const name of [op, `${op}_`, `__${op}__`]) {
    if (Object.hasOwn(OPS, name)) return OPS[name];
  }
  return undefined;
}

function likeRegex(pattern: string, insensitive: boolean): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(
    /_/g,
    ".",
  );
  return new RegExp(`^${body}$`, insensitive ? "is" : "s");
}

type Predicate = (row: Json) => boolean;

function compile(node: unknown, schema: string, fields: string[]): Predicate {
  if (!node || typeof node !== "object" || Array.isArray(node)) {
    throw new QueryError(
      "filters",
      "Invalid filters querystring parameter.",
      'A filter must be an object like {"name": ..., "op": ..., "val": ...}',
    );
  }
  const n = node as Json;
  if (Array.isArray(n.and)) {
    const parts = n.and.map((x) => compile(x, schema, fields));
    return (row) => parts.every((p) => p(row));
  }
  if (Array.isArray(n.or)) {
    const parts = n.or.map((x) => compile(x, schema, fields));
    return (row) => parts.some((p) => p(row));
  }
  if (n.not !== undefined) {
    const inner = compile(n.not, schema, fields);
    return (row) => !inner(row);
  }
  const name = n.name;
  if (typeof name !== "string") {
    throw new QueryError(
      "filters",
      "Invalid filters querystring parameter.",
      "Can't find name of a filter",
    );
  }
  if (!fields.includes(name)) {
    throw new QueryError(
      "filters",
      "Invalid filters querystring parameter.",
      `${schema} has no attribute ${name}`,
    );
  }
  if (!("op" in n)) {
    throw new QueryError(
      "filters",
      "Invalid filters querystring parameter.",
      "Can't find op of a filter",
    );
  }
  const op = operator(String(n.op));
  if (!op) {
    throw new QueryError(
      "filters",
      "Invalid filters querystring parameter.",
      `${name} has no operator ${n.op}`,
    );
  }
  if (!("val" in n) && !("field" in n)) {
    throw new QueryError(
      "filters",
      "Invalid filters querystring parameter.",
      "Can't find value or field in a filter",
    );
  }
  return (row) => op(row[name], "field" in n ? row[String(n.field)] : n.val);
}

/** The rows of `all` that pass the request's filters, sorted, and the page asked for. */
export function query(
  url: URL,
  all: Json[],
  schema: string,
  fields: string[],
  relationships: string[] = [],
): { rows: Json[]; count: number; page: number; size: number; pages: number } {
  let rows = all;
  const predicates: Predicate[] = [];
  for (const [key, value] of url.searchParams) {
    const simple = key.match(/^filter\[([^\]]+)\]$/);
    if (simple) {
      if (!fields.includes(simple[1])) {
        throw new QueryError(
          "filters",
          "Invalid filters querystring parameter.",
          `${schema} has no attribute ${simple[1]}`,
        );
      }
      // A list of values is an `in` filter (flask-rest-jsonapi's simple filters).
      const values = value.split(",");
      predicates.push((row) =>
        values.length > 1
          ? values.includes(String(row[simple[1]]))
          : String(row[simple[1]]) === value
      );
    } else if (key === "filter") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new QueryError("filters", "Invalid filters querystring parameter.", "Parse error");
      }
      for (const node of Array.isArray(parsed) ? parsed : [parsed]) {
        predicates.push(compile(node, schema, fields));
      }
    }
  }
  rows = rows.filter((row) => predicates.every((p) => p(row)));
  const sort = url.searchParams.get("sort");
  if (sort) {
    const keys = sort.split(",").map((k) => ({
      desc: k.startsWith("-"),
      name: k.replace(/^-/, ""),
    }));
    for (const k of keys) {
      if (relationships.includes(k.name)) {
        throw new QueryError(
          "sort",
          "Invalid sort querystring parameter.",
          `You can't sort on ${k.name} because it is a relationship field`,
        );
      }
      if (!fields.includes(k.name)) {
        throw new QueryError(
          "sort",
          "Invalid sort querystring parameter.",
          `${schema} has no attribute ${k.name}`,
        );
      }
    }
    rows = [...rows].sort((a, b) => {
      for (const k of keys) {
        const x = a[k.name] as number | string, y = b[k.name] as number | string;
        if (x !== y) return (x < y ? -1 : 1) * (k.desc ? -1 : 1);
      }
      return 0;
    });
  }
  const { size, page } = pagination(url);
  const count = rows.length;
  const pages = size === 0 ? 1 : Math.max(1, Math.ceil(count / size));
  return {
    rows: size === 0 ? rows : rows.slice((page - 1) * size, page * size),
    count,
    page,
    size,
    pages,
  };
}

/** Python's `int()` on a query value: optional sign, digits with single underscores, blanks around. */
const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/**
 * `page[size]` and `page[number]` as flask-rest-jsonapi reads them: any other `page[...]` key and
 * any value Python's `int()` refuses are a plain "Bad request" that keeps its `source`. Negative
 * sizes and pages below 1 make the service's database query fail; the twin refuses them instead.
 */
function pagination(url: URL): { size: number; page: number } {
  const values: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!key.startsWith("page")) continue;
    const open = key.indexOf("["), close = key.indexOf("]");
    if (open < 0 || close < 0) {
      throw new QueryError(key, "Bad request", "Parse error");
    }
    const name = key.slice(open + 1, close);
    if (name !== "number" && name !== "size") {
      throw new QueryError("page", "Bad request", `${name} is not a valid parameter of pagination`);
    }
    if (!PY_INT.test(value)) {
      throw new QueryError(`page[${name}]`, "Bad request", "Parse error");
    }
    values[name] = value.replaceAll("_", "").trim();
  }
  const size = Number(values.size ?? "30"), page = Number(values.number ?? "1");
  if (size < 0) {
    throw new QueryError("page[size]", "Bad request", "page[size] must not be negative");
  }
  if (page < 1) {
    throw new QueryError("page[number]", "Bad request", "page[number] starts at 1");
  }
  return { size, page };
}

/** The `links` of a list answer, as flask-rest-jsonapi writes them (absolute, query kept). */
export function pageLinks(
  url: URL,
  page: number,
  pages: number,
  size: number,
): Record<string, string> {
  const at = (n: number) => {
    const u = new URL(url);
    u.searchParams.delete("page[number]");
    if (n > 1) u.searchParams.set("page[number]", String(n));
    return u.toString();
  };
  const links: Record<string, string> = { self: url.toString() };
  // flask-rest-jsonapi writes first and last only when there is more than one page.
  if (size !== 0 && pages > 1) {
    links.first = at(1);
    links.last = at(pages);
    if (page > 1) links.prev = at(page - 1);
    if (page < pages) links.next = at(page + 1);
  }
  return links;
}
