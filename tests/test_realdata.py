"""The real Cambridgeshire 2024 archives and ONS files (../shared/realdata), exactly as
published: the refresh must count them as a plain independent count of the CSV rows does."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from svna import pipeline
from svna.config import Config

from conftest import CAMBRIDGESHIRE_DISTRICTS
from independent import exported_counts, lad_lookup, monthly_counts

REFERENCE_FILES = ["lsoa21_to_lad23.csv", "lsoa11_to_lsoa21_to_lad.csv", "lsoa_population.csv",
                   "imd2025_england_lsoa21.csv", "lsoa21_to_utla23.csv"]


@pytest.fixture(scope="module")
def cambridgeshire(tmp_path_factory):
    source = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
    if not (source / "police-uk" / "cambridgeshire").is_dir():
        pytest.skip(f"{source} is absent: the published police.uk/ONS files are not here")
    base = tmp_path_factory.mktemp("cambs")
    raw = base / "raw"
    (raw / "reference").mkdir(parents=True)
    # The analyst's drop folder, by links: the published files are read in place, never copied.
    os.symlink(source / "police-uk" / "cambridgeshire", raw / "police_uk")
    for name in REFERENCE_FILES:
        os.symlink(source / "geography" / name, raw / "reference" / name)
    config = Config.model_validate({
        "area": {"name": "Cambridgeshire and Peterborough", "districts": CAMBRIDGESHIRE_DISTRICTS},
        "paths": {"raw": str(raw), "processed": str(base / "processed"),
                  "reports": str(base / "reports")}})
    return source, config, pipeline.refresh(config)


def test_contract_export_equals_an_independent_count_of_the_published_rows(cambridgeshire):
    source, _, result = cambridgeshire
    exported, rows = exported_counts(result.exports_dir / "police_uk_monthly.csv")
    street = list((source / "police-uk" / "cambridgeshire").rglob("*-street.csv"))
    expected = monthly_counts(street, lad_lookup(source / "geography"), CAMBRIDGESHIRE_DISTRICTS)
    assert exported == expected
    assert sum(expected.values()) > 75_000  # about 80,000 records fall in the six districts
    assert rows == 12 * 6 * 14


def test_every_published_row_is_accounted_for(cambridgeshire):
    source, _, result = cambridgeshire
    street = list((source / "police-uk" / "cambridgeshire").rglob("*-street.csv"))
    published_rows = sum(sum(1 for _ in csv.reader(p.open(encoding="utf-8"))) - 1
                         for p in street)
    quality = {r["measure"]: int(r["value"]) for r in
               csv.DictReader((result.exports_dir / "data_quality.csv").open())}
    counted = quality["Records placed in the area (counted)"]
    outside = quality["Records outside the area (placed in other districts)"]
    no_location = quality["Records with no location (no LSOA)"]
    unplaced = quality["Records whose LSOA code the lookups could not place"]
    duplicates = quality["Duplicate Crime IDs (extra copies not counted)"]
    assert quality["Records in the files of the forces serving the area"] == published_rows
    assert counted + outside + no_location + unplaced + duplicates == published_rows
    assert no_location > 0 and outside > 0  # both kinds of messiness are in the real data
    assert quality["Months missing: street-level files"] == 0


def test_quoted_commas_are_not_mis_split(cambridgeshire):
    _, _, result = cambridgeshire
    types = {r["crime_type"] for r in
             csv.DictReader((result.exports_dir / "police_uk_monthly.csv").open())}
    assert len(types) == 14 and all("Poole" not in t for t in types)


def test_all_files_pass_validation_and_the_unused_lookup_is_reported(cambridgeshire):
    _, _, result = cambridgeshire
    assert result.validation["failed"] == 0
    assert result.ingest.unrecognised == ["reference/lsoa21_to_utla23.csv"]
    assert result.ingest.rows_loaded > 290_000
    html = result.report.read_text(encoding="utf-8")
    assert "Cambridgeshire and Peterborough" in html and "Peterborough" in html


def test_rates_use_census_population_of_the_districts(cambridgeshire):
    _, _, result = cambridgeshire
    rates = list(csv.DictReader((result.exports_dir / "rates.csv").open()))
    population = {}
    with (Path(result.exports_dir).parents[0] / "exports" / "lsoa_concentration.csv").open() as fh:
        for row in csv.DictReader(fh):
            population[row["lad_code"]] = population.get(row["lad_code"], 0) + int(
                row["population"])
    for row in rates:
        if row["geography_level"] == "district":
            assert int(row["population"]) == population[row["geography_code"]]
            if row["category"] == "Serious violence":
                rate = 1000 * int(row["incidents"]) / int(row["population"])
                assert float(row["rate_per_1000"]) == pytest.approx(rate, abs=0.006)
                assert float(row["ci_lower"]) < float(row["rate_per_1000"]) < float(
                    row["ci_upper"])


def test_no_hidden_search_count_can_be_worked_out(cambridgeshire):
    """The disclosure audit on the real stop and search (the person-level table police.uk
    gives): at the default threshold and a high one, no hidden count comes back exactly."""
    import duckdb

    from svna import disclosure, exports

    _, _, result = cambridgeshire
    with duckdb.connect(result.warehouse, read_only=True) as con:
        frames = exports.read_tables(con, [t.name for t in exports.published_tables()])
    hidden = (exports.suppress_tables(frames, 5)["stop_search"]["searches_suppressed"]
              == "yes").sum()
    assert hidden > 10  # something to audit: the six districts' small categories
    for threshold in (5, 30):
        exposed = [e for e in disclosure.audit(frames, threshold) if e.exact and e.small]
        assert exposed == [], threshold
