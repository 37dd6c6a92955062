/**
 * The extraction results of the BEOD twin: synthetic buildings, trees and roads, a land-cover
 * (clutter) raster and a terrain model (DTM), laid out per tile as `{tile}/EXPORT/{layer}/
 * {format}/{file}`, made deterministically from the place so that neighbouring tiles agree.
 *
 * @module
 */
import { writeGeoPackage } from "../files/geopackage.ts";
import { writeGeoTiff } from "../files/geotiff_writer.ts";
import { sampleGrid, samplePlanes } from "../files/grid.ts";
import { onLand } from "../files/land.ts";
import { toMercator } from "../files/mercator.ts";
import { writeShapefile } from "../files/shapefile.ts";
import type { SimpleFeature, XY } from "../files/vector.ts";
import { insideRings } from "../../geo/contains.ts";

type BBox = [number, number, number, number];

function hash(i: number, j: number, salt: number): number {
  let h = Math.imul(i, 2654435761) ^ Math.imul(j, 2246822519) ^ Math.imul(salt, 3266489917);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const BUILDING_CELL = 0.0004, TREE_CELL = 0.00025, ROAD_STEP = 0.003;

/** Building footprint of lattice cell (i, j), if any: `[w, s, e, n]` and a height. */
function buildingOf(i: number, j: number): { box: BBox; height: number } | undefined {
  if (hash(i, j, 11) > 0.3) return undefined;
  const w = 0.00008 + 0.00018 * hash(i, j, 12), h = 0.00008 + 0.00015 * hash(i, j, 13);
  const x = i * BUILDING_CELL + (BUILDING_CELL - w) * hash(i, j, 14);
  const y = j * BUILDING_CELL + (BUILDING_CELL - h) * hash(i, j, 15);
  return { box: [x, y, x + w, y + h], height: Math.round(4 + 30 * hash(i, j, 16) ** 2) };
}

function treeOf(i: number, j: number): { at: XY; height: number } | undefined {
  if (hash(i, j, 21) > 0.2) return undefined;
  return {
    at: [(i + hash(i, j, 22)) * TREE_CELL, (j + hash(i, j, 23)) * TREE_CELL],
    height: Math.round(3 + 17 * hash(i, j, 24)),
  };
}

/** One tile of a scenario, in EPSG:4326, with the AOI it is cut from. */
export interface TileSpec {
  /** Tile name (`"0"`, `"1"`, ...). */
  name: string;
  /** Extent. */
  bbox: BBox;
  /** AOI rings (lon/lat). */
  aoi: [number, number][][];
}

/** Splits an AOI's extent into tiles of `size` degrees. */
export function tilesOf(aoi: [number, number][][], size: number): TileSpec[] {
  const xs = aoi[0].map((p) => p[0]), ys = aoi[0].map((p) => p[1]);
  const [w, s, e, n] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const tiles: TileSpec[] = [];
  // Counted, not accumulated: repeated addition would leave a sliver tile at the edge.
  const rows = Math.max(1, Math.ceil((n - s) / size - 1e-9)),
    cols = Math.max(1, Math.ceil((e - w) / size - 1e-9));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = w + c * size, y = s + r * size;
      tiles.push({
        name: String(tiles.length),
        bbox: [x, y, Math.min(x + size, e), Math.min(y + size, n)],
        aoi,
      });
    }
  }
  return tiles;
}

function lattice(bbox: BBox, cell: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = Math.floor(bbox[0] / cell); i <= Math.floor(bbox[2] / cell); i++) {
    for (let j = Math.floor(bbox[1] / cell); j <= Math.floor(bbox[3] / cell); j++) out.push([i, j]);
  }
  return out;
}

const within = (tile: TileSpec, [x, y]: XY) =>
  x >= tile.bbox[0] && x < tile.bbox[2] && y >= tile.bbox[1] && y < tile.bbox[3] &&
  insideRings(tile.aoi, x, y);

