/**
 * Replays a platform client's recorded request sequence against a twin and checks each answer
 * against what that client parses. A recording is a list of steps: the request exactly as the
 * client sends it (method, URL as its HTTP library writes it, headers, body), the statuses the
 * client accepts for it, and the shape of the body it reads (the fields its parser requires).
 */
import assert from "node:assert/strict";

/** The shape a client's parser needs a value to have. */
export type Shape =
  | "string"
  | "integer"
  | "number"
  | "boolean"
  | "null"
  | "any"
  | { enum: readonly unknown[] }
  | { arrayOf: Shape; min?: number }
  | { props: Record<string, Shape>; optional?: Record<string, Shape> }
  | { mapOf: Shape }
  | { anyOf: Shape[] }
  | { match: RegExp };

/** `shape`, or null. */
export const nullable = (shape: Shape): Shape => ({ anyOf: [shape, "null"] });

/** Where `value` differs from `shape`, one line per difference. */
export function mismatches(value: unknown, shape: Shape, path = "$"): string[] {
  const said = (what: string) => [`${path}: expected ${what}, got ${JSON.stringify(value)}`];
  if (shape === "any") return [];
  if (shape === "null") return value === null ? [] : said("null");
  if (shape === "string") return typeof value === "string" ? [] : said("a string");
  if (shape === "boolean") return typeof value === "boolean" ? [] : said("a boolean");
  if (shape === "number") return typeof value === "number" ? [] : said("a number");
  if (shape === "integer") return Number.isInteger(value) ? [] : said("an integer");
  if ("enum" in shape) return shape.enum.includes(value) ? [] : said(shape.enum.join(" | "));
  if ("match" in shape) {
    return typeof value === "string" && shape.match.test(value) ? [] : said(String(shape.match));
  }
  if ("anyOf" in shape) {
    const tries = shape.anyOf.map((s) => mismatches(value, s, path));
    return tries.some((t) => t.length === 0) ? [] : tries.flat();
  }
  if ("arrayOf" in shape) {
    if (!Array.isArray(value)) return said("an array");
    if (value.length < (shape.min ?? 0)) return said(`at least ${shape.min} items`);
    return value.flatMap((v, i) => mismatches(v, shape.arrayOf, `${path}[${i}]`));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return said("an object");
  }
  const object = value as Record<string, unknown>;
  if ("mapOf" in shape) {
    return Object.entries(object).flatMap(([k, v]) => mismatches(v, shape.mapOf, `${path}.${k}`));
  }
  const out: string[] = [];
  for (const [key, s] of Object.entries(shape.props)) {
    if (!(key in object)) out.push(`${path}.${key}: missing`);
    else out.push(...mismatches(object[key], s, `${path}.${key}`));
  }
  for (const [key, s] of Object.entries(shape.optional ?? {})) {
    if (key in object) out.push(...mismatches(object[key], s, `${path}.${key}`));
  }
  return out;
}

/** What a replay remembers between steps (ids, tokens, links). */
export type State = Record<string, unknown>;

/** One recorded request and what the client makes of the answer. */
export interface Step {
  /** What the client does, with the source that does it. */
  call: string;
  /** HTTP method. */
  method: string;
  /** The URL as the client's HTTP library sends it. */
  url: (s: State) => string;
  /** Headers as the client sends them. */
  headers?: (s: State) => Record<string, string>;
  /** A JSON body. */
  json?: (s: State) => unknown;
  /** A form body. */
  form?: (s: State) => Record<string, string>;
  /** The statuses the client accepts here. */
  status: readonly number[];
  /** What the client's parser needs of the body (JSON). */
  shape?: Shape;
  /** Reads values for later steps out of the answer. */
  keep?: (body: unknown, s: State, response: Response) => void;
  /** Runs before the request (for example, moves the sandbox clock on). */
  before?: (s: State) => void | Promise<void>;
}

/** Runs `steps` in order, asserting each answer; returns the state they filled. */
export async function replay(steps: Step[], state: State = {}): Promise<State> {
  for (const step of steps) {
    await step.before?.(state);
    const headers = new Headers(step.headers?.(state));
    let body: BodyInit | undefined;
    if (step.json) body = JSON.stringify(step.json(state));
    if (step.form) body = new URLSearchParams(step.form(state));
    const response = await fetch(step.url(state), { method: step.method, headers, body });
    const text = await response.text();
    assert.ok(
      step.status.includes(response.status),
      `${step.call}: status ${response.status}, the client takes ${step.status.join("/")}: ${
        text.slice(0, 300)
      }`,
    );
    let parsed: unknown = text;
    if (step.shape) {
      parsed = JSON.parse(text);
      const problems = mismatches(parsed, step.shape);
      assert.deepEqual(problems, [], `${step.call}: the client's parser would fail`);
    } else if (/json/.test(response.headers.get("content-type") ?? "") && text) {
      parsed = JSON.parse(text);
    }
    step.keep?.(parsed, state, response);
  }
  return state;
}

/**
 * A URL as Python's requests writes it (`requote_uri`): characters outside the unreserved and
 * reserved sets are percent-encoded, brackets and commas are left as they are.
 */
export function requote(url: string): string {
  return url.replace(
    /[^A-Za-z0-9\-._~!#$%&'()*+,/:;=?@[\]]/g,
    (c) =>
      [...new TextEncoder().encode(c)].map((b) =>
        `%${b.toString(16).toUpperCase().padStart(2, "0")}`
      )
        .join(""),
  );
}
