"""Shared fixtures. Prefect and GX are kept quiet and local; every test gets its own
warehouse and folders under tmp_path."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="svna-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("SVNA_PSEUDONYM_KEY", "a-key-for-the-tests-only")

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
CAMBRIDGESHIRE_DISTRICTS = ["E07000008", "E07000009", "E07000010", "E07000011", "E07000012",
                            "E06000031"]

STREET_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                 "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                 "Context"]
OUTCOMES_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                   "Location", "LSOA code", "LSOA name", "Outcome type"]
STOP_SEARCH_HEADER = ["Type", "Date", "Part of a policing operation", "Policing operation",
                      "Latitude", "Longitude", "Gender", "Age range", "Self-defined ethnicity",
                      "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome",
                      "Outcome linked to object of search",
                      "Removal of more than just outer clothing"]


@pytest.fixture
def realdata() -> Path:
    if not (REALDATA / "police-uk" / "cambridgeshire").is_dir():
        pytest.skip(f"{REALDATA} is absent: the published police.uk/ONS files are not here")
    return REALDATA


def write_csv(path: Path, header: list[str], rows: list[list], bom: bool = False,
              crlf: bool = True) -> Path:
    """Write a CSV the way the publishers do (quoting only where needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def street_row(crime_id, month, lsoa, crime_type, outcome="Under investigation", lon="0.100000",
               lat="52.200000", lsoa_name=None, force="Test Constabulary"):
    """One police.uk street row; lsoa None means no location."""
    if lsoa is None:
        return [crime_id, month, force, force, "", "", "No Location", "", "", crime_type,
                outcome, ""]
    return [crime_id, month, force, force, lon, lat, "On or near High Street", lsoa,
            lsoa_name or f"{lsoa} name", crime_type, outcome, ""]


IMD_HEADER = ["lsoa21_code", "IMD_decile", "Income_decile", "Employment_decile",
              "Education_decile", "Health_decile", "Crime_decile",
              "Housing_and_Services_decile", "Environment_decile", "IMD_rank", "Income_rank",
              "Employment_rank", "Education_rank", "Health_rank", "Crime_rank",
              "Housing_and_Services_rank", "Environment_rank", "IMD_score", "Income_score",
              "Employment_score", "Education_score", "Health_score", "Crime_score",
              "Housing_and_Services_score", "Environment_score"]


def write_reference(raw_dir: Path, lsoas: list[tuple], lsoa11: list[tuple] = ()) -> None:
    """Reference files in the published layouts.

    lsoas: (lsoa21_code, lad_code, lad_name, population, imd_decile) per 2021 LSOA;
    lsoa11: (lsoa11_code, lsoa21_code, lad_code, lad_name) rows of the 2011-to-2021 lookup.
    """
    ref = raw_dir / "reference"
    write_csv(ref / "lsoa21_to_lad23.csv",
              ["LSOA21CD", "LSOA21NM", "LAD23CD", "LAD23NM", "UTLA23CD", "UTLA23NM"],
              [[c, f"{n} {i:03d}A", lad, n, lad, n] for i, (c, lad, n, _, _) in enumerate(lsoas)],
              crlf=False)
    write_csv(ref / "lsoa11_to_lsoa21_to_lad.csv",
              ["ObjectId", "LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM",
               "LAD22NMW"],
              [[i + 1, c11, f"{n} x", c21, f"{n} y", lad, n, ""]
               for i, (c11, c21, lad, n) in enumerate(lsoa11)] or
              [[1, lsoas[0][0], "x", lsoas[0][0], "y", lsoas[0][1], lsoas[0][2], ""]],
              bom=True, crlf=False)
    write_csv(ref / "lsoa_population.csv", ["lsoacd", "population"],
              [[c, pop] for c, _, _, pop, _ in lsoas], bom=True, crlf=False)
    write_csv(ref / "imd2025_england_lsoa21.csv", IMD_HEADER,
              [[c, f"{dec}.0"] + ["5.0"] * 7 + ["100.0"] * 8 + ["1.0"] * 8
               for c, _, _, _, dec in lsoas], crlf=False)


def build_warehouse(raw_dir: Path, db_path: Path, districts: list[str], name: str = "Test area",
                    **settings):
    """Ingest (with svna's mappings), validate, activate and assess: the pipeline without
    reports. `settings` are further config sections, e.g. serious_violence={...}."""
    from svna import datasets, ingest, pipeline, validate, warehouse
    from svna.config import Config
    from svna.mappings import load_mappings

    con = warehouse.connect(db_path)
    declared = datasets.load_datasets()
    ingest.ingest(con, raw_dir, declared, "test-run", load_mappings(declared))
    validate.run_validation(con, declared, "test-run")
    ingest.activate(con, raw_dir)
    config = Config.model_validate({"area": {"name": name, "districts": districts}, **settings})
    pipeline.stage_assess(con, config)
    return con


def differs_from_rebuild(con, name: str, leave_out: tuple[str, ...] = ()) -> list[tuple]:
    """Rows in a model's table and not in its SQL run afresh, and the other way round (the
    columns in `leave_out` aside)."""
    from svna import models

    found = models.discover_models()
    sql, _, _ = models.render_all(found)
    columns = f"* EXCLUDE ({', '.join(leave_out)})" if leave_out else "*"
    table, fresh = found[name].table, f"({sql[name]})"
    return con.execute(f"(SELECT {columns} FROM {table} EXCEPT ALL SELECT {columns} FROM {fresh})"
                       f" UNION ALL (SELECT {columns} FROM {fresh} EXCEPT ALL "
                       f"SELECT {columns} FROM {table})").fetchall()


def rows_of(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def write_table(path: Path, dataset: str, records: list[dict]) -> Path:
    """A canonical CSV of a declared dataset; fields a record leaves out are blank."""
    from svna.datasets import load_datasets

    header = next(list(d.columns) for d in load_datasets() if d.name == dataset)
    unknown = {k for r in records for k in r} - set(header)
    assert not unknown, unknown
    return write_csv(path, header, [["" if r.get(c) is None else r[c] for c in header]
                                    for r in records])

