/**
 * The order in which the APEx server's shapely writes a clipped tile: which polygon comes first,
 * which way each ring winds and at which vertex it starts. The server computes
 * `polygon_m.intersection(box(...))`, GEOS's OverlayNG: it clips the inputs to a safe envelope,
 * nodes them (the area's rings first, then the cell's), and builds each result ring from the
 * first boundary edge it meets in that order, with the result on the ring's right (shells
 * clockwise, holes counter-clockwise) and the ring starting at that edge's second vertex. This
 * module replays those steps for the order only; the coordinates stay the overlay's own,
 * matched to the replay's vertices.
 *
 * @module
 */
import { insideRings } from "../../geo/contains.ts";
import { ringArea } from "../../geo/limits.ts";

type Pt = [number, number];
/** An envelope. */
export type Env = { minX: number; minY: number; maxX: number; maxY: number };

/** Where the first boundary edge of a result ring goes: from `origin` to the ring's start. */
interface Lead {
  origin: Pt;
  start: Pt;
}

function envOf(points: Pt[]): Env {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of points) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** GEOS's safe envelope for floating precision: grown by a tenth of its smaller side. */
function safe(e: Env): Env {
  let size = Math.min(e.maxX - e.minX, e.maxY - e.minY);
  if (size <= 0) size = Math.max(e.maxX - e.minX, e.maxY - e.minY);
  const d = 0.1 * size;
  return { minX: e.minX - d, minY: e.minY - d, maxX: e.maxX + d, maxY: e.maxY + d };
}

const covers = (a: Env, b: Env) =>
  b.minX >= a.minX && b.maxX <= a.maxX && b.minY >= a.minY && b.maxY <= a.maxY;

/** The envelope OverlayNG clips an intersection's inputs to. */
function clipEnvelope(aoi: Pt[][], cell: Pt[]): Env {
  const a = safe(envOf(aoi[0])), b = safe(envOf(cell));
  const target = {
    minX: Math.max(a.minX, b.minX),
    minY: Math.max(a.minY, b.minY),
    maxX: Math.min(a.maxX, b.maxX),
    maxY: Math.min(a.maxY, b.maxY),
  };
  const clip = { ...target };
  // Every segment whose extent meets the target widens the envelope to its ends.
  for (const ring of [...aoi, cell]) {
    for (let i = 1; i < ring.length; i++) {
      const [p, q] = [ring[i - 1], ring[i]];
      if (
        Math.max(p[0], q[0]) >= target.minX && Math.min(p[0], q[0]) <= target.maxX &&
        Math.max(p[1], q[1]) >= target.minY && Math.min(p[1], q[1]) <= target.maxY
      ) {
        for (const [x, y] of [p, q]) {
          clip.minX = Math.min(clip.minX, x);
          clip.maxX = Math.max(clip.maxX, x);
          clip.minY = Math.min(clip.minY, y);
          clip.maxY = Math.max(clip.maxY, y);
        }
      }
    }
  }
  return safe(clip);
}

const same = (p: Pt, q: Pt) => p[0] === q[0] && p[1] === q[1];

function push(out: Pt[], p: Pt) {
  if (out.length === 0 || !same(out[out.length - 1], p)) out.push(p);
}

/**
 * GEOS's RingClipper: the ring cut to the envelope side by side (bottom, right, top, left). Inside
 * the envelope the ring is unchanged; outside it runs along the envelope's sides.
 */
export function clipRing(ring: Pt[], e: Env): Pt[] {
  const inside = [
    (p: Pt) => p[1] > e.minY,
    (p: Pt) => p[0] < e.maxX,
    (p: Pt) => p[1] < e.maxY,
    (p: Pt) => p[0] > e.minX,
  ];
  const cut = (p: Pt, q: Pt, side: number): Pt => {
    if (side % 2 === 0) {
      const y = side === 0 ? e.minY : e.maxY;
      return [p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y];
    }
    const x = side === 1 ? e.maxX : e.minX;
    return [x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0])];
  };
  let pts = ring;
  for (let side = 0; side < 4 && pts.length > 0; side++) {
    const out: Pt[] = [];
    let p0 = pts[pts.length - 1];
    for (const p1 of pts) {
      if (inside[side](p1)) {
        if (!inside[side](p0)) push(out, cut(p0, p1, side));
        push(out, p1);
      } else if (inside[side](p0)) {
        push(out, cut(p0, p1, side));
      }
      p0 = p1;
    }
    if (side === 3 && out.length > 0 && !same(out[0], out[out.length - 1])) out.push(out[0]);
    pts = out;
  }
  return pts;
}

