#!/usr/bin/env python3
"""The reference split for bench/tiling.ts: the APEx Dispatch server's algorithm (shapely and
pyproj, in-process): project the area, then intersect it with every cell of the grid, one cell
at a time, and project each piece back.

Usage: tiling_reference.py AREA.geojson CRS SIZE_M ANCHOR
  CRS     the metric CRS, e.g. EPSG:3857 (the platform's grid) or EPSG:32633
  ANCHOR  "corner" (cells from the area's south-west corner, as the platform lays them) or
          "origin" (cells at multiples of the size, as kmGrid lays them)
Prints one JSON line: {"seconds": ..., "cells": ...} (the split only, not the imports).
Needs Debian's python3-shapely and python3-pyproj.
"""
import json
import math
import sys
import time

import pyproj
from shapely.geometry import box, shape
from shapely.ops import transform


def split(area, crs, size, anchor):
    forward = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform
    inverse = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform
    projected = transform(forward, area)
    west, south, east, north = projected.bounds
    if anchor == "origin":
        west = math.floor(west / size) * size
        south = math.floor(south / size) * size
    pieces = []
    x = west
    while x < east:
        y = south
        while y < north:
            piece = projected.intersection(box(x, y, x + size, y + size))
            if not piece.is_empty:
                pieces.append(transform(inverse, piece).__geo_interface__)
            y += size
        x += size
    return pieces


def main():
    path, crs, size, anchor = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    with open(path) as f:
        area = shape(json.load(f))
    started = time.perf_counter()
    pieces = split(area, crs, size, anchor)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "cells": len(pieces)}))


if __name__ == "__main__":
    main()
