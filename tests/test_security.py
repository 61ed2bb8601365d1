"""Hostile input and the pseudonymisation key, end to end through the real refresh.

Names from files and config (a column header written as SQL, district and area names with
quotes and markup, a police.uk location that is a script, a file name with quotes) reach
SQL only as quoted identifiers or parameters and HTML only escaped; the key
(SVNA_PSEUDONYM_KEY) is used but appears in no log, no console output and no written byte."""

from __future__ import annotations

import csv
import hashlib
import hmac
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from svna import demo, pipeline
from svna.config import Config, load_config

from conftest import STREET_HEADER, street_row, write_csv, write_reference, write_table

REPO = Path(__file__).resolve().parents[1]
SQL_HEADER = 'x"; DROP TABLE meta.files; --'
DISTRICT = "O'Brien \"Vale\" & <b>Downs</b>"
AREA = 'Riverford "North" & O\'Neil <i>Vale</i>'
LOCATION = "<script>alert(1)</script>"
BAD_LSOA = "<script>alert(2)</script>"
ODD_FILE = "notes 'quoted' \"x\" <i>.csv"
ODD_FOLDER = "council's \"shared\" drive"  # paths reach SQL as literals (COPY ... TO '...')
LSOAS = [("E01000001", "E07000008", DISTRICT, 1500, 2), ("E01000002", "E07000008", DISTRICT,
                                                          1600, 5),
         ("E01000003", "E07000009", "Plain Town", 1700, 8)]


def hostile_raw(raw: Path) -> None:
    write_reference(raw, LSOAS)
    police = raw / "police_uk"
    for month in ("2025-01", "2025-02", "2025-03"):
        rows = [street_row(f"{i:064x}", month, lsoa, kind)
                for i, (lsoa, kind) in enumerate([("E01000001", "Violence and sexual offences"),
                                                  ("E01000002", "Robbery"),
                                                  ("E01000003", "Burglary")] * 3)]
        for row in rows:
            row[6] = LOCATION  # the Location column
        write_csv(police / month / f"{month}-test-street.csv", STREET_HEADER, rows)
    # a month whose one row has markup for an LSOA code: it fails validation, shown in samples
    write_csv(police / "2025-04" / "2025-04-test-street.csv", STREET_HEADER,
              [street_row("a" * 64, "2025-04", BAD_LSOA, "Robbery")])
    # a column header written as SQL: reported, not loaded, nothing dropped
    write_csv(police / "2025-05" / "2025-05-test-street.csv", [*STREET_HEADER, SQL_HEADER],
              [street_row("b" * 64, "2025-05", "E01000001", "Robbery") + ["1"]])
    write_csv(raw / ODD_FILE, ["what", "ever"], [["1", "2"]])  # unrecognised, named in reports


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    hostile_raw(base / "raw")
    config = Config.model_validate({
        "area": {"name": AREA, "districts": ["E07000008", "E07000009"]},
        "paths": {"raw": str(base / "raw"), "processed": str(base / ODD_FOLDER / "processed"),
                  "reports": str(base / ODD_FOLDER / "reports")},
    })
    return base, pipeline.refresh(config)


def test_hostile_names_break_nothing_and_reach_sql_only_quoted(hostile):
    _, result = hostile
    assert result.status == "succeeded"
    con = duckdb.connect(str(result.warehouse), read_only=True)
    try:
        files = dict(con.execute("SELECT split_part(path, '/', -1), status FROM meta.files")
                     .fetchall())
        message = con.execute("SELECT message FROM meta.files WHERE path LIKE '%2025-05%'")\
            .fetchall()[0][0]
        locations = con.execute('SELECT DISTINCT "Location" FROM raw.police_uk_street '
                                "WHERE _file_id IN (SELECT file_id FROM meta.files WHERE "
                                "path LIKE '%2025-01%')").fetchall()
    finally:
        con.close()
    # 4 reference files + 5 street months + the odd file: every one recorded, none dropped
    assert len(files) == 10
    assert files[ODD_FILE] == "unrecognised"
    assert files["2025-05-test-street.csv"] == "not_loaded"
    assert message == f"line 1 (header): unexpected column(s) {SQL_HEADER}"
    assert locations == [(LOCATION,)]  # stored as delivered, a value like any other


