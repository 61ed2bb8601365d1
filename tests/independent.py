"""A deliberately simple count of police.uk street records with Python's csv module, written
without the pipeline's code, to check police_uk_monthly.csv against."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


def _rows(path: Path):
    with path.open(newline="", encoding="utf-8-sig") as fh:
        yield from csv.DictReader(fh)


def lad_lookup(reference_dir: Path) -> dict[str, str]:
    """LSOA code (2021, or 2011 via the 2011-to-2021 lookup) to district code."""
    lad = {r["LSOA21CD"]: r["LAD23CD"] for r in _rows(reference_dir / "lsoa21_to_lad23.csv")}
    older = reference_dir / "lsoa11_to_lsoa21_to_lad.csv"
    if older.exists():
        for r in _rows(older):
            if r["LSOA11CD"] not in lad:
                lad[r["LSOA11CD"]] = lad.get(r["LSOA21CD"], r["LAD22CD"])
    return lad


def monthly_counts(street_files: list[Path], lad: dict[str, str],
                   districts: list[str]) -> Counter:
    """(month, district, crime type) -> records, each Crime ID once, in-area LSOAs only."""
    seen: set[str] = set()
    counts: Counter = Counter()
    for path in sorted(street_files):
        for row in _rows(path):
            crime_id = row["Crime ID"].strip()
            if crime_id:
                if crime_id in seen:
                    continue
                seen.add(crime_id)
            district = lad.get(row["LSOA code"].strip())
            if district in districts:
                counts[(row["Month"], district, row["Crime type"])] += 1
    return counts


def exported_counts(csv_path: Path) -> tuple[Counter, int]:
    """Non-zero counts from police_uk_monthly.csv, and how many rows it has."""
    counts: Counter = Counter()
    rows = 0
    for row in _rows(csv_path):
        rows += 1
        if int(row["incidents"]):
            counts[(row["month"], row["lad_code"], row["crime_type"])] = int(row["incidents"])
    return counts, rows
