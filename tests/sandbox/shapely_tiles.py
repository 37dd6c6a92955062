#!/usr/bin/env python3
"""Writes shapely_tiles.json: areas and the tiles the APEx Dispatch server makes of them
(app/services/tiles/km_grids.py: project to EPSG:3857, intersect with each 20 km cell from the
area's south-west corner, project back), as shapely/GEOS writes them: ring order and start
vertex included. tests/sandbox/apex_tiles_order_test.ts compares the twin's /tiles with it.

Usage: python3 tests/sandbox/shapely_tiles.py > tests/sandbox/shapely_tiles.json
Needs Debian's python3-shapely and python3-pyproj; prints the GEOS version it used.
"""
import json
import math
import pathlib
import random
import sys

import shapely.geos
from shapely.geometry import Polygon, mapping, shape

# The server's split, as the tiling benchmark's reference runs it.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))
from tiling_reference import split  # noqa: E402


def tiles(aoi):
    return split(shape(aoi), "EPSG:3857", 20_000.0, "corner")


def ring(center, radius, n, rng, reverse):
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    points = []
    for a in angles:
        r = radius * rng.uniform(0.35, 1.0)
        points.append((round(center[0] + r * math.cos(a), 5), round(center[1] + r * math.sin(a), 5)))
    return points[::-1] if reverse else points


def areas():
    rng = random.Random(7)
    yield "Vienna box (the tutorial)", Polygon(
        [(16.15, 48.03), (16.71, 48.03), (16.71, 48.31), (16.15, 48.31)])
    yield "Vienna box, clockwise", Polygon(
        [(16.15, 48.03), (16.15, 48.31), (16.71, 48.31), (16.71, 48.03)])
    yield "Antwerp pentagon (the OpenAPI example)", Polygon([
        (5.131074140132512, 51.352892918832026), (4.836037011633863, 51.331277680080774),
        (4.789036228520871, 51.12326419975835), (5.164855813583216, 51.11863683854557),
        (5.192048230607185, 51.33847556306924)])
    yield "small field inside one cell", Polygon(
        [(14.07, 47.77), (14.09, 47.77), (14.09, 47.78), (14.07, 47.78)])
    yield "box with a hole", Polygon(
        [(10.0, 45.0), (10.6, 45.0), (10.6, 45.4), (10.0, 45.4)],
        [[(10.2, 45.1), (10.2, 45.3), (10.4, 45.3), (10.4, 45.1)]])
    for i in range(40):
        center = (rng.uniform(-20, 30), rng.uniform(-40, 60))
        poly = Polygon(ring(center, rng.uniform(0.1, 0.6), rng.randint(3, 12), rng, rng.random() < 0.5))
        if poly.is_valid:
            yield f"random {i}", poly
    # Stars of up to 60 vertices, rounded to 3, 5 or 9 decimals, starting anywhere: vertices on
    # cell edges and concave corners, where overlay libraries disagree with GEOS.
    stars = random.Random(11)
    for i in range(30):
        center = (stars.uniform(-170, 170), stars.uniform(-60, 70))
        n, radius = stars.randint(3, 60), stars.uniform(0.05, 0.8)
        points = []
        for a in sorted(stars.uniform(0, 2 * math.pi) for _ in range(n)):
            r = radius * stars.uniform(0.2, 1)
            points.append((
                round(center[0] + r * math.cos(a), stars.choice([3, 5, 9])),
                round(center[1] + 0.7 * r * math.sin(a), stars.choice([3, 5, 9])),
            ))
        if stars.random() < 0.5:
            points = points[::-1]
        k = stars.randint(0, len(points) - 1)
        points = points[k:] + points[:k]
        if len(points) >= 3 and Polygon(points).is_valid:
            yield f"star {i}", Polygon(points)


def main():
    cases = []
    for name, poly in areas():
        aoi = mapping(poly)
        aoi = {"type": "Polygon", "coordinates": [[list(p) for p in r] for r in aoi["coordinates"]]}
        cases.append({"name": name, "aoi": aoi, "tiles": tiles(aoi)})
    print(json.dumps({"geos": shapely.geos.geos_version_string, "cases": cases}))


main()
