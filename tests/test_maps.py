"""Maps: four hand-made square LSOAs with known counts, in each file format the analyst may
supply, and the grid drawn when no boundaries are supplied."""

from __future__ import annotations

import json
import math
import random
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pyogrio.raw
import pytest
import shapely

from svna import demo
from svna.config import load_config
from svna.demo_boundaries import demo_boundaries
from svna.maps import (
    BLUES,
    EARTH_RADIUS_M,
    NO_BOUNDARIES,
    MapError,
    area_map,
    choropleth_map,
    classify,
    grid_map,
    lonlat_to_plane,
    read_boundaries,
)

# A 2x2 block of 1 km squares in British National Grid metres:
#   NW | NE        district E07000001: NW, SW
#   SW | SE        district E07000002: NE, SE
SQUARES = {
    "E01000001": ("North West", "E07000001", "Westshire", (0, 1000)),
    "E01000002": ("South West", "E07000001", "Westshire", (0, 0)),
    "E01000003": ("North East", "E07000002", "Eastshire", (1000, 1000)),
    "E01000004": ("South East", "E07000002", "Eastshire", (1000, 0)),
}
COUNTS = {"E01000001": 0, "E01000002": 3, "E01000003": 12, "E01000004": 40}


def _areas() -> pd.DataFrame:
    return pd.DataFrame([
        {"lsoa21_code": code, "lsoa21_name": name, "lad_code": lad, "lad_name": lad_name,
         "incidents": COUNTS[code]}
        for code, (name, lad, lad_name, _) in SQUARES.items()])


def _squares() -> list[shapely.Polygon]:
    return [shapely.box(x, y, x + 1000, y + 1000) for *_, (x, y) in SQUARES.values()]


def _geojson(path, geometries, crs="EPSG:27700", code_field="LSOA21CD", codes=None):
    features = [{"type": "Feature",
                 "properties": {code_field: code, "LSOA21NM": SQUARES[c][0]},
                 "geometry": json.loads(shapely.to_geojson(g))}
                for code, c, g in zip(codes or list(SQUARES), list(SQUARES), geometries,
                                      strict=True)]
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def _write_with_pyogrio(path, driver):
    pyogrio.raw.write(path, shapely.to_wkb(_squares()),
                      [np.array(list(SQUARES), dtype=object),
                       np.array([v[0] for v in SQUARES.values()], dtype=object)],
                      ["LSOA21CD", "LSOA21NM"], driver=driver, crs="EPSG:27700",
                      geometry_type="Polygon")
    return path


def _svg(figure) -> ET.Element:
    return ET.fromstring(str(figure["svg"]))


def _lsoa_paths(root: ET.Element) -> dict[str, ET.Element]:
    return {p.get("data-code"): p for p in root.iter("path")
            if "lsoa" in p.get("class", "").split()}


def _classes(element: ET.Element) -> str:
    return element.get("class").split()[1]


def _points(d: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in re.findall(r"[\d.]+,[\d.]+", d)]


@pytest.fixture
def boundaries_file(tmp_path):
    return _geojson(tmp_path / "lsoa.geojson", _squares())


def test_choropleth_shades_outlines_and_describes(boundaries_file):
    figure = choropleth_map(read_boundaries(boundaries_file), _areas(), value="incidents",
                            value_label="Serious violence records", area_name="Testshire",
                            top_n=1)
    root = _svg(figure)
    paths = _lsoa_paths(root)
    assert len(paths) == 4
    # Positive counts 3, 12, 40 give min(5 classes, 3 distinct) = 3 quantile classes. Upper
    # bounds at the 1/3 and 2/3 quantiles (linear interpolation, positions 0.667 and 1.333
    # of 0..2), rounded down: 3 + 0.667 * (12 - 3) = 9; 12 + 0.333 * (40 - 12) = 21.3 -> 21;
    # then the maximum, 40. So 3 to 9, 10 to 21 and 22 to 40, in BLUES[3]; the zero LSOA is
    # "none" (white).
    assert {code: _classes(p) for code, p in paths.items()} == {
        "E01000001": "none", "E01000002": "c1", "E01000003": "c2", "E01000004": "c3"}
    assert [paths[c].get("fill") for c in ("E01000002", "E01000003", "E01000004")] == list(
        BLUES[3])
    assert paths["E01000001"].get("fill") == "#ffffff"
    legend = next(g for g in root.iter("g") if g.get("class") == "legend")
    texts = [t.text for t in legend.iter("text")]
    for label in ("Serious violence records", "No records", "3 to 9", "10 to 21", "22 to 40",
                  "District boundary"):
        assert label in texts
    assert len([r for r in legend.iter("rect") if "swatch" in r.get("class", "")]) == 4
    hotspots = [p for p in root.iter("path") if p.get("class") == "hotspot"]
    assert [h.get("data-code") for h in hotspots] == ["E01000004"]
    assert "The highest is South East (E01000004, Eastshire) with 40." in figure["alt"]
    assert root.find("title").text == figure["alt"]


