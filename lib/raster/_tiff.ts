/**
 * TIFF and BigTIFF directories as bytes: entries, their out-of-line values, and the GeoTIFF keys
 * of an EPSG code. Private to `lib/raster`.
 *
 * @module
 */

export const SHORT = 3, LONG = 4, DOUBLE = 12, ASCII = 2, LONG8 = 16;

/** One IFD entry; numbers are written in the entry's type. */
export interface Entry {
  tag: number;
  type: number;
  values: ArrayLike<number> | string;
}

function typeSize(type: number): number {
  return type === SHORT ? 2 : type === LONG ? 4 : type === DOUBLE || type === LONG8 ? 8 : 1;
}

function countOf(e: Entry): number {
  return typeof e.values === "string" ? e.values.length + 1 : e.values.length;
}

function extraBytes(e: Entry, big: boolean): number {
  const bytes = countOf(e) * typeSize(e.type);
  return bytes > (big ? 8 : 4) ? bytes + (bytes % 2) : 0;
}

/** Bytes an IFD with these entries takes, out-of-line values included. */
export function ifdSize(entries: Entry[], big: boolean): number {
  const head = big ? 8 + entries.length * 20 + 8 : 2 + entries.length * 12 + 4;
  return head + entries.reduce((n, e) => n + extraBytes(e, big), 0);
}

function put(view: DataView, at: number, type: number, v: number): void {
  if (type === SHORT) view.setUint16(at, v, true);
  else if (type === LONG) view.setUint32(at, v, true);
  else if (type === DOUBLE) view.setFloat64(at, v, true);
  else if (type === LONG8) view.setBigUint64(at, BigInt(v), true);
  else view.setUint8(at, v);
}

function putOffset(view: DataView, at: number, v: number, big: boolean): void {
  if (big) view.setBigUint64(at, BigInt(v), true);
  else view.setUint32(at, v, true);
}

/**
 * Writes an IFD at `at` of `view` (entries sorted by tag, as TIFF demands), its values after it,
 * and `next` as the offset of the following IFD (0 for the last).
 */
export function writeIfd(
  view: DataView,
  at: number,
  entries: Entry[],
  next: number,
  big: boolean,
): void {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const entrySize = big ? 20 : 12, head = big ? 8 : 2;
  if (big) view.setBigUint64(at, BigInt(sorted.length), true);
  else view.setUint16(at, sorted.length, true);
  let extra = at + head + sorted.length * entrySize + (big ? 8 : 4);
  sorted.forEach((e, i) => {
    const p = at + head + i * entrySize;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    const n = countOf(e);
    if (big) view.setBigUint64(p + 4, BigInt(n), true);
    else view.setUint32(p + 4, n, true);
    const valueAt = p + (big ? 12 : 8);
    const bytes = n * typeSize(e.type);
    let target = valueAt;
    if (bytes > (big ? 8 : 4)) {
      putOffset(view, valueAt, extra, big);
      target = extra;
      extra += bytes + (bytes % 2);
    }
    const values = typeof e.values === "string"
      ? [...new TextEncoder().encode(e.values), 0]
      : e.values;
    for (let k = 0; k < values.length; k++) {
      put(view, target + k * typeSize(e.type), e.type, values[k]);
    }
  });
  putOffset(view, at + head + sorted.length * entrySize, next, big);
}

/** The TIFF header: byte order, magic (42 or BigTIFF's 43) and the first IFD's offset. */
export function writeHeader(view: DataView, firstIfd: number, big: boolean): void {
  view.setUint16(0, 0x4949, true);
  view.setUint16(2, big ? 43 : 42, true);
  if (big) {
    view.setUint16(4, 8, true);
    view.setUint16(6, 0, true);
    view.setBigUint64(8, BigInt(firstIfd), true);
  } else view.setUint32(4, firstIfd, true);
}

/**
 * GeoKeyDirectory values for an EPSG code: a geographic CRS (model type 2) or a projected one
 * (model type 1), pixel-is-area.
 */
export function geoKeys(code: number, geographic: boolean): number[] {
  return geographic
    ? [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, code]
    : [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, code];
}
