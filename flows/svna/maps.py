"""Offline maps for the board documents, drawn as plain SVG from the boundary polygons.

No tile server and no script: like the charts, a map travels inside the HTML and the PDF and
opens on a locked-down machine. With LSOA 2021 boundaries (the analyst's GeoJSON, GeoPackage or
shapefile, `report.boundaries`) the map shades the area's LSOAs; without them it counts
records in grid squares from their coordinates. Shading is a ColorBrewer single-hue (Blues)
scale, readable with every common colour-blindness and in greyscale print. A map of
person-level counts never shows a count from 1 to threshold-1: those LSOAs share one hatched
class, "fewer than N", and are never labelled.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
from markupsafe import Markup

LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
# Field names of the LSOA 2021 code and name in ONS boundary files and common re-exports.
CODE_FIELDS = ("lsoa21cd", "lsoa21_code", "lsoa_code", "lsoacd")
NAME_FIELDS = ("lsoa21nm", "lsoa21_name", "lsoa_name", "lsoanm")
OLD_CODE_FIELDS = ("lsoa11cd", "lsoa01cd")
GEOGRAPHIC_CRS = ("EPSG:4326", "EPSG:4258", "EPSG:4269", "OGC:CRS84", "CRS:84")

# ColorBrewer Blues, light to dark, without its palest shades (kept for "none").
BLUES = {
    1: ("#4292c6",),
    2: ("#9ecae1", "#2171b5"),
    3: ("#c6dbef", "#6baed6", "#08519c"),
    4: ("#c6dbef", "#6baed6", "#2171b5", "#08306b"),
    5: ("#c6dbef", "#9ecae1", "#4292c6", "#2171b5", "#08306b"),
    6: ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08306b"),
}
NONE_FILL, NO_DATA_FILL, HATCH = "#ffffff", "#d9d9d9", "#6b6b6b"
INK, EDGE = "#1b1b1b", "#8c8c8c"
FONT = "Helvetica, Arial, sans-serif"
EARTH_RADIUS_M = 6_371_008.8
MAP_WIDTH, LEGEND_WIDTH, MAX_MAP_HEIGHT, PAD = 480, 230, 560, 10
NICE_LENGTHS_M = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000)
NO_BOUNDARIES = ("LSOA boundaries were not supplied (report.boundaries in the config), so this "
                 "map counts records in {size} squares from their coordinates instead of "
                 "shading LSOAs.")


class MapError(ValueError):
    """A boundaries file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Boundaries:
    """LSOA polygons in metres on a plane, y to the north (EPSG:27700 as delivered, or
    longitude/latitude projected onto a local equal-area plane)."""

    path: Path
    codes: list[str]
    names: list[str | None]
    geometries: np.ndarray  # shapely geometries, one per code


@dataclass(frozen=True)
class MapClass:
    key: str  # the SVG class of its shapes: "c1".."cN", "none", "small", "nodata"
    label: str
    fill: str  # a colour, or "hatch" for the suppressed class


# --- reading ---------------------------------------------------------------------------------

def _field(fields: Sequence[str], candidates: Sequence[str]) -> str | None:
    lower = {f.lower(): f for f in fields}
    return next((lower[c] for c in candidates if c in lower), None)


def _is_geographic(crs: str | None, bounds: Sequence[float]) -> bool:
    """Longitude/latitude, from the CRS where the file names one, else from the numbers."""
    if crs:
        text = crs.strip().upper()
        return text in GEOGRAPHIC_CRS or text.startswith(("GEOGCS", "GEOGCRS"))
    west, south, east, north = bounds
    return -180 <= west <= east <= 180 and -90 <= south <= north <= 90