def test_districts_are_dissolved_to_their_outline(boundaries_file):
    figure = choropleth_map(read_boundaries(boundaries_file), _areas(), value="incidents",
                            value_label="Records", area_name="Testshire")
    districts = {p.get("data-code"): p.get("d") for p in _svg(figure).iter("path")
                 if p.get("class") == "district"}
    assert sorted(districts) == ["E07000001", "E07000002"]
    # Each district is two squares side by side: one 1 km x 2 km rectangle, four corners
    # and no line between the squares.
    for d in districts.values():
        corners = _points(d)
        assert d.count("M") == 1 and len(corners) == 4
        xs, ys = sorted({round(x) for x, _ in corners}), sorted({round(y) for _, y in corners})
        assert len(xs) == 2 and len(ys) == 2
        assert (ys[1] - ys[0]) == pytest.approx(2 * (xs[1] - xs[0]), rel=0.01)


@pytest.mark.parametrize("name,driver", [("lsoa.shp", "ESRI Shapefile"),
                                         ("lsoa.gpkg", "GPKG")])
def test_shapefile_and_geopackage_read_the_same(tmp_path, boundaries_file, name, driver):
    path = _write_with_pyogrio(tmp_path / name, driver)
    read, reference = read_boundaries(path), read_boundaries(boundaries_file)
    assert sorted(read.codes) == list(SQUARES)
    assert read.names[read.codes.index("E01000004")] == "South East"
    for code, geometry in zip(read.codes, read.geometries, strict=True):
        assert geometry.equals(reference.geometries[reference.codes.index(code)])


def test_only_the_codes_asked_for_are_read(boundaries_file):
    read = read_boundaries(boundaries_file, ["E01000003", "E01000004", "E01999999", "x'; --"])
    assert sorted(read.codes) == ["E01000003", "E01000004"]


def test_lsoa_missing_from_the_boundaries_is_reported(boundaries_file):
    areas = pd.concat([_areas(), pd.DataFrame([{
        "lsoa21_code": "E01000005", "lsoa21_name": "Elsewhere", "lad_code": "E07000002",
        "lad_name": "Eastshire", "incidents": 7}])], ignore_index=True)
    figure = choropleth_map(read_boundaries(boundaries_file), areas, value="incidents",
                            value_label="Records", area_name="Testshire")
    assert len(_lsoa_paths(_svg(figure))) == 4
    assert "1 of the area's LSOAs has no boundary in lsoa.geojson and is not drawn." in \
        figure["alt"]


def test_person_level_counts_below_the_threshold_are_never_shown(boundaries_file):
    areas = _areas().assign(rate=lambda f: f["incidents"] / 1.5)  # 3 -> rate 2.0
    figure = choropleth_map(read_boundaries(boundaries_file), areas, value="rate",
                            value_label="Victims per 1,000", area_name="Testshire",
                            count="incidents", threshold=5, top_n=4, decimals=1)
    root = _svg(figure)
    paths = _lsoa_paths(root)
    # 3 is below 5: hatched "fewer than 5" whatever its rate; 12 and 40 (rates 8.0, 26.7)
    # make 2 classes: upper bounds at the median (8 + 26.67) / 2 = 17.33 -> 17.3 (rounded
    # down to the shown decimal) and at the maximum 26.67 -> 26.7 (rounded up).
    assert {code: _classes(p) for code, p in paths.items()} == {
        "E01000001": "none", "E01000002": "small", "E01000003": "c1", "E01000004": "c2"}
    assert paths["E01000002"].get("fill").startswith("url(#")
    assert paths["E01000002"].find("title").text.endswith(": fewer than 5")
    texts = [t.text for t in root.iter("text")]
    assert "Fewer than 5 (suppressed)" in texts
    assert "8.0 to 17.3" in texts and "over 17.3 to 26.7" in texts
    # neither the count nor the rate of the small LSOA appears anywhere
    shown = [t.text for t in root.iter() if t.tag in ("text", "title")] + [figure["alt"]]
    assert not [t for t in shown if re.search(r"(?<![\d.])(2\.0|3)(?![\d.])", t)]
    # hotspots are only LSOAs shown in full: 2 of the 4 asked for
    assert [p.get("data-code") for p in root.iter("path") if p.get("class") == "hotspot"] == [
        "E01000004", "E01000003"]
    assert "(1 with none; 1 with fewer than 5)" in figure["alt"]


