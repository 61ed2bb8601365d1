"""Synthetic LSOA 2021 boundaries for the demo's fictional area, as the analyst would supply
ONS's generalised boundaries: GeoJSON in longitude/latitude with LSOA21CD and LSOA21NM.

Each LSOA is the Voronoi cell of its centre within its district's rectangle. The demo lays a
district's LSOAs out on a grid of cells, so a cell is its LSOA's grid cell (widened where the
last row of the grid is short) and every point the demo places in an LSOA lies inside its
polygon. No randomness: the file depends only on the geography.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import shapely

if TYPE_CHECKING:
    from svna.demo import _Lsoa

BOUNDARIES_FILE = "reference/lsoa21_boundaries.geojson"
DECIMALS = 6  # about 0.1 m, as in ONS's files


def _rounded(geometry: shapely.Geometry) -> dict:
    return json.loads(shapely.to_geojson(shapely.set_precision(geometry, 10 ** -DECIMALS)))


def demo_boundaries(lsoas: list[_Lsoa]) -> dict:
    """A GeoJSON FeatureCollection of every LSOA with a code in a district with a code (the
    area and its neighbours; the district that no lookup knows has no boundaries either)."""
    features = []
    placed = [x for x in lsoas if x.district.code]
    for district in dict.fromkeys(x.district for x in placed):
        own = [x for x in placed if x.district is district]
        west, east, south, north = district.bbox
        extent = shapely.box(west, south, east, north)
        centres = [shapely.Point(x.centre) for x in own]
        cells = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=extent).geoms
        for lsoa, centre in zip(own, centres, strict=True):
            cell = next(c for c in cells if c.contains(centre))
            features.append({
                "type": "Feature",
                "properties": {"LSOA21CD": lsoa.code, "LSOA21NM": lsoa.name},
                "geometry": _rounded(cell.intersection(extent)),
            })
    features.sort(key=lambda f: f["properties"]["LSOA21CD"])
    return {"type": "FeatureCollection", "name": "lsoa21_boundaries", "features": features}


def write_demo_boundaries(raw_dir: Path, lsoas: list[_Lsoa]) -> str:
    """Writes the boundaries under raw_dir; returns their path relative to it."""
    path = Path(raw_dir) / BOUNDARIES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(demo_boundaries(lsoas), separators=(",", ":")) + "\n",
                    encoding="utf-8")
    return BOUNDARIES_FILE
