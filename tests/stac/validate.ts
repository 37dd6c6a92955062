/**
 * STAC validation against the offline JSON Schemas in `../shared/reference/stac-schemas/`: the
 * core schema of the document's type and every extension it declares, each found by its `$id`.
 *
 * @module
 */
import { addFormats, Ajv } from "../deps/ajv.ts";

const ROOT = new URL("../../../shared/reference/stac-schemas/", import.meta.url);

type Validator = ((doc: unknown) => boolean) & { errors?: unknown[] | null };
interface AjvLike {
  addSchema(schema: unknown): void;
  addFormat(name: string, check: (value: string) => boolean): void;
  getSchema(id: string): Validator | undefined;
}

let ajv: AjvLike | undefined;

function walk(dir: URL): URL[] {
  const out: URL[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) out.push(...walk(url));
    else if (e.name.endsWith(".json")) out.push(url);
  }
  return out;
}

function validator(): AjvLike {
  if (ajv) return ajv;
  const made = new (Ajv as unknown as new (o: object) => AjvLike)({
    strict: false,
    allErrors: true,
  });
  (addFormats as unknown as (a: AjvLike) => void)(made);
  // STAC's links and URLs are IRIs, which ajv-formats leaves out: checked here instead of skipped.
  made.addFormat("iri", (v: string) => URL.canParse(v));
  made.addFormat("iri-reference", (v: string) => URL.canParse(v, "http://base.invalid/"));
  for (const file of walk(ROOT)) made.addSchema(JSON.parse(Deno.readTextFileSync(file)));
  return ajv = made;
}

const CORE: Record<string, string> = {
  Feature: "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json",
  Collection: "https://schemas.stacspec.org/v1.0.0/collection-spec/json-schema/collection.json",
  Catalog: "https://schemas.stacspec.org/v1.0.0/catalog-spec/json-schema/catalog.json",
};

/** Every schema violation of `doc`, as `schema: path message` lines; empty when it is valid. */
export function stacErrors(doc: Record<string, unknown>): string[] {
  const v = validator();
  const ids = [CORE[String(doc.type)], ...((doc.stac_extensions ?? []) as string[])];
  const errors: string[] = [];
  for (const id of ids) {
    if (!id) {
      errors.push(`type ${doc.type}: not a STAC document type`);
      continue;
    }
    const check = v.getSchema(id) ?? v.getSchema(`${id}#`);
    if (!check) {
      errors.push(`${id}: no such schema in shared/reference/stac-schemas`);
      continue;
    }
    if (!check(doc)) {
      for (const e of check.errors ?? []) {
        const { instancePath, message } = e as { instancePath: string; message: string };
        errors.push(`${id}: ${instancePath} ${message}`);
      }
    }
  }
  return errors;
}