/** The vector layers of a tile, in EPSG:4326. */
export function vectorLayers(
  tile: TileSpec,
): Record<"building" | "tree" | "road", SimpleFeature[]> {
  const building: SimpleFeature[] = [];
  for (const [i, j] of lattice(tile.bbox, BUILDING_CELL)) {
    const b = buildingOf(i, j);
    if (!b) continue;
    const [w, s, e, n] = b.box;
    if (!within(tile, [(w + e) / 2, (s + n) / 2]) || !onLand((w + e) / 2, (s + n) / 2)) continue;
    building.push({
      geometry: { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
      properties: {
        id: building.length + 1,
        height: b.height,
        class: b.height > 15 ? "commercial" : "residential",
      },
    });
  }
  const tree: SimpleFeature[] = [];
  for (const [i, j] of lattice(tile.bbox, TREE_CELL)) {
    const t = treeOf(i, j);
    if (!t || !within(tile, t.at) || !onLand(...t.at)) continue;
    tree.push({
      geometry: { type: "Point", coordinates: t.at },
      properties: { id: tree.length + 1, height: t.height },
    });
  }
  const road: SimpleFeature[] = [];
  const [w, s, e, n] = tile.bbox;
  for (let k = Math.ceil(w / ROAD_STEP); k * ROAD_STEP < e; k++) {
    road.push({
      geometry: { type: "LineString", coordinates: [[k * ROAD_STEP, s], [k * ROAD_STEP, n]] },
      properties: { id: road.length + 1, class: k % 3 === 0 ? "primary" : "secondary" },
    });
  }
  for (let k = Math.ceil(s / ROAD_STEP); k * ROAD_STEP < n; k++) {
    road.push({
      geometry: { type: "LineString", coordinates: [[w, k * ROAD_STEP], [e, k * ROAD_STEP]] },
      properties: { id: road.length + 1, class: k % 3 === 0 ? "primary" : "secondary" },
    });
  }
  return { building, tree, road };
}

function project(f: SimpleFeature, crs: number): SimpleFeature {
  if (crs === 4326) return f;
  const g = f.geometry;
  const p = (xy: XY) => toMercator(xy);
  const geometry = g.type === "Point"
    ? { type: "Point" as const, coordinates: p(g.coordinates) }
    : g.type === "LineString"
    ? { type: "LineString" as const, coordinates: g.coordinates.map(p) }
    : { type: "Polygon" as const, coordinates: g.coordinates.map((r) => r.map(p)) };
  return { ...f, geometry };
}

/** Land-cover class at a point: 0 no data, 1 ground, 2 building, 3 tree, 4 road, 5 water. */
function clutterAt(lon: number, lat: number): number {
  if (!onLand(lon, lat)) return 5;
  const b = buildingOf(Math.floor(lon / BUILDING_CELL), Math.floor(lat / BUILDING_CELL));
  if (b && lon >= b.box[0] && lon < b.box[2] && lat >= b.box[1] && lat < b.box[3]) return 2;
  const near = (v: number) =>
    Math.abs(v / ROAD_STEP - Math.round(v / ROAD_STEP)) * ROAD_STEP < 0.00004;
  if (near(lon) || near(lat)) return 4;
  const t = treeOf(Math.floor(lon / TREE_CELL), Math.floor(lat / TREE_CELL));
  if (t && Math.hypot(lon - t.at[0], lat - t.at[1]) < 0.00004) return 3;
  return 1;
}

/** Terrain height in metres: smooth hills. */
export function dtmAt(lon: number, lat: number): number {
  return 120 + 45 * Math.sin(lon * 97) * Math.cos(lat * 83) + 12 * Math.sin(lon * 611 + lat * 487);
}

async function raster(tile: TileSpec, crs: number, kind: "clutter" | "dtm"): Promise<Uint8Array> {
  // About 4 m pixels: 0.00004 degrees, or 4 m of the projection asked for.
  const grid = sampleGrid(tile.bbox, `EPSG:${crs}`, crs === 4326 ? 0.00004 : 4, 4096);
  const [data] = kind === "dtm"
    ? samplePlanes(grid, (n) => new Float32Array(n), 1, (lon, lat, out) => {
      out[0] = dtmAt(lon, lat);
    })
    : samplePlanes(grid, (n) => new Uint8Array(n), 1, (lon, lat, out) => {
      out[0] = clutterAt(lon, lat);
    });
  return await writeGeoTiff({
    width: grid.width,
    height: grid.height,
    data,
    bbox: grid.bbox,
    crs: grid.crs,
    nodata: kind === "dtm" ? -9999 : 0,
  });
}

/** What a scenario asked for. */
export interface OutputSpec {
  /** EPSG code of the outputs. */
  crs: number;
  /** Vector formats: `shapefile`, `geopackage`, `geojson`. */
  vector: string[];
  /** Raster formats: `geotiff`. */
  raster: string[];
  /** 3D formats: `3d_tiles`. */
  threeD: string[];
}

/** The relative paths of a tile's files, in a stable order. */
export function filesOf(tile: TileSpec, spec: OutputSpec): string[] {
  const out: string[] = [];
  for (const layer of ["building", "tree", "road"]) {
    for (const format of spec.vector) {
      const names = format === "shapefile"
        ? ["shp", "shx", "dbf", "prj"].map((x) => `${layer}.${x}`)
        : [`${layer}.${format === "geopackage" ? "gpkg" : "geojson"}`];
      for (const name of names) out.push(`${tile.name}/EXPORT/${layer}/${format}/${name}`);
    }
    if (layer !== "road") {
      for (const format of spec.threeD) {
        out.push(`${tile.name}/EXPORT/${layer}/${format}/tileset.json`);
      }
    }
  }
  for (const layer of ["clutter", "dtm"]) {
    for (const format of spec.raster) {
      out.push(`${tile.name}/EXPORT/${layer}/${format}/${layer}.tif`);
    }
  }
  return out;
}

/** The bytes of one file of a tile. */
export async function fileBytes(
  tile: TileSpec,
  spec: OutputSpec,
  path: string,
): Promise<Uint8Array> {
  const [, , layer, format, name] = path.split("/");
  if (layer === "clutter" || layer === "dtm") return await raster(tile, spec.crs, layer);
  const features = vectorLayers(tile)[layer as "building" | "tree" | "road"].map((f) =>
    project(f, spec.crs)
  );
  const enc = new TextEncoder();
  if (format === "geojson") {
    return enc.encode(JSON.stringify({
      type: "FeatureCollection",
      crs: { type: "name", properties: { name: `urn:ogc:def:crs:EPSG::${spec.crs}` } },
      features: features.map((f) => ({
        type: "Feature",
        geometry: f.geometry,
        properties: f.properties,
      })),
    }));
  }
  if (format === "geopackage") return await writeGeoPackage(layer, features, spec.crs);
  if (format === "3d_tiles") {
    const [w, s, e, n] = tile.bbox.map((v) => v * Math.PI / 180);
    return enc.encode(JSON.stringify({
      asset: { version: "1.0" },
      geometricError: 100,
      root: { boundingVolume: { region: [w, s, e, n, 0, 60] }, geometricError: 0, refine: "ADD" },
    }));
  }
  const shapefile = writeShapefile(features, spec.crs);
  return shapefile[name.split(".").pop() as "shp" | "shx" | "dbf" | "prj"];
}
