/// <reference lib="dom" />
/**
 * A small server-side DOM (linkedom) for Observable Plot, which needs a `document` in Deno.
 *
 * @module
 */
import { parseHTML } from "../deps/linkedom.ts";

let doc: Document | undefined;

/** The shared document Plot renders into. */
export function plotDocument(): Document {
  doc ??= (parseHTML("<!doctype html><html><head></head><body></body></html>") as unknown as {
    document: Document;
  }).document;
  return doc;
}
