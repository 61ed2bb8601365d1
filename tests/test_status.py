"""`svna status` on a small warehouse: runs, each source's months, validation per file and
the overdue rule, worked out by hand from the fixture."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import pytest
import yaml

from conftest import (
    OUTCOMES_HEADER,
    STREET_HEADER,
    build_warehouse,
    street_row,
    write_csv,
    write_reference,
    write_table,
)

FORCE = "test-force"
LSOAS = [("E01000001", "E07000101", "Northby", 1500, 3)]
STREET_MONTHS = ["2025-01", "2025-02", "2025-04", "2025-05", "2025-06"]  # 2025-03 missing
OUTCOME_MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]  # one behind
EARLY = 1_700_000_000  # 2023-11-14 UTC
BROKEN_DELIVERED = 1_750_000_000  # 2025-06-15 UTC
TODAY = date(2025, 8, 15)


def cid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def police_file(raw, month, kind, header, rows):
    return write_csv(raw / "police_uk" / month / f"{month}-{FORCE}-{kind}.csv", header, rows)


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    base = tmp_path_factory.mktemp("status")
    raw = base / "raw"
    write_reference(raw, LSOAS)
    for month in STREET_MONTHS:
        police_file(raw, month, "street", STREET_HEADER,
                    [street_row(cid(month), month, "E01000001", "Robbery")])
    for month in OUTCOME_MONTHS:
        police_file(raw, month, "outcomes", OUTCOMES_HEADER,
                    [[cid(month), month, FORCE, FORCE, "0.1", "52.2", "On or near X",
                      "E01000001", "Northby 000A", "Investigation complete; no suspect "
                      "identified"]])
    broken = police_file(raw, "2025-07", "street", STREET_HEADER[:-2],
                         [street_row(cid("2025-07"), "2025-07", "E01000001", "Robbery")[:-2]])
    write_table(raw / "partners" / "exclusions.csv", "school_exclusions", [
        {"person_id": f"UPN{i}", "exclusion_date": d, "exclusion_type": "suspension",
         "reason": "physical assault against a pupil", "school_phase": "secondary",
         "age": "14", "sex": "M", "ethnicity": "W1", "lsoa_code": "E01000001"}
        for i, d in enumerate(["2024-11-04", "2024-12-09", "2025-01-13", "2025-01-20"])])
    for path in raw.rglob("*.csv"):
        os.utime(path, (EARLY, EARLY))
    os.utime(broken, (BROKEN_DELIVERED, BROKEN_DELIVERED))
    processed = base / "processed"
    processed.mkdir()
    con = build_warehouse(raw, processed / "warehouse.duckdb", ["E07000101"])
    con.execute("INSERT INTO meta.runs VALUES "
                "('20250801T060000Z-aaaaaa', '2025-08-01 06:00', '2025-08-01 06:05', "
                "'succeeded', 'f1', NULL), "
                "('20250805T060000Z-bbbbbb', '2025-08-05 06:00', '2025-08-05 06:01', "
                "'unchanged', 'f1', NULL)")
    con.close()
    config_path = base / "area.yaml"
    config_path.write_text(yaml.safe_dump({
        "area": {"name": "Test area", "districts": ["E07000101"]},
        "paths": {"raw": "raw", "processed": "processed", "reports": "reports"}}))
    from svna.config import load_config

    return load_config(config_path, base), base


@pytest.fixture(scope="module")
def report(area):
    from svna.status import status

    return status(area[0], today=TODAY)


def source(report, name):
    return next(s for s in report["sources"] if s["name"] == name)


def test_runs_newest_first(report):
    assert [(r["run_id"], r["status"]) for r in report["runs"]] == [
        ("20250805T060000Z-bbbbbb", "unchanged"), ("20250801T060000Z-aaaaaa", "succeeded")]


def test_police_uk_coverage_by_force_from_the_files_in_use(report):
    street = source(report, "police_uk_street (test-force)")
    # the broken 2025-07 file is not in use, so the latest month stays 2025-06
    assert street["months"] == STREET_MONTHS and street["gaps"] == ["2025-03"]
    assert street["files_in_use"] == 5
    assert street["last_delivered"] == "2025-06-15"  # the broken file's delivery
    assert street["overdue"] is None  # 2025-06 is 2 months before 2025-08


def test_a_month_behind_the_others_is_overdue(report):
    outcomes = source(report, "police_uk_outcomes (test-force)")
    assert outcomes["last_month"] == "2025-05" and outcomes["gaps"] == []
    assert outcomes["overdue"] == "latest month 2025-05, other monthly files reach 2025-06"


def test_partner_coverage_from_the_data_and_the_calendar_rule(report):
    exclusions = source(report, "school_exclusions")
    assert exclusions["months"] == ["2024-11", "2024-12", "2025-01"]
    assert exclusions["last_delivered"] == "2023-11-14"
    # 2025-08 is month 2025*12+7, 2025-01 is 2025*12+0: 7 months, more than 3
    assert exclusions["overdue"] == ("latest month 2025-01 is 7 months before 2025-08 "
                                     "(expected within 3)")


def test_reference_tables_have_no_months_and_are_never_overdue(report):
    lookup = source(report, "ref_lsoa21_lad")
    assert (lookup["months"], lookup["overdue"], lookup["files_in_use"]) == ([], None, 1)
    assert report["overdue"] == ["police_uk_outcomes (test-force)", "school_exclusions"]


def test_a_longer_allowance_leaves_only_the_source_behind_the_others(area):
    from svna.status import status

    assert status(area[0], today=TODAY, max_lag_months=7)["overdue"] == [
        "police_uk_outcomes (test-force)"]


def test_validation_state_per_file(report):
    assert report["validation"]["police_uk_street"] == {"failed": 1, "passed": 5}
    assert report["validation"]["police_uk_outcomes"] == {"passed": 5}
    [failed] = [f for f in report["files"] if f["verdict"] == "failed"]
    assert failed["path"] == "police_uk/2025-07/2025-07-test-force-street.csv"
    assert "missing column(s) Last outcome category, Context" in failed["message"]


def test_render_is_readable_text(report):
    from svna.status import render

    text = render(report)
    assert "  20250805T060000Z-bbbbbb      unchanged  started 2025-08-05 06:00" in text
    assert ("  police_uk_street (test-force)            2025-01 to 2025-06 (5 months, missing "
            "2025-03); 5 file(s) in use, last delivered 2025-06-15\n") in text
    assert "failed       police_uk/2025-07/2025-07-test-force-street.csv: line 1" in text
    assert text.rstrip().endswith("Overdue: police_uk_outcomes (test-force), school_exclusions"
                                  "\nNew files not yet read: 0")


def test_new_files_waiting_are_listed_and_the_cli_prints_the_status(area, capsys,
                                                                     monkeypatch):
    from svna.cli import main

    config, base = area
    police_file(base / "raw", "2025-07", "outcomes", OUTCOMES_HEADER, [])
    monkeypatch.chdir(base)
    assert main(["status", "--config", "area.yaml"]) == 0
    out = capsys.readouterr().out
    assert ("New files not yet read: 1 (police_uk/2025-07/2025-07-test-force-outcomes.csv)"
            in out)


def test_status_without_a_warehouse_says_what_to_do(tmp_path, capsys):
    from svna.cli import main

    (tmp_path / "area.yaml").write_text("area: {name: X, districts: [E07000008]}\n"
                                        f"paths: {{processed: {tmp_path / 'nothing'}}}\n")
    assert main(["status", "--config", str(tmp_path / "area.yaml")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_svna_validate_reads_new_files_once_and_writes_the_validation_report(tmp_path,
                                                                              capsys,
                                                                              monkeypatch):
    from svna.cli import main

    (tmp_path / "area.yaml").write_text("area: {name: X, districts: [E07000101]}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--config", "area.yaml", "--no-prefect"]) == 2
    assert "raw data folder" in capsys.readouterr().err  # not a quiet "nothing new"
    write_reference(tmp_path / "data" / "raw", LSOAS)
    report = tmp_path / "reports" / "validation" / "index.html"
    assert main(["validate", "--config", "area.yaml", "--no-prefect"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(": validated") and out[-1] == str(report)
    # 4 reference files, each read and passed
    assert "validation of new files: 4 passed, 0 with warnings, 0 failed; 4 files in use" in out
    assert report.exists()
    assert main(["validate", "--config", "area.yaml", "--no-prefect"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(": no new files")


def test_progress_records_draw_one_bar_on_a_terminal():
    import io
    import logging

    from svna.cli import _ProgressBar

    stream = io.StringIO()
    bar = _ProgressBar(stream)
    bar.WIDTH = 6

    def record(message, progress=None):
        rec = logging.LogRecord("svna.ingest", logging.INFO, __file__, 1, message, (), None)
        if progress:
            rec.progress = progress
        return rec

    assert [bar.filter(record("f", (n, 3))) for n in (1, 2)] == [False, False]
    assert bar.filter(record("a stage message")) is True  # the bar's line is ended first
    assert bar.filter(record("f", (3, 3))) is False
    # 6 * 1 // 3 = 2 and 6 * 2 // 3 = 4 marks, then a newline before the other message; the
    # last file fills the bar and ends its line
    assert stream.getvalue() == ("\r  reading files [##....] 1/3"
                                 "\r  reading files [####..] 2/3\n"
                                 "\r  reading files [######] 3/3\n")


def test_validation_waits_while_a_refresh_holds_the_warehouse(tmp_path):
    from svna.config import Config
    from svna.pipeline import RefreshLocked, _Lock, validate_new_files

    write_reference(tmp_path / "raw", LSOAS)
    config = Config.model_validate({"area": {"name": "X", "districts": ["E07000101"]},
                                    "paths": {"raw": str(tmp_path / "raw"),
                                              "processed": str(tmp_path / "processed")}})
    (tmp_path / "processed").mkdir()
    with _Lock(tmp_path / "processed"), pytest.raises(RefreshLocked, match="another refresh"):
        validate_new_files(config)  # a refresh holds the OS lock: refused, nothing written
    assert not (tmp_path / "processed" / "warehouse.duckdb").exists()