def test_classify_counts_below_threshold_share_one_class():
    values = pd.Series([0, 1, 4, 5, 6, None])
    classes, keys = classify(values, threshold=5, n_classes=5)
    # 5 and 6: two distinct positives -> 2 classes; the median 5.5 rounds down to 5, so the
    # classes are "5" and "6"
    assert list(keys) == ["none", "small", "small", "c1", "c2", "nodata"]
    assert [c.label for c in classes] == ["No records", "Fewer than 5 (suppressed)", "5", "6",
                                          "No data"]


def test_longitude_latitude_boundaries_are_projected_equal_area(tmp_path):
    # squares of 0.01 degree at 52 N: on the ground about cos(52) = 0.616 as wide as tall
    squares = [shapely.box(-1 + dx, 52 + dy, -0.99 + dx, 52.01 + dy)
               for dx, dy in ((0, 0.01), (0, 0), (0.01, 0.01), (0.01, 0))]
    path = _geojson(tmp_path / "wgs84.geojson", squares, crs=None)
    read = read_boundaries(path)
    west, south, east, north = read.geometries[0].bounds
    assert (east - west) / (north - south) == pytest.approx(math.cos(math.radians(52.01)),
                                                            rel=0.002)
    # area on the sphere of a cell: R^2 * d(longitude) * (sin(north) - sin(south))
    expected = EARTH_RADIUS_M ** 2 * math.radians(0.01) * (
        math.sin(math.radians(52.02)) - math.sin(math.radians(52.01)))
    assert read.geometries[0].area == pytest.approx(expected, rel=1e-9)
    x, y = lonlat_to_plane(np.array([-1.0]), np.array([52.0]), (-1.0, 52.0))
    assert (x[0], y[0]) == (0.0, 0.0)


def test_unusable_boundaries_are_reported_by_file_feature_and_field(tmp_path):
    with pytest.raises(MapError, match=r"missing\.geojson: boundaries file not found"):
        read_boundaries(tmp_path / "missing.geojson")
    old = _geojson(tmp_path / "old.geojson", _squares(), code_field="LSOA11CD")
    with pytest.raises(MapError, match=r"old\.geojson: no LSOA 2021 code field.*LSOA11CD"):
        read_boundaries(old)
    bad = _geojson(tmp_path / "bad.geojson", _squares(),
                   codes=["E01000001", "E0100002", "E01000003", "E01000004"])
    with pytest.raises(MapError, match=r"bad\.geojson: feature 2, field LSOA21CD: 'E0100002'"):
        read_boundaries(bad)
    twice = _geojson(tmp_path / "twice.geojson", _squares(),
                     codes=["E01000001", "E01000002", "E01000002", "E01000004"])
    with pytest.raises(MapError, match=r"features 2 and 3 both have LSOA21CD E01000002"):
        read_boundaries(twice)


def test_without_boundaries_a_grid_of_points_says_so():
    # three records at one spot, one 20 km east: two squares with 3 and 1
    points = pd.DataFrame({
        "longitude": [-1.0, -1.0, -1.0, -0.7, None],
        "latitude": [52.0, 52.0, 52.0, 52.0, 52.0],
        "location": ["On or near Market Street"] * 3 + ["On or near Mill Lane", None]})
    figure = area_map(pd.DataFrame(columns=["lsoa21_code"]), value="incidents",
                      value_label="Street records", area_name="Testshire", boundaries=None,
                      points=points, top_n=1)
    assert figure["note"] == NO_BOUNDARIES.format(size="500 m")
    assert figure["alt"].startswith(figure["note"])
    assert "4 records in 2 squares, the busiest with 3." in figure["alt"]
    assert "numbered: 1 on or near Market Street." in figure["alt"]
    cells = [r for r in _svg(figure).iter("rect") if "cell" in r.get("class", "").split()]
    assert sorted(_classes(c) for c in cells) == ["c1", "c2"]
    assert len([r for r in _svg(figure).iter("rect") if r.get("class") == "hotspot"]) == 1