const cross = (o: Pt, a: Pt, b: Pt) =>
  (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Points where segment p–q meets segment r–s, as parameters along p–q and r–s. */
function meet(p: Pt, q: Pt, r: Pt, s: Pt): Array<{ at: Pt; t: number; u: number }> {
  const d1 = cross(r, s, p), d2 = cross(r, s, q), d3 = cross(p, q, r), d4 = cross(p, q, s);
  const along = (a: Pt, b: Pt, x: Pt) => {
    const dx = b[0] - a[0], dy = b[1] - a[1];
    return Math.abs(dx) >= Math.abs(dy) ? (x[0] - a[0]) / dx : (x[1] - a[1]) / dy;
  };
  if (d1 === 0 && d2 === 0) {
    // Collinear: the ends of the overlap.
    const out: Array<{ at: Pt; t: number; u: number }> = [];
    for (const x of [p, q, r, s]) {
      const t = along(p, q, x), u = along(r, s, x);
      if (t >= 0 && t <= 1 && u >= 0 && u <= 1 && !out.some((o) => same(o.at, x))) {
        out.push({ at: x, t, u });
      }
    }
    return out;
  }
  if ((d1 > 0 && d2 > 0) || (d1 < 0 && d2 < 0) || (d3 > 0 && d4 > 0) || (d3 < 0 && d4 < 0)) {
    return [];
  }
  if (d1 === 0) return [{ at: p, t: 0, u: along(r, s, p) }];
  if (d2 === 0) return [{ at: q, t: 1, u: along(r, s, q) }];
  if (d3 === 0) return [{ at: r, t: along(p, q, r), u: 0 }];
  if (d4 === 0) return [{ at: s, t: along(p, q, s), u: 1 }];
  const t = d1 / (d1 - d2);
  const at: Pt = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
  return [{ at, t, u: along(r, s, at) }];
}

type Node = { seg: number; t: number; at: Pt };

/** A ring cut at its nodes into the edges OverlayNG's graph holds, in ring order. */
function split(ring: Pt[], nodes: Node[]): Pt[][] {
  const cuts = [{ seg: 0, t: 0, at: ring[0] }, ...nodes, {
    seg: ring.length - 2,
    t: 1,
    at: ring[ring.length - 1],
  }].sort((a, b) => a.seg - b.seg || a.t - b.t);
  const edges: Pt[][] = [];
  for (let i = 1; i < cuts.length; i++) {
    const [a, b] = [cuts[i - 1], cuts[i]];
    const edge: Pt[] = [a.at];
    for (let v = a.seg + 1; v <= b.seg; v++) push(edge, ring[v]);
    push(edge, b.at);
    if (edge.length > 1) edges.push(edge);
  }
  return edges;
}

/** The first boundary edges of the result's rings, in the order OverlayNG meets them. */
function leads(aoi: Pt[][], cell: [number, number, number, number]): Lead[] {
  const [minX, minY, maxX, maxY] = cell;
  // shapely's box(): counter-clockwise from the south-east corner.
  const box: Pt[] = [[maxX, minY], [maxX, maxY], [minX, maxY], [minX, minY], [maxX, minY]];
  const e = clipEnvelope(aoi, box);
  const clipped = (ring: Pt[]) => {
    const r = envOf(ring);
    if (r.maxX < e.minX || r.minX > e.maxX || r.maxY < e.minY || r.minY > e.maxY) return [];
    if (covers(e, r)) {
      const out: Pt[] = [];
      for (const p of ring) push(out, p);
      return out;
    }
    return clipRing(ring, e);
  };
  const rings = aoi.map(clipped);
  const boxRing = clipped(box);
  const nodes = rings.map((): Node[] => []);
  const boxNodes: Node[] = [];
  rings.forEach((ring, k) => {
    for (let i = 1; i < ring.length; i++) {
      for (let j = 1; j < boxRing.length; j++) {
        for (const m of meet(ring[i - 1], ring[i], boxRing[j - 1], boxRing[j])) {
          nodes[k].push({ seg: i - 1, t: m.t, at: m.at });
          boxNodes.push({ seg: j - 1, t: m.u, at: m.at });
        }
      }
    }
  });
  const out: Lead[] = [];
  const seen = new Set<string>();
  const key = (edge: Pt[]) => {
    const a = JSON.stringify(edge), b = JSON.stringify([...edge].reverse());
    return a < b ? a : b;
  };
  const boxKeys = new Set(
    boxRing.length > 1 ? split(boxRing, boxNodes).map((edge) => key(edge)) : [],
  );
  const lead = (edge: Pt[], forward: boolean) => {
    const n = edge.length;
    out.push(
      forward ? { origin: edge[0], start: edge[1] } : { origin: edge[n - 1], start: edge[n - 2] },
    );
  };
  const boxInterior = (p: Pt) => p[0] > minX && p[0] < maxX && p[1] > minY && p[1] < maxY;
  rings.forEach((ring, k) => {
    if (ring.length < 2) return;
    // The area's interior lies left of a counter-clockwise shell and of a clockwise hole.
    const interiorLeft = (ringArea(ring) > 0) === (k === 0);
    for (const edge of split(ring, nodes[k])) {
      const id = key(edge);
      if (seen.has(id)) continue;
      seen.add(id);
      const mid: Pt = [(edge[0][0] + edge[1][0]) / 2, (edge[0][1] + edge[1][1]) / 2];
      if (boxInterior(mid)) {
        lead(edge, !interiorLeft);
      } else if (boxKeys.has(id)) {
        // Shared with the cell's boundary: part of the result when both interiors lie on the
        // same side. The cell's interior is left of its edges, which run counter-clockwise.
        const dx = edge[1][0] - edge[0][0], dy = edge[1][1] - edge[0][1];
        const cellLeft = locateLeft(mid, dx, dy, boxInterior);
        if (cellLeft === interiorLeft) lead(edge, !interiorLeft);
      }
    }
  });
  if (boxRing.length > 1) {
    for (const edge of split(boxRing, boxNodes)) {
      const id = key(edge);
      if (seen.has(id)) continue;
      seen.add(id);
      // A cell edge on the area's boundary was merged into the area's edge above (seen).
      const mid: Pt = [(edge[0][0] + edge[1][0]) / 2, (edge[0][1] + edge[1][1]) / 2];
      if (insideRings(aoi, mid[0], mid[1])) lead(edge, false);
    }
  }
  return out;
}

/** Whether the cell's interior lies left of a boundary edge through `mid` along (dx, dy). */
function locateLeft(mid: Pt, dx: number, dy: number, interior: (p: Pt) => boolean): boolean {
  const len = Math.hypot(dx, dy) || 1;
  const step = 1e-6 * Math.max(1, Math.abs(mid[0]), Math.abs(mid[1]));
  return interior([mid[0] - (dy / len) * step, mid[1] + (dx / len) * step]);
}

const near = (p: Pt, q: Pt, tol: number) =>
  Math.abs(p[0] - q[0]) <= tol && Math.abs(p[1] - q[1]) <= tol;

/**
 * `pieces` (polygons of closed rings, projected) ordered as the server's shapely writes the
 * intersection of `aoi` (projected rings, as sent) with `cell` ([minX, minY, maxX, maxY]).
 */
export function geosOrder(
  aoi: Pt[][],
  cell: [number, number, number, number],
  pieces: Pt[][][],
): Pt[][][] {
  const found = leads(aoi, cell);
  // Overlay libraries and this replay compute crossings a few ulps apart; pieces can be metres wide.
  const tol = 1e-9 * Math.max(1, ...cell.map(Math.abs));
  const arrange = (ring: Pt[], clockwise: boolean): { ring: Pt[]; rank: number } => {
    let open = ring.slice(0, -1);
    if ((ringArea(ring) < 0) !== clockwise) open = open.reverse();
    const n = open.length;
    for (let rank = 0; rank < found.length; rank++) {
      const { origin, start } = found[rank];
      for (let i = 0; i < n; i++) {
        if (near(open[i], start, tol) && near(open[(i - 1 + n) % n], origin, tol)) {
          const turned = [...open.slice(i), ...open.slice(0, i)];
          return { ring: [...turned, turned[0]], rank };
        }
      }
    }
    return { ring: [...open, open[0]], rank: Infinity };
  };
  return pieces
    .map((polygon) => {
      const shell = arrange(polygon[0], true);
      const holes = polygon.slice(1).map((h) => arrange(h, false)).sort((a, b) => a.rank - b.rank);
      return { rank: shell.rank, rings: [shell.ring, ...holes.map((h) => h.ring)] };
    })
    .sort((a, b) => a.rank - b.rank)
    .map((p) => p.rings);
}