def test_html_reports_show_markup_as_text(hostile):
    base, result = hostile
    page = result.report.read_text(encoding="utf-8")
    assert "<b>Downs</b>" not in page and "<i>Vale</i>" not in page
    assert "<script>alert" not in page  # (the baseline shows no police.uk locations at all)
    assert "&lt;b&gt;Downs&lt;/b&gt;" in page  # the district name, as text
    assert "&lt;i&gt;Vale&lt;/i&gt;" in page  # the area name, as text
    validation = result.validation_report.read_text(encoding="utf-8")
    assert "<script>alert(2)" not in validation and "<i>.csv" not in validation
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in validation  # the failing value, as text
    assert "x&#34;; DROP TABLE meta.files; --" in validation  # the header, in the message
    assert "notes &#39;quoted&#39; &#34;x&#34; &lt;i&gt;.csv" in validation  # the file name


def test_exports_carry_hostile_names_intact(hostile):
    _, result = hostile
    with (result.exports_dir / "rates.csv").open(encoding="utf-8", newline="") as fh:
        names = {row["geography_name"] for row in csv.DictReader(fh)}
    assert DISTRICT in names and "Plain Town" in names


# --- the pseudonymisation key ------------------------------------------------------------------

def written_bytes(*folders: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for folder in folders for p in folder.rglob("*") if p.is_file()]


def test_the_key_is_used_but_never_logged_printed_or_written(tmp_path, monkeypatch, caplog,
                                                             capfd):
    key = "svna-test-key-" + secrets.token_hex(12)
    monkeypatch.setenv("SVNA_PSEUDONYM_KEY", key)
    demo.generate_demo_data(tmp_path / "raw", months=2, end_month="2025-12")
    (tmp_path / "area.yaml").write_text(
        f"area: {{name: {demo.DEMO_AREA_NAME}, "
        f"districts: [{', '.join(c for c, _ in demo.DEMO_DISTRICTS)}]}}\n"
        "paths: {raw: raw, processed: processed, reports: reports}\n", encoding="utf-8")
    config = load_config(tmp_path / "area.yaml", tmp_path)
    with caplog.at_level(logging.DEBUG):
        result = pipeline.refresh(config)
    assert result.status == "succeeded"
    env = os.environ | {"PYTHONPATH": str(REPO / "flows")}
    run = subprocess.run([sys.executable, "-m", "svna.cli", "refresh", "--config", "area.yaml",
                          "--no-prefect", "--force"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    captured = capfd.readouterr()

    # the key was used: a person's pseudonym is the HMAC of their identifier under it
    con = duckdb.connect(str(result.warehouse), read_only=True)
    try:
        pseudonyms = {r[0] for r in con.execute(
            "SELECT DISTINCT person_id FROM raw.probation_caseload").fetchall()}
    finally:
        con.close()
    delivered = sorted((tmp_path / "raw" / "partners" / "probation_caseload").glob("*.csv"))[0]
    with delivered.open(encoding="utf-8", newline="") as fh:
        person = next(csv.DictReader(fh))["person_id"]
    expected = "P" + hmac.new(key.encode(), person.strip().upper().encode(),
                              hashlib.sha256).hexdigest()[:20]
    assert expected in pseudonyms and person not in pseudonyms

    assert caplog.records  # the run did log; none of it holds the key
    for text in [r.getMessage() for r in caplog.records] + [
            captured.out, captured.err, run.stdout, run.stderr]:
        assert key not in text
    written = written_bytes(tmp_path / "processed", tmp_path / "reports")
    assert any(p.name == "warehouse.duckdb" for p, _ in written)
    assert [p for p, data in written if key.encode() in data] == []


def test_a_short_key_stops_the_run_with_a_message_that_does_not_repeat_it(tmp_path):
    (tmp_path / "area.yaml").write_text(
        "area: {name: X, districts: [E07000008]}\n"
        "paths: {raw: raw, processed: processed, reports: reports}\n", encoding="utf-8")
    write_reference(tmp_path / "raw", LSOAS[2:])
    write_table(tmp_path / "raw" / "partners" / "caseload.csv", "probation_caseload",
                [{"person_id": "C1", "snapshot_date": "2025-12-31", "age": "30"}])
    short = "short-key-9"
    env = os.environ | {"PYTHONPATH": str(REPO / "flows"), "SVNA_PSEUDONYM_KEY": short}
    run = subprocess.run([sys.executable, "-m", "svna.cli", "refresh", "--config", "area.yaml",
                          "--no-prefect"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 2
    assert "SVNA_PSEUDONYM_KEY" in run.stderr and "at least 16 characters" in run.stderr
    assert "Traceback" not in run.stderr and short not in run.stderr + run.stdout