def lonlat_to_plane(lon: np.ndarray, lat: np.ndarray, origin: tuple[float, float]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Lambert cylindrical equal-area with its standard parallel through the area: areas are
    true and, across a county, shapes too (no projection library needed). Metres."""
    lon0, lat0 = (math.radians(v) for v in origin)
    cos0 = math.cos(lat0)
    x = EARTH_RADIUS_M * cos0 * (np.radians(lon) - lon0)
    y = EARTH_RADIUS_M * (np.sin(np.radians(lat)) - math.sin(lat0)) / cos0
    return x, y


def _project(geometries: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    def plane(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(lonlat_to_plane(coords[:, 0], coords[:, 1], origin))
    return shapely.transform(geometries, plane)


def _layer(path: Path) -> str | None:
    """The layer holding LSOA codes (a GeoPackage may hold several)."""
    layers = pyogrio.list_layers(path)
    if len(layers) <= 1:
        return None
    for name, _ in layers:
        if _field(pyogrio.read_info(path, layer=name)["fields"], CODE_FIELDS):
            return name
    raise MapError(f"{path}: no layer has an LSOA 2021 code field ({', '.join(CODE_FIELDS)}); "
                   f"layers: {[name for name, _ in layers]}")


def read_boundaries(path: Path, codes: Sequence[str] | None = None) -> Boundaries:
    """The LSOA 2021 polygons of `path` (GeoJSON, GeoPackage or shapefile), only those of
    `codes` when given (read with a filter, so a national file is fine)."""
    path = Path(path)
    if not path.exists():
        raise MapError(f"{path}: boundaries file not found (report.boundaries in the config)")
    try:
        layer = _layer(path)
        info = pyogrio.read_info(path, layer=layer)
    except pyogrio.errors.DataSourceError as exc:
        raise MapError(f"{path}: not a readable GeoJSON, GeoPackage or shapefile: {exc}") from None
    fields = list(info["fields"])
    code_field, name_field = _field(fields, CODE_FIELDS), _field(fields, NAME_FIELDS)
    if code_field is None:
        old = _field(fields, OLD_CODE_FIELDS)
        hint = (f" it has {old}: these are older LSOA boundaries; svna needs LSOA 2021 ones"
                if old else "")
        raise MapError(f"{path}: no LSOA 2021 code field (one of {', '.join(CODE_FIELDS)}, "
                       f"any case) among its fields {fields};{hint}")
    where = None
    if codes is not None:
        wanted = sorted({str(c) for c in codes if LSOA_CODE.match(str(c))})
        if not wanted:
            return Boundaries(path, [], [], np.array([], dtype=object))
        where = f'"{code_field}" IN ({", ".join(repr(c) for c in wanted)})'
    columns = [code_field] + ([name_field] if name_field else [])
    meta, _, wkb, data = pyogrio.raw.read(path, layer=layer, columns=columns, where=where,
                                          force_2d=True)
    found_codes = [None if c is None else str(c).strip() for c in data[0]]
    names = [None if n is None else str(n) for n in data[1]] if name_field else \
        [None] * len(found_codes)
    geometries = shapely.from_wkb(wkb)
    seen: dict[str, int] = {}
    for row, (code, geometry) in enumerate(zip(found_codes, geometries, strict=True), start=1):
        if code is None or not LSOA_CODE.match(code):
            raise MapError(f"{path}: feature {row}, field {code_field}: {code!r} is not an LSOA "
                           "code (E01 or W01 and six digits)")
        if geometry is None or geometry.is_empty:
            raise MapError(f"{path}: feature {row} ({code}) has no geometry")
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise MapError(f"{path}: feature {row} ({code}) is a {geometry.geom_type}, "
                           "not a polygon")
        if code in seen:
            raise MapError(f"{path}: features {seen[code]} and {row} both have "
                           f"{code_field} {code}")
        seen[code] = row
    geometries = shapely.make_valid(geometries) if len(geometries) else geometries
    if len(geometries):
        bounds = shapely.total_bounds(geometries)
        if _is_geographic(meta.get("crs"), bounds):
            origin = ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
            geometries = _project(geometries, origin)
    return Boundaries(path, found_codes, names, np.asarray(geometries, dtype=object))


# --- classes ---------------------------------------------------------------------------------

def _decimals(values: pd.Series) -> int:
    numbers = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    return 0 if (numbers == numbers.round()).all() else 1


def _in_sentence(label: str) -> str:
    """A legend title inside a sentence: "Serious violence" -> "serious violence", but an
    initialism ("A&E attendances", "LSOA") stays as it is."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def classify(values: pd.Series, *, counts: pd.Series | None = None, threshold: int = 1,
             n_classes: int = 5, decimals: int = 0) -> tuple[list[MapClass], pd.Series]:
    """Quantile classes of the positive values (each class about as many areas), plus "none"
    (zero), "nodata" (missing) and, where `counts` are person-level (threshold > 1), "small":
    a count from 1 to threshold-1, whatever its value (a rate would give the count away).
    Returns the classes in legend order and each value's class key."""
    values = pd.to_numeric(values, errors="coerce").astype(float)
    counts = values if counts is None else pd.to_numeric(counts, errors="coerce").astype(float)
    small = (counts > 0) & (counts < threshold) & (threshold > 1)
    keys = pd.Series("nodata", index=values.index, dtype=object)
    keys[(values == 0) | (counts == 0)] = "none"
    keys[small] = "small"
    shaded = values.notna() & (values > 0) & ~small & (counts != 0)
    classes: list[MapClass] = []
    if (keys == "none").any():
        classes.append(MapClass("none", "No records", NONE_FILL))
    if small.any():
        classes.append(MapClass("small", f"Fewer than {threshold} (suppressed)", "hatch"))
    if shaded.any():
        positive = np.sort(values[shaded].to_numpy())
        scale = 10 ** decimals
        k = min(n_classes, len(np.unique(positive)), max(BLUES))
        # Upper bounds at the shown precision: the inner ones rounded down (with whole
        # numbers, a median of 5.5 splits 5 from 6), the last rounded up to hold the maximum.
        # A class left empty by the rounding is dropped.
        inner = [math.floor(np.quantile(positive, i / k) * scale + 1e-9) / scale
                 for i in range(1, k)]
        edges = np.array(sorted({*inner, math.ceil(positive[-1] * scale - 1e-9) / scale}))
        edges = edges[np.unique(np.searchsorted(edges, positive - 1e-9))]
        low = positive[0]
        for number, (edge, colour) in enumerate(zip(edges, BLUES[len(edges)], strict=True),
                                                start=1):
            if decimals == 0:
                label = _fmt(low, 0) if low == edge else f"{_fmt(low, 0)} to {_fmt(edge, 0)}"
                low = edge + 1
            else:
                label = (f"{_fmt(low, decimals)} to {_fmt(edge, decimals)}" if number == 1
                         else f"over {_fmt(low, decimals)} to {_fmt(edge, decimals)}")
                low = edge
            classes.append(MapClass(f"c{number}", label, colour))
        position = np.searchsorted(edges, values[shaded].to_numpy() - 1e-9)
        keys[shaded] = [f"c{p + 1}" for p in position]
    if (keys == "nodata").any():
        classes.append(MapClass("nodata", "No data", NO_DATA_FILL))
    return classes, keys