def test_person_level_grid_hides_small_squares():
    points = pd.DataFrame({"longitude": [-1.0] * 3 + [-0.7], "latitude": [52.0] * 4})
    figure = grid_map(points, value_label="Victims", area_name="Testshire", threshold=5)
    root = _svg(figure)
    cells = [r for r in root.iter("rect") if "cell" in r.get("class", "").split()]
    assert [_classes(c) for c in cells] == ["small", "small"]
    assert {c.find("title").text for c in cells} == {"fewer than 5"}
    assert ">3<" not in ET.tostring(root, encoding="unicode")
    assert "busiest" not in figure["alt"]


def test_no_boundaries_and_no_points_gives_no_map():
    assert area_map(_areas(), value="incidents", value_label="Records", area_name="T",
                    boundaries=None, points=None) is None


def test_configured_boundaries_draw_the_choropleth(tmp_path, boundaries_file):
    config_path = tmp_path / "area.yaml"
    config_path.write_text("area: {name: Testshire, districts: [E07000001]}\n"
                           "report: {boundaries: lsoa.geojson}\n", encoding="utf-8")
    config = load_config(config_path, tmp_path)
    assert config.report.boundaries == boundaries_file.resolve()
    figure = area_map(_areas(), value="incidents", value_label="Records",
                      area_name="Testshire", boundaries=config.report.boundaries, top_n=2)
    assert len(_lsoa_paths(_svg(figure))) == 4
    assert "The 2 highest are outlined and numbered: 1 South East, 2 North East." in \
        figure["alt"]


def test_demo_boundaries_hold_every_point_the_demo_places():
    seed = 20240601  # generate_demo_data's default
    lsoas = demo._build_geography(np.random.default_rng(seed), random.Random(seed))
    collection = demo_boundaries(lsoas)
    polygons = {f["properties"]["LSOA21CD"]: shapely.from_geojson(json.dumps(f["geometry"]))
                for f in collection["features"]}
    area_codes = {x.code for x in lsoas if x.district.group == "area"}
    assert area_codes <= set(polygons)
    assert all(code.startswith("E019") for code in polygons)
    outside = [(x.code, p.location) for x in lsoas if x.code in polygons for p in x.points
               if not polygons[x.code].contains(shapely.Point(float(p.longitude),
                                                              float(p.latitude)))]
    assert outside == []
    # the cells tile each district's rectangle: no overlaps, no gaps
    for district in {x.district for x in lsoas if x.code in polygons}:
        west, east, south, north = district.bbox
        own = [polygons[x.code] for x in lsoas if x.district is district]
        assert sum(p.area for p in own) == pytest.approx((east - west) * (north - south),
                                                         rel=1e-6)
        assert shapely.union_all(own).area == pytest.approx(sum(p.area for p in own), rel=1e-9)
    again = demo_boundaries(demo._build_geography(np.random.default_rng(seed),
                                                  random.Random(seed)))
    assert json.dumps(again) == json.dumps(collection)


def test_rates_below_one_are_shaded_when_nothing_is_suppressed():
    classes, keys = classify(pd.Series([0.4, 2.5, 0.0]), decimals=1)
    # two positives -> median 1.45 rounded down to 1.4, then the maximum 2.5
    assert list(keys) == ["c1", "c2", "none"]
    assert [c.label for c in classes] == ["No records", "0.4 to 1.4", "over 1.4 to 2.5"]


@pytest.mark.realdata
def test_grid_of_a_real_police_uk_month(realdata):
    """A month of Cambridgeshire's published street records: the records without a location
    are left out and every other one is counted in a square."""
    street = pd.read_csv(realdata / "police-uk" / "cambridgeshire" / "2024-01" /
                         "2024-01-cambridgeshire-street.csv", encoding="utf-8-sig")
    points = street.rename(columns={"Longitude": "longitude", "Latitude": "latitude",
                                    "Location": "location"})
    located = int(points[["longitude", "latitude"]].notna().all(axis=1).sum())
    figure = grid_map(points, value_label="Street records", area_name="Cambridgeshire")
    cells = [r for r in _svg(figure).iter("rect") if "cell" in r.get("class", "").split()]
    assert located > 1000 and f"{located:,} records in {len(cells):,} squares" in figure["alt"]
    assert figure["alt"].startswith("LSOA boundaries were not supplied")
    assert sum(int(c.find("title").text.replace(",", "")) for c in cells) == located
