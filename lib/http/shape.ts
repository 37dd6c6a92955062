/**
 * Shapes of answers, checked where they arrive: valid JSON that is not what the platform's wire
 * format says (a gateway's `{"message": ...}`, a list where an object belongs) is as odd as an
 * HTML page under a 200, and must be retried and named, not read as `undefined` further on.
 *
 * @module
 */

/** The type of a field as `typeof` says it, or `array`. */
export type FieldType = "string" | "number" | "boolean" | "object" | "array";

/** Checks an answer: what is wrong with it, or undefined when it is fine. */
export type ShapeCheck = (value: unknown) => string | undefined;

function typeOf(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

/**
 * An object with these fields of these types (other fields are free).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectWith } from "./shape.ts";
 * const job = objectWith({ id: "number", status: "string" });
 * assert.equal(job({ id: 1, status: "running", extra: true }), undefined);
 * assert.equal(job({ detail: "ok" }), "field id is missing (an object with detail)");
 * assert.equal(job([]), "an array where an object belongs");
 * ```
 */
export function objectWith(fields: Record<string, FieldType>): ShapeCheck {
  return (value) => {
    if (typeOf(value) !== "object") return `${article(typeOf(value))} where an object belongs`;
    const o = value as Record<string, unknown>;
    for (const [name, type] of Object.entries(fields)) {
      if (!(name in o)) {
        const keys = Object.keys(o).slice(0, 5).join(", ");
        return `field ${name} is missing (an object with ${keys || "no fields"})`;
      }
      if (typeOf(o[name]) !== type) return `field ${name} is ${typeOf(o[name])}, not ${type}`;
    }
    return undefined;
  };
}

/**
 * An array whose every element passes `each`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arrayOf, objectWith } from "./shape.ts";
 * const list = arrayOf(objectWith({ id: "number" }));
 * assert.equal(list([{ id: 1 }]), undefined);
 * assert.equal(list([{ id: 1 }, { id: "2" }]), "element 1: field id is string, not number");
 * ```
 */
export function arrayOf(each: ShapeCheck): ShapeCheck {
  return (value) => {
    if (!Array.isArray(value)) return `${article(typeOf(value))} where an array belongs`;
    for (const [i, v] of value.entries()) {
      const wrong = each(v);
      if (wrong) return `element ${i}: ${wrong}`;
    }
    return undefined;
  };
}

function article(type: string): string {
  return type === "null" ? "null" : `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}