# --- drawing ---------------------------------------------------------------------------------

class _Frame:
    """Map units (metres, y north) to SVG pixels (y down), fitting the extent in the map box."""

    def __init__(self, bounds: Sequence[float]):
        west, south, east, north = bounds
        span_x, span_y = max(east - west, 1.0), max(north - south, 1.0)
        self.scale = min((MAP_WIDTH - 2 * PAD) / span_x, (MAX_MAP_HEIGHT - 2 * PAD) / span_y)
        self.west, self.north = west, north
        self.height = span_y * self.scale + 2 * PAD

    def xy(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack([PAD + (coords[:, 0] - self.west) * self.scale,
                                PAD + (self.north - coords[:, 1]) * self.scale])

    def path(self, geometry: Any) -> str:
        """An SVG path of a polygon or multipolygon, every ring closed (even-odd holes)."""
        rings = []
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.geom_type != "Polygon":
                continue
            for ring in (polygon.exterior, *polygon.interiors):
                points = self.xy(np.asarray(ring.coords))
                rings.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points[:-1]) + "Z")
        return "".join(rings)


def _ids(seed: str) -> str:
    """A prefix for the SVG's ids: several maps on one page must not share a pattern id."""
    return "m" + hashlib.sha256(seed.encode()).hexdigest()[:8] + "-"


