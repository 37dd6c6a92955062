/**
 * Tiles and areas as the map layers draw them: rings in the winding d3 expects, long edges
 * densified, and thousands of tiles grouped by status. Shared by the static and the interactive
 * map; private to `lib/plot`.
 *
 * @module
 */
import { type AreaGeometry, fromPolygons, polygonsOf, type Position } from "../geo/types.ts";
import type { MapTile } from "./map.ts";

function signedArea(ring: Position[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return a / 2;
}

/**
 * d3-geo reads rings on the sphere and takes a counter-clockwise outer ring (GeoJSON's own rule)
 * for the whole world minus the polygon; give it clockwise outer rings and counter-clockwise holes.
 */
export function forD3(geometry: AreaGeometry): AreaGeometry {
  const fix = (rings: Position[][]) =>
    rings.map((ring, i) =>
      densify((signedArea(ring) > 0) === (i === 0) ? [...ring].reverse() : ring)
    );
  return fromPolygons(polygonsOf(geometry).map(fix));
}

/** Longest edge, in degrees, that d3 may draw as a great-circle arc. */
const EDGE_DEGREES = 0.05;

/**
 * Points along every edge longer than {@linkcode EDGE_DEGREES}: d3 draws edges as great-circle
 * arcs, which on a Mercator map bow away from the straight lines the grids are made of (a long
 * AOI edge stood 6 px above its tiles).
 */
function densify(ring: Position[]): Position[] {
  const out: Position[] = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    const n = Math.ceil(Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1])) / EDGE_DEGREES);
    for (let k = 0; k < n; k++) {
      out.push([a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n]);
    }
  }
  out.push(ring[ring.length - 1]);
  return out;
}

/** Above this many tiles, tiles that share a status are drawn as one shape. */
export const MANY_TILES = 1000;
/** Statuses whose tiles always keep their own shape and tooltip (the reason is in it). */
const SINGLED_OUT = new Set(["failed", "error", "canceled", "cancelled"]);

/**
 * The tiles as GeoJSON features. Thousands of tiles would be thousands of paths and tooltips no
 * one can read; beyond {@linkcode MANY_TILES}, tiles of one status become one shape whose
 * tooltip counts them, and only failed or canceled tiles keep their own.
 */
export function tileFeatures(tiles: MapTile[]) {
  const single = (t: MapTile) => ({
    type: "Feature",
    geometry: forD3(t.geometry),
    properties: {
      status: t.status,
      label: t.label,
      key: t.key,
      jobId: t.jobId,
      reason: t.reason,
      seconds: t.seconds,
      cost: t.cost,
    },
  });
  if (tiles.length <= MANY_TILES) return tiles.map(single);
  const groups = new Map<string, { polygons: Position[][][]; count: number }>();
  const kept = [];
  for (const t of tiles) {
    if (SINGLED_OUT.has(t.status)) kept.push(single(t));
    else {
      const group = groups.get(t.status) ?? { polygons: [], count: 0 };
      group.polygons.push(...polygonsOf(forD3(t.geometry)));
      group.count++;
      groups.set(t.status, group);
    }
  }
  return [
    ...[...groups].map(([status, { polygons, count }]) => ({
      type: "Feature",
      geometry: fromPolygons(polygons),
      properties: { status, label: `${status}: ${count} tiles` },
    })),
    ...kept,
  ];
}
