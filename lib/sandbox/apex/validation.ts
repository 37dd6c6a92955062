/**
 * Request validation with the APEx server's error entries (pydantic's `type`, `loc`, `msg`,
 * `input`), collected into its `VALIDATION_ERROR` envelope.
 *
 * @module
 */

/** One pydantic-style validation error. */
export interface Issue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function enumMsg(values: string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return `Input should be ${quoted.slice(0, -1).join(", ")}${quoted.length > 1 ? " or " : ""}${
    quoted[quoted.length - 1]
  }`;
}

/** Collects issues while checking fields of a body. */
export class Checker {
  readonly issues: Issue[] = [];

  /** Checks `value` is an object; returns it or undefined. */
  object(value: unknown, loc: Array<string | number>): Obj | undefined {
    if (isObj(value)) return value;
    this.issues.push({
      type: "model_attributes_type",
      loc,
      msg: "Input should be a valid dictionary or object to extract fields from",
      input: value,
    });
    return undefined;
  }

  /** Checks a required field is present. */
  required(body: Obj, field: string, loc: Array<string | number>): unknown {
    if (!(field in body)) {
      this.issues.push({
        type: "missing",
        loc: [...loc, field],
        msg: "Field required",
        input: body,
      });
    }
    return body[field];
  }

  /** A string field. */
  string(body: Obj, field: string, loc: Array<string | number>, optional = false): void {
    if (optional && (body[field] === undefined || body[field] === null)) return;
    const v = this.required(body, field, loc);
    if (v !== undefined && typeof v !== "string") {
      this.issues.push({
        type: "string_type",
        loc: [...loc, field],
        msg: "Input should be a valid string",
        input: v,
      });
    }
  }

  /** An enum field. */
  oneOf(body: Obj, field: string, values: string[], loc: Array<string | number>): void {
    const v = this.required(body, field, loc);
    if (v !== undefined && !values.includes(v as string)) {
      this.issues.push({ type: "enum", loc: [...loc, field], msg: enumMsg(values), input: v });
    }
  }

  /** A dictionary field. */
  dict(body: Obj, field: string, loc: Array<string | number>): void {
    const v = this.required(body, field, loc);
    if (v !== undefined && !isObj(v)) {
      this.issues.push({
        type: "dict_type",
        loc: [...loc, field],
        msg: "Input should be a valid dictionary",
        input: v,
      });
    }
  }
}

/** Checks the `service` member shared by job and parameter requests. */
function checkService(c: Checker, b: Record<string, unknown>): void {
  const service = c.required(b, "service", ["body"]);
  if (service !== undefined) {
    const s = c.object(service, ["body", "service"]);
    if (s) {
      c.string(s, "endpoint", ["body", "service"]);
      c.string(s, "application", ["body", "service"]);
      c.string(s, "namespace", ["body", "service"], true);
    }
  }
}

/** Checks a `BaseJobRequest` (and `dimension` for upscale tasks). */
export function checkJobRequest(body: unknown, withDimension: boolean): Issue[] {
  const c = new Checker();
  const b = c.object(body, ["body"]);
  if (!b) return c.issues;
  c.string(b, "title", ["body"]);
  c.oneOf(b, "label", ["openeo", "ogc_api_process"], ["body"]);
  checkService(c, b);
  c.dict(b, "parameters", ["body"]);
  c.oneOf(b, "format", ["geojson", "gtiff", "netcdf", "json"], ["body"]);
  if (withDimension) {
    const dimension = c.required(b, "dimension", ["body"]);
    if (dimension !== undefined) {
      const d = c.object(dimension, ["body", "dimension"]);
      if (d) {
        c.string(d, "name", ["body", "dimension"]);
        const values = c.required(d, "values", ["body", "dimension"]);
        if (values !== undefined && !Array.isArray(values)) {
          c.issues.push({
            type: "list_type",
            loc: ["body", "dimension", "values"],
            msg: "Input should be a valid list",
            input: values,
          });
        } else if (Array.isArray(values) && values.length === 0) {
          c.issues.push({
            type: "too_short",
            loc: ["body", "dimension", "values"],
            msg: "List should have at least 1 item after validation, not 0",
            input: values,
          });
        }
      }
    }
  }
  return c.issues;
}

/** Checks a `ServiceParametersRequest`: a known `label` and a `service`. */
export function checkParamsRequest(body: unknown): Issue[] {
  const c = new Checker();
  const b = c.object(body, ["body"]);
  if (!b) return c.issues;
  c.oneOf(b, "label", ["openeo", "ogc_api_process"], ["body"]);
  checkService(c, b);
  return c.issues;
}

/** Checks a `TileRequest`: a GeoJSON Polygon `aoi` and a known `grid`. */
export function checkTileRequest(body: unknown, grids: string[]): Issue[] {
  const c = new Checker();
  const b = c.object(body, ["body"]);
  if (!b) return c.issues;
  c.oneOf(b, "grid", grids, ["body"]);
  const aoi = c.required(b, "aoi", ["body"]);
  if (aoi === undefined) return c.issues;
  const a = c.object(aoi, ["body", "aoi"]);
  if (!a) return c.issues;
  if (a.type !== "Polygon") {
    c.issues.push({
      type: "literal_error",
      loc: ["body", "aoi", "type"],
      msg: "Input should be 'Polygon'",
      input: a.type,
    });
  }
  const rings = a.coordinates;
  const loc = ["body", "aoi", "coordinates"];
  const valid = Array.isArray(rings) && rings.length > 0 &&
    rings.every((r) =>
      Array.isArray(r) &&
      r.every((p) =>
        Array.isArray(p) && p.length >= 2 &&
        p.every((n) => typeof n === "number" && Number.isFinite(n))
      )
    );
  if (!valid) {
    c.issues.push({
      type: "list_type",
      loc,
      msg: "Input should be a valid list of linear rings of positions",
      input: rings,
    });
  } else if ((rings as unknown[][]).some((r) => r.length < 4)) {
    // geojson-pydantic's LinearRing is a list with `min_length=4` (the OpenAPI document's
    // `minItems: 4`): pydantic reports each short ring on its own.
    (rings as unknown[][]).forEach((r, i) => {
      if (r.length >= 4) return;
      c.issues.push({
        type: "too_short",
        loc: [...loc, i],
        msg: `List should have at least 4 items after validation, not ${r.length}`,
        input: r,
      });
    });
  } else if (
    (rings as number[][][]).some((r) =>
      r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1]
    )
  ) {
    c.issues.push({
      type: "value_error",
      loc,
      msg: "Value error, All linear rings MUST have the same start and end coordinates",
      input: rings,
    });
  }
  return c.issues;
}
