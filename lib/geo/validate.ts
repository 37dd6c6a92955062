/**
 * Checks that an area is usable: closed rings of four or more positions, longitudes and
 * latitudes in range (with a hint when they look swapped), and no self-intersections.
 *
 * @module
 */
import { AoiError } from "./errors.ts";
import type { Position, Ring } from "./types.ts";

function checkPosition(p: unknown, field: string): Position {
  if (
    !Array.isArray(p) || p.length < 2 ||
    !p.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    const shown = Array.isArray(p)
      ? `[${p.map((v) => typeof v === "string" ? JSON.stringify(v) : String(v)).join(", ")}]`
      : JSON.stringify(p);
    const infinite = Array.isArray(p) &&
      p.some((v) => typeof v === "number" && !Number.isFinite(v));
    throw new AoiError(
      field,
      `${shown} is not a position` + (infinite ? " (a number too large to be a coordinate)" : ""),
      "write each position as [longitude, latitude] in degrees",
    );
  }
  return [p[0], p[1]];
}

/** Checks one ring's shape and coordinate ranges; returns it as 2D positions. */
export function checkRing(ring: unknown, field: string): Ring {
  if (!Array.isArray(ring)) {
    throw new AoiError(field, "a ring must be a list of positions", "give [[lon, lat], ...]");
  }
  const positions = ring.map((p, i) => checkPosition(p, `${field}[${i}]`));
  if (positions.length < 4) {
    throw new AoiError(
      field,
      `the ring has ${positions.length} positions, too few for an area`,
      "give at least three corners and repeat the first one at the end (4 positions)",
    );
  }
  const first = positions[0], last = positions[positions.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new AoiError(
      field,
      `the ring is open: it starts at [${first}] and ends at [${last}]`,
      "close it by repeating the first position at the end",
    );
  }
  for (let i = 0; i < positions.length; i++) {
    const [lon, lat] = positions[i];
    const swapped = Math.abs(lon) <= 90 && Math.abs(lat) <= 180;
    if (lat < -90 || lat > 90) {
      throw new AoiError(
        `${field}[${i}]`,
        `latitude ${lat} is outside -90..90` +
          (swapped ? ` (the position looks like [latitude, longitude])` : ""),
        "GeoJSON and WKT put longitude first: [lon, lat]" +
          (swapped ? `, so write [${lat}, ${lon}]` : ""),
      );
    }
    if (lon < -180 || lon > 180) {
      throw new AoiError(
        `${field}[${i}]`,
        `longitude ${lon} is outside -180..180`,
        "give longitudes in degrees, -180..180",
      );
    }
  }
  return positions;
}

function orient(a: Position, b: Position, c: Position): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(a: Position, b: Position, p: Position): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

interface Segment {
  a: Position;
  b: Position;
  ring: number;
  index: number;
  size: number;
  minX: number;
  maxX: number;
}

/**
 * Throws when two edges of a polygon's rings cross or touch, other than neighbours sharing a
 * vertex. A sweep along x keeps this near-linear for large, real-world outlines.
 */
export function checkSimple(rings: Ring[], field: string): void {
  const segments: Segment[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i < ring.length - 1; i++) {
      const a = ring[i], b = ring[i + 1];
      segments.push({
        a,
        b,
        ring: r,
        index: i,
        size: ring.length - 1,
        minX: Math.min(a[0], b[0]),
        maxX: Math.max(a[0], b[0]),
      });
    }
  });
  segments.sort((s, t) => s.minX - t.minX);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    for (let j = i + 1; j < segments.length && segments[j].minX <= s.maxX; j++) {
      const t = segments[j];
      if (s.ring === t.ring) {
        const gap = Math.abs(s.index - t.index);
        if (gap === 1 || gap === s.size - 1) continue;
      }
      if (!segmentsIntersect(s.a, s.b, t.a, t.b)) continue;
      const where = s.ring === t.ring
        ? `edges ${Math.min(s.index, t.index)} and ${Math.max(s.index, t.index)} of ring ${s.ring}`
        : `ring ${Math.min(s.ring, t.ring)} and ring ${Math.max(s.ring, t.ring)}`;
      throw new AoiError(
        field,
        `the outline intersects itself (${where}, near [${s.a}])`,
        "fix the outline so that no edges cross (a figure-eight is two polygons: use a MultiPolygon)",
      );
    }
  }
}