def _fill(map_class: MapClass, prefix: str) -> str:
    return f"url(#{prefix}hatch)" if map_class.fill == "hatch" else map_class.fill


def _text(x: float, y: float, text: str, *, size: int = 12, weight: str = "normal",
          anchor: str = "start", halo: bool = False) -> str:
    attrs = (f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
             f'text-anchor="{anchor}"')
    under = (f'<text {attrs} fill="none" stroke="#ffffff" stroke-width="3" '
             f'stroke-linejoin="round">{escape(text)}</text>') if halo else ""
    return f'{under}<text {attrs} fill="{INK}">{escape(text)}</text>'


def _scale_bar(frame: _Frame, y: float) -> str:
    """A bar about a quarter of the map's width, a round number of metres or kilometres."""
    target = (MAP_WIDTH - 2 * PAD) / 4 / frame.scale
    metres = max((n for n in NICE_LENGTHS_M if n <= target), default=NICE_LENGTHS_M[0])
    length = metres * frame.scale
    label = f"{metres // 1000:g} km" if metres >= 1000 and metres % 1000 == 0 else (
        f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m")
    x = MAP_WIDTH + PAD
    return (f'<g class="scale-bar"><path d="M{x:.1f},{y - 4:.1f}V{y:.1f}H{x + length:.1f}'
            f'V{y - 4:.1f}" fill="none" stroke="{INK}" stroke-width="1.5"/>'
            + _text(x + length + 6, y + 1, label, size=11) + "</g>")


def _legend(title: str, classes: list[MapClass], prefix: str, extras: list[tuple[str, str]],
            ) -> tuple[str, float]:
    """The legend column: title, one swatch per class, then the line symbols (outlines)."""
    x, y = MAP_WIDTH + PAD, PAD + 12
    parts = ['<g class="legend">']
    for line in _wrap(title, 30):
        parts.append(_text(x, y, line, weight="bold"))
        y += 16
    y += 4
    for map_class in classes:
        parts.append(f'<rect class="swatch {map_class.key}" x="{x}" y="{y:.1f}" width="18" '
                     f'height="14" fill="{_fill(map_class, prefix)}" stroke="{EDGE}" '
                     'stroke-width="0.8"/>')
        parts.append(_text(x + 26, y + 11.5, map_class.label))
        y += 20
    for symbol, label in extras:
        y += 4
        parts.append(symbol.format(x=x, y=y, x2=x + 18, ym=y + 7, yb=y + 14))
        for number, line in enumerate(_wrap(label, 26)):
            parts.append(_text(x + 26, y + 11.5 + 15 * number, line))
        y += 20 + 15 * (len(_wrap(label, 26)) - 1)
    parts.append("</g>")
    return "".join(parts), y


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _svg(body: list[str], height: float, alt: str, prefix: str) -> Markup:
    """No xmlns: inline in HTML it needs none (and the page then names no web address)."""
    width = MAP_WIDTH + LEGEND_WIDTH
    return Markup(
        f'<svg class="map" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" font-family="{FONT}">'
        f"<title>{escape(alt)}</title>"
        f'<defs><pattern id="{prefix}hatch" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="#ffffff"/><path d="M-1,1L1,-1M0,6L6,0M5,7L7,5" '
        f'stroke="{HATCH}" stroke-width="1.2"/></pattern></defs>'
        + "".join(body) + "</svg>")


def _value_text(value: float, count: float, threshold: int, decimals: int) -> str:
    if pd.isna(value):
        return "no data"
    if threshold > 1 and 0 < count < threshold:
        return f"fewer than {threshold}"
    return _fmt(value, decimals)


def _ranked(values: pd.Series, keys: pd.Series, codes: pd.Series, top_n: int) -> list[Any]:
    """The index of the top_n shaded areas, highest value first (ties: by code, as the SQL's
    ranks). Suppressed, zero and missing areas are never hotspots."""
    shaded = keys.str.startswith("c")
    order = pd.DataFrame({"value": values[shaded], "code": codes[shaded]})
    return list(order.sort_values(["value", "code"], ascending=[False, True]).index[:top_n])


def choropleth_map(boundaries: Boundaries, areas: pd.DataFrame, *, value: str,
                   value_label: str, area_name: str, top_n: int = 5,
                   count: str | None = None, threshold: int = 1, n_classes: int = 5,
                   decimals: int | None = None) -> dict[str, Any]:
    """The area's LSOAs shaded by `areas[value]`, district outlines (dissolved by lad_code),
    the top_n LSOAs outlined and numbered; {"svg", "alt"} as the report's figures.

    `areas`: one row per LSOA of the area with lsoa21_code, lsoa21_name, lad_code, lad_name
    and the value (assessment.lsoa_concentration has them). A person-level map passes its
    count column as `count` and the suppression threshold; counts are then never shown from
    1 to threshold-1."""
    required = {"lsoa21_code", "lsoa21_name", "lad_code", "lad_name", value} | (
        {count} if count else set())
    missing = sorted(required - set(areas.columns))
    if missing:
        raise ValueError(f"choropleth_map: areas lack column(s) {missing}")
    areas = areas.reset_index(drop=True)
    decimals = _decimals(areas[value]) if decimals is None else decimals
    values = pd.to_numeric(areas[value], errors="coerce").astype(float)
    counts = values if count is None else pd.to_numeric(areas[count], errors="coerce")
    classes, keys = classify(values, counts=counts if count else None, threshold=threshold,
                             n_classes=n_classes, decimals=decimals)
    by_code = dict(zip(boundaries.codes, boundaries.geometries, strict=True))
    drawn = areas["lsoa21_code"].isin(list(by_code))
    if not drawn.any():
        raise MapError(f"{boundaries.path}: none of the area's {len(areas)} LSOAs is in the "
                       "boundaries file (are they LSOA 2021 boundaries of this area?)")
    geometries = np.array([by_code.get(c) for c in areas["lsoa21_code"]], dtype=object)
    frame = _Frame(shapely.total_bounds(geometries[drawn.to_numpy()]))
    tolerance = 0.4 / frame.scale  # under half a pixel: invisible, and a much smaller file
    prefix = _ids(f"{value_label}|{area_name}|{len(areas)}")
    fills = {c.key: _fill(c, prefix) for c in classes}
    top = _ranked(values, keys, areas["lsoa21_code"], top_n)

    body = ['<g class="lsoas" stroke="#ffffff" stroke-width="0.5">']
    for i in areas.index[drawn]:
        row = areas.loc[i]
        tip = (f"{row['lsoa21_name']} ({row['lsoa21_code']}), {row['lad_name']}: "
               f"{_value_text(values[i], counts[i], threshold, decimals)}")
        simple = shapely.simplify(geometries[i], tolerance, preserve_topology=True)
        body.append(f'<path class="lsoa {keys[i]}" data-code="{escape(row["lsoa21_code"])}" '
                    f'fill="{fills[keys[i]]}" fill-rule="evenodd" d="{frame.path(simple)}">'
                    f"<title>{escape(tip)}</title></path>")
    body.append("</g>")
    # a whisker of buffer closes slivers between neighbours, so only the outline remains
    body.append(f'<g class="districts" fill="none" stroke="{INK}" stroke-width="1.6" '
                'stroke-linejoin="round">')
    districts = areas[drawn].groupby("lad_code", sort=True).groups
    for lad_code, index in districts.items():
        grown = shapely.buffer(geometries[index], tolerance, join_style="mitre")
        outline = shapely.union_all(grown).buffer(-tolerance, join_style="mitre")
        outline = shapely.simplify(outline, tolerance, preserve_topology=True)
        body.append(f'<path class="district" data-code="{escape(str(lad_code))}" '
                    f'd="{frame.path(outline)}"/>')
    body.append("</g>")
    casings, outlines, labels = [], [], []
    for rank, i in enumerate(top, start=1):
        if not drawn[i]:
            continue
        d = frame.path(geometries[i])
        casings.append(f'<path d="{d}"/>')
        outlines.append(f'<path class="hotspot" '
                        f'data-code="{escape(areas.loc[i, "lsoa21_code"])}" d="{d}"/>')
        point = frame.xy(np.asarray(geometries[i].representative_point().coords))[0]
        west, south, east, north = geometries[i].bounds
        # small LSOAs (a town centre) get smaller numbers, so that neighbours' stay apart
        size = int(min(12, max(8, 0.8 * min(east - west, north - south) * frame.scale)))
        labels.append(_text(point[0], point[1] + size / 3, str(rank), size=size,
                            weight="bold", anchor="middle", halo=True))
    # a white casing under the black outline: visible on the darkest class too
    body.append('<g class="hotspot-casing" fill="none" stroke="#ffffff" stroke-width="4.5" '
                'stroke-linejoin="round">' + "".join(casings) + "</g>")
    body.append(f'<g class="hotspots" fill="none" stroke="{INK}" stroke-width="2" '
                'stroke-linejoin="round">' + "".join(outlines) + "</g>")
    body.append('<g class="hotspot-labels">' + "".join(labels) + "</g>")
    extras = [
        ('<path d="M{x},{ym}H{x2}" stroke="' + INK + '" stroke-width="1.6"/>',
         "District boundary"),
    ]
    if top:
        extras.append(('<rect x="{x}" y="{y}" width="18" height="14" fill="none" stroke="'
                       + INK + '" stroke-width="2"/>',
                       f"The {len(top)} highest, numbered from 1 (highest)"))
    legend, legend_bottom = _legend(value_label, classes, prefix, extras)
    height = max(frame.height, legend_bottom + 40)
    body.append(legend)
    body.append(_scale_bar(frame, legend_bottom + 26))

    alt = _choropleth_alt(areas, values, counts, keys, classes, top, drawn, value_label,
                          area_name, threshold, decimals, boundaries.path)
    return {"svg": _svg(body, height, alt, prefix), "alt": alt}


def _choropleth_alt(areas: pd.DataFrame, values: pd.Series, counts: pd.Series,
                    keys: pd.Series, classes: list[MapClass], top: list[Any], drawn: pd.Series,
                    value_label: str, area_name: str, threshold: int, decimals: int,
                    path: Path) -> str:
    shaded = [c for c in classes if c.key.startswith("c")]
    text = f"Map of {_in_sentence(value_label)} in the {len(areas)} LSOAs of {area_name}"
    if len(shaded) > 1:
        text += (f", shaded in {len(shaded)} classes of about equal numbers of LSOAs, the "
                 f"lowest {shaded[0].label} and the highest {shaded[-1].label}")
    others = [f"{(keys == key).sum()} {label}" for key, label in
              (("none", "with none"), ("small", f"with fewer than {threshold}"),
               ("nodata", "with no data")) if (keys == key).any()]
    text += (" (" + "; ".join(others) + ")." if others else ".")
    if top:
        first = areas.loc[top[0]]
        text += (f" The highest is {first['lsoa21_name']} ({first['lsoa21_code']}, "
                 f"{first['lad_name']}) with {_fmt(values[top[0]], decimals)}.")
        if len(top) > 1:
            text += (f" The {len(top)} highest are outlined and numbered: "
                     + ", ".join(f"{rank} {areas.loc[i, 'lsoa21_name']}"
                                 for rank, i in enumerate(top, start=1)) + ".")
        district_counts = areas.loc[top, "lad_name"].value_counts()
        if len(district_counts) > 1:
            text += (" Of these, " + ", ".join(f"{n} in {name}"
                                               for name, n in district_counts.items()) + ".")
        elif len(top) > 1:
            text += f" All are in {district_counts.index[0]}."
    undrawn = int((~drawn).sum())
    if undrawn:
        text += (f" {undrawn} of the area's LSOAs {'has' if undrawn == 1 else 'have'} no "
                 f"boundary in {path.name} and {'is' if undrawn == 1 else 'are'} not drawn.")
    return text


# --- without boundaries: a grid of record locations --------------------------------------

def _cell_size(span_m: float) -> int:
    """About 40 squares across the longer side, in a round number of metres."""
    return max((n for n in NICE_LENGTHS_M if n <= span_m / 40), default=NICE_LENGTHS_M[0])


def _size_text(metres: int) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"


def _most_common(values: pd.Series) -> str | None:
    """The most frequent value, ties going to the first alphabetically, so that the same
    records always name the same place whatever order they arrive in."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return None
    return min(counts.index[counts == counts.max()])


def grid_map(points: pd.DataFrame, *, value_label: str, area_name: str, top_n: int = 3,
             threshold: int = 1, cell_m: int | None = None, n_classes: int = 5
             ) -> dict[str, Any] | None:
    """Records counted in squares of `cell_m` metres (chosen from the extent if None) from
    their `longitude` and `latitude`; squares with none are left blank. A `location` column,
    where present, names the busiest squares in the text. Police.uk street records are
    public, so threshold=1 (the default) shows every count; a person-level map passes the
    suppression threshold. {"svg", "alt", "note"}; None when no record has coordinates."""
    missing = sorted({"longitude", "latitude"} - set(points.columns))
    if missing:
        raise ValueError(f"grid_map: points lack column(s) {missing}")
    lon = pd.to_numeric(points["longitude"], errors="coerce")
    lat = pd.to_numeric(points["latitude"], errors="coerce")
    placed = lon.notna() & lat.notna() & lon.between(-180, 180) & lat.between(-90, 90)
    if not placed.any():
        return None
    lon, lat = lon[placed].to_numpy(float), lat[placed].to_numpy(float)
    origin = ((lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2)
    x, y = lonlat_to_plane(lon, lat, origin)
    cell_m = cell_m or _cell_size(max(np.ptp(x), np.ptp(y)))
    cells = pd.DataFrame({"col": np.floor(x / cell_m).astype(int),
                          "row": np.floor(y / cell_m).astype(int)})
    if "location" in points:
        cells["location"] = points.loc[placed, "location"].to_numpy()
    counted = cells.groupby(["col", "row"]).size().rename("records").reset_index()
    classes, keys = classify(counted["records"], threshold=threshold, n_classes=n_classes)
    top = _ranked(counted["records"].astype(float), keys,
                  counted["col"].astype(str) + "," + counted["row"].astype(str), top_n)
    frame = _Frame((counted["col"].min() * cell_m, counted["row"].min() * cell_m,
                    (counted["col"].max() + 1) * cell_m, (counted["row"].max() + 1) * cell_m))
    prefix = _ids(f"grid|{value_label}|{area_name}|{len(counted)}")
    fills = {c.key: _fill(c, prefix) for c in classes}
    side = cell_m * frame.scale

    def corner(i: int) -> np.ndarray:
        return frame.xy(np.array([[counted.loc[i, "col"] * cell_m,
                                   (counted.loc[i, "row"] + 1) * cell_m]]))[0]

    body = ['<g class="cells">']
    for i in counted.index:
        left, top_y = corner(i)
        shown = (f"fewer than {threshold}" if keys[i] == "small"
                 else _fmt(counted.loc[i, "records"], 0))
        body.append(f'<rect class="cell {keys[i]}" x="{left:.1f}" y="{top_y:.1f}" '
                    f'width="{side:.1f}" height="{side:.1f}" fill="{fills[keys[i]]}">'
                    f"<title>{escape(shown)}</title></rect>")
    body.append("</g>")
    casings, outlines, labels = [], [], []
    for rank, i in enumerate(top, start=1):
        left, top_y = corner(i)
        square = f'x="{left:.1f}" y="{top_y:.1f}" width="{side:.1f}" height="{side:.1f}"'
        casings.append(f"<rect {square}/>")
        outlines.append(f'<rect class="hotspot" {square}/>')
        labels.append(_text(left + side / 2, top_y - 3, str(rank), size=11, weight="bold",
                            anchor="middle", halo=True))
    body.append('<g class="hotspot-casing" fill="none" stroke="#ffffff" stroke-width="4">'
                + "".join(casings) + "</g>")
    body.append(f'<g class="hotspots" fill="none" stroke="{INK}" stroke-width="2">'
                + "".join(outlines) + "</g>")
    body.append('<g class="hotspot-labels">' + "".join(labels) + "</g>")
    extras = []
    if top:
        extras.append(('<rect x="{x}" y="{y}" width="18" height="14" fill="none" stroke="'
                       + INK + '" stroke-width="2"/>',
                       f"The {len(top)} busiest squares, numbered from 1"))
    legend, legend_bottom = _legend(f"{value_label} per {_size_text(cell_m)} square", classes,
                                    prefix, extras)
    body.append(legend)
    body.append(_scale_bar(frame, legend_bottom + 26))
    height = max(frame.height, legend_bottom + 40)

    note = NO_BOUNDARIES.format(size=_size_text(cell_m))
    alt = (f"{note} Map of {_in_sentence(value_label)} in {area_name}: "
           f"{int(placed.sum()):,} records in {len(counted):,} squares")
    if top:
        alt += f", the busiest with {_fmt(counted.loc[top[0], 'records'], 0)}"
    alt += "."
    if top and "location" in cells:
        busiest = cells.merge(counted.loc[top, ["col", "row"]].assign(rank=range(1, len(top) + 1)))
        places = busiest.groupby("rank")["location"].agg(_most_common)
        named = [f"{rank} {place[0].lower()}{place[1:]}" if place.startswith("On or near ")
                 else f"{rank} around {place}"
                 for rank, place in places.items() if place]
        if named:
            alt += " The busiest squares, numbered: " + ", ".join(named) + "."
    return {"svg": _svg(body, height, alt, prefix), "alt": alt, "note": note}


def area_map(areas: pd.DataFrame, *, value: str, value_label: str, area_name: str,
             boundaries: Path | None, points: pd.DataFrame | None = None, top_n: int = 5,
             count: str | None = None, threshold: int = 1) -> dict[str, Any] | None:
    """The map a report shows: the choropleth when boundaries are configured
    (`config.report.boundaries`), else the grid of `points` (None when neither is possible).

    `areas`: the area's LSOAs, one row each, with lsoa21_code, lsoa21_name, lad_code, lad_name
    and the `value` column (assessment.lsoa_concentration). `points`: the records' longitude
    and latitude (and location, optional), e.g. marts.fct_street_records in the area, not
    duplicated, of the latest 12 months. Person-level values: pass their count column as
    `count` and the suppression threshold. Raises MapError when configured boundaries
    cannot be used."""
    if boundaries is not None:
        return choropleth_map(read_boundaries(boundaries, areas["lsoa21_code"].tolist()),
                              areas, value=value, value_label=value_label,
                              area_name=area_name, top_n=top_n, count=count,
                              threshold=threshold)
    if points is None or points.empty:
        return None
    return grid_map(points, value_label=value_label, area_name=area_name,
                    top_n=min(top_n, 3), threshold=threshold)
