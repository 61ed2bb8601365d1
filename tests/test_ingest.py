"""Ingest: files recognised by header, every row kept with its file and line, bad files
reported by file, line and column, re-deliveries neither lost nor double-counted."""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
from pathlib import Path

import pytest

from svna import datasets, ingest, validate, warehouse
from svna.datasets import Dataset
from svna.pseudonymise import KEY_VARIABLE, MissingKeyError

from conftest import STREET_HEADER, street_row, write_csv

DECLARED = datasets.load_datasets()


def street_file(raw: Path, month: str, rows: list[list], name: str | None = None) -> Path:
    return write_csv(raw / "police_uk" / month / (name or f"{month}-test-street.csv"),
                     STREET_HEADER, rows)


def hexid(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def run(con, raw: Path, run_id: str = "r1"):
    summary = ingest.ingest(con, raw, DECLARED, run_id)
    validate.run_validation(con, DECLARED, run_id)
    ingest.activate(con, raw)
    return summary


def files(con) -> dict[str, dict]:
    rows = con.execute("SELECT path, status, validation, active, rows_loaded, rows_rejected, "
                       "message, file_id FROM meta.files ORDER BY file_id").fetchall()
    keys = ["status", "validation", "active", "rows_loaded", "rows_rejected", "message", "id"]
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}


@pytest.fixture
def con(tmp_path):
    connection = warehouse.connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def test_rows_keep_their_file_and_physical_line(con, tmp_path):
    raw = tmp_path / "raw"
    rows = [street_row(hexid(i), "2024-01", "E01000001", "Robbery") for i in range(5)]
    rows[2][8] = "Bournemouth, Christchurch and Poole 009D"  # a quoted comma
    path = street_file(raw, "2024-01", rows)
    run(con, raw)
    got = con.execute('SELECT _line, "Crime ID", "LSOA name" FROM raw.police_uk_street '
                      "ORDER BY _line").fetchall()
    assert [g[0] for g in got] == [2, 3, 4, 5, 6]
    assert [g[1] for g in got] == [r[0] for r in rows]
    assert got[2][2] == "Bournemouth, Christchurch and Poole 009D"
    with path.open(newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.reader(fh)) == 6


def test_quoted_newlines_and_short_rows_keep_exact_lines_and_reasons(con, tmp_path):
    raw = tmp_path / "raw"
    rows = [street_row(hexid(i), "2024-01", "E01000001", "Robbery") for i in range(4)]
    rows[1][11] = "first line\nsecond line"  # a context spanning two physical lines
    rows[2] = rows[2][:9]  # a truncated row: 9 of 12 fields
    street_file(raw, "2024-01", rows)
    run(con, raw)
    lines = [r[0] for r in con.execute(
        "SELECT _line FROM raw.police_uk_street ORDER BY _line").fetchall()]
    assert lines == [2, 3, 6]  # row 2 spans lines 3-4; line 5 was rejected
    reject = con.execute("SELECT line, column_name, error, raw_text FROM meta.rejects").fetchall()
    assert reject == [(5, "Crime type", "expected 12 fields, found 9", reject[0][3])]
    assert reject[0][3].startswith(hexid(2))
    entry = next(iter(files(con).values()))
    assert (entry["rows_loaded"], entry["rows_rejected"], entry["validation"]) == (3, 1, "warning")


def test_files_read_together_keep_their_own_lines_and_a_faulty_one_is_read_exactly(
        con, tmp_path, monkeypatch):
    """Canonical CSVs of one header are read by one statement; a file with a short row or a
    quoted newline among them is read again on its own, and the others keep their rows."""
    monkeypatch.setattr(ingest._CsvBatch, "MAX_FILES", 3)  # two batches: 3 files, then 2
    raw = tmp_path / "raw"
    expected = {}
    for month in range(1, 6):
        rows = [street_row(hexid(100 * month + i), f"2024-0{month}", "E01000001", "Robbery")
                for i in range(month + 1)]
        lines = list(range(2, month + 3))
        if month == 2:
            rows[1] = rows[1][:9]  # short: rejected
            lines = [2, 4]
        if month == 4:
            rows[0][11] = "one\ntwo"  # spans lines 2-3
            lines = [2] + list(range(4, month + 4))
        street_file(raw, f"2024-0{month}", rows)
        expected[f"police_uk/2024-0{month}/2024-0{month}-test-street.csv"] = [
            (line, row[0]) for line, row in zip(lines, [r for r in rows if len(r) == 12],
                                                strict=True)]
    run(con, raw)
    got: dict[str, list] = {}
    for path, line, crime_id in con.execute(
            'SELECT f.path, r._line, r."Crime ID" FROM raw.police_uk_street AS r '
            "JOIN meta.files AS f ON f.file_id = r._file_id ORDER BY f.path, r._line").fetchall():
        got.setdefault(path, []).append((line, crime_id))
    assert got == expected
    assert con.execute("SELECT line, column_name FROM meta.rejects").fetchall() == [
        (3, "Crime type")]
    loaded = {path: (e["rows_loaded"], e["rows_rejected"]) for path, e in files(con).items()}
    assert loaded == {path: (len(rows), int("2024-02" in path)) for path, rows in expected.items()}


def test_progress_counts_every_file_read_once_in_order(con, tmp_path, caplog):
    raw = tmp_path / "raw"
    for month in ("2024-01", "2024-02"):
        street_file(raw, month, [street_row(hexid(1), month, "E01000001", "Robbery")])
    (raw / "police_uk" / "picture.csv").write_bytes(b"\x89PNG\r\n\x1a\n")
    (raw / "police_uk" / "empty.csv").write_bytes(b"")
    caplog.set_level("INFO", logger="svna.ingest")
    run(con, raw)
    street_file(raw, "2024-03", [street_row(hexid(3), "2024-03", "E01000001", "Robbery")])
    run(con, raw, "r2")  # four files unchanged: one to read

    progress = [r.progress for r in caplog.records if hasattr(r, "progress")]
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4), (1, 1)]


def test_non_utf8_file_fails_with_line_and_column_and_others_still_load(con, tmp_path):
    raw = tmp_path / "raw"
    good = street_file(raw, "2024-01", [street_row(hexid(1), "2024-01", "E01000001", "Drugs")])
    bad = raw / "police_uk" / "2024-02" / "2024-02-test-street.csv"
    bad.parent.mkdir(parents=True)
    text = ",".join(STREET_HEADER) + "\r\n" + ",".join(
        street_row(hexid(2), "2024-02", "E01000001", "Drugs", lsoa_name="Ca\u00e9n 001A")) + "\r\n"
    bad.write_bytes(text.encode("cp1252"))
    before = bad.read_bytes()
    run(con, raw)
    entries = files(con)
    failed = entries["police_uk/2024-02/2024-02-test-street.csv"]
    assert (failed["status"], failed["validation"], failed["active"]) == (
        "not_loaded", "failed", False)
    assert re.search(r"not UTF-8 text: line 2, column 'LSOA name', byte 0xE9", failed["message"])
    assert entries[good.relative_to(raw).as_posix()]["active"]
    assert bad.read_bytes() == before  # raw files are never touched


@pytest.mark.parametrize(("header", "expected"), [
    ([c for c in STREET_HEADER if c != "Crime type"], "missing column(s) Crime type"),
    (STREET_HEADER + ["Extra"], "unexpected column(s) Extra"),
])
def test_header_problems_fail_the_file_naming_the_column(con, tmp_path, header, expected):
    raw = tmp_path / "raw"
    write_csv(raw / "police_uk" / "2024-01" / "2024-01-test-street.csv", header,
              [["x"] * len(header)])
    run(con, raw)
    entry = next(iter(files(con).values()))
    assert entry["validation"] == "failed" and not entry["active"]
    assert expected in entry["message"] and "line 1" in entry["message"]
    detail = con.execute("SELECT sample FROM meta.validation_results WHERE NOT success").fetchone()
    assert expected.split(" ")[-1] in detail[0]


def test_reordered_columns_are_read_by_name(con, tmp_path):
    raw = tmp_path / "raw"
    header = list(reversed(STREET_HEADER))
    row = list(reversed(street_row(hexid(9), "2024-03", "E01000001", "Robbery")))
    write_csv(raw / "police_uk" / "2024-03" / "2024-03-test-street.csv", header, [row])
    run(con, raw)
    assert con.execute('SELECT "Month", "Crime type" FROM raw.police_uk_street').fetchall() == [
        ("2024-03", "Robbery")]
    failed = con.execute("SELECT expectation_type, severity FROM meta.validation_results "
                         "WHERE NOT success").fetchall()
    # read by name, so nothing is lost: the file is used, and the order reported as a warning
    assert failed == [("svna_columns_as_published", "warning")]
    assert con.execute("SELECT validation, active FROM meta.files").fetchall() == [
        ("warning", True)]


def test_empty_and_unrecognised_files_are_reported_not_loaded(con, tmp_path):
    raw = tmp_path / "raw"
    (raw / "police_uk").mkdir(parents=True)
    (raw / "police_uk" / "2024-01-test-street.csv").write_bytes(b"")
    write_csv(raw / "reference" / "notes.csv", ["LSOA21CD", "ever"], [["a", "b"]])
    summary = run(con, raw)
    entries = files(con)
    assert entries["police_uk/2024-01-test-street.csv"]["message"] == "empty file: no header row"
    assert entries["reference/notes.csv"]["status"] == "unrecognised"
    assert entries["reference/notes.csv"]["message"] == (
        "line 1 (header, 2 columns) matches no declared dataset or mapping; closest: "
        "ref_lsoa21_lad (1 of 6 columns in common)")
    assert summary.unrecognised == ["reference/notes.csv"]


def test_a_file_that_cannot_be_read_is_reported_and_the_rest_load(con, tmp_path):
    raw = tmp_path / "raw"
    street_file(raw, "2024-01", [street_row(hexid(1), "2024-01", "E01000001", "Drugs")])
    (raw / "police_uk" / "2024-02-test-street.csv").symlink_to(tmp_path / "gone.csv")
    summary = run(con, raw)
    assert summary.not_loaded == ["police_uk/2024-02-test-street.csv"]
    entries = files(con)
    assert "cannot be read" in entries["police_uk/2024-02-test-street.csv"]["message"]
    assert entries["police_uk/2024-01/2024-01-test-street.csv"]["active"]


def test_rerun_reads_nothing_again_and_same_content_is_not_double_counted(con, tmp_path):
    raw = tmp_path / "raw"
    rows = [street_row(hexid(i), "2024-01", "E01000001", "Robbery") for i in range(3)]
    first = street_file(raw, "2024-01", rows)
    run(con, raw)
    again = run(con, raw, "r2")
    assert again.unchanged == 1 and not again.loaded
    copy = raw / "download-2" / first.name  # the same archive unzipped twice
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    third = run(con, raw, "r3")
    assert third.duplicates == ["download-2/2024-01-test-street.csv"]
    assert con.execute("SELECT count(*) FROM raw.police_uk_street").fetchone()[0] == 3
    counted = con.execute("SELECT count(*) FROM raw.police_uk_street AS r JOIN meta.files AS f "
                          "ON f.file_id = r._file_id AND f.active").fetchall()
    assert counted == [(3,)]


def test_corrected_redelivery_replaces_and_a_broken_one_does_not(con, tmp_path):
    raw = tmp_path / "raw"
    path = street_file(raw, "2024-01", [street_row(hexid(1), "2024-01", "E01000001", "Drugs")])
    run(con, raw)
    original = files(con)["police_uk/2024-01/2024-01-test-street.csv"]["id"]
    # A corrected file for the same month and force, under another name: it replaces.
    corrected = street_file(raw, "2024-01", [
        street_row(hexid(1), "2024-01", "E01000001", "Drugs"),
        street_row(hexid(2), "2024-01", "E01000001", "Robbery")],
        name="2024-01-test-street (1).csv")
    os.utime(corrected, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    run(con, raw, "r2")
    active = con.execute("SELECT path FROM meta.files WHERE active").fetchall()
    assert active == [("police_uk/2024-01/2024-01-test-street (1).csv",)]
    # Then a broken version of that file (no Month column): the corrected one stays in use.
    write_csv(corrected, [c for c in STREET_HEADER if c != "Month"], [["x"] * 11])
    run(con, raw, "r3")
    assert con.execute("SELECT path FROM meta.files WHERE active").fetchall() == active
    assert original not in [r[0] for r in con.execute(
        "SELECT file_id FROM meta.files WHERE active").fetchall()]


def test_a_file_taken_away_stops_counting(con, tmp_path):
    raw = tmp_path / "raw"
    path = street_file(raw, "2024-01", [street_row(hexid(1), "2024-01", "E01000001", "Drugs")])
    run(con, raw)
    path.unlink()
    summary = run(con, raw, "r2")
    assert summary.removed == ["police_uk/2024-01/2024-01-test-street.csv"]
    assert con.execute("SELECT count(*) FROM meta.files WHERE active").fetchone()[0] == 0


PERSON = Dataset(name="test_people", description="people", owner="test",
                 columns=("person id", "name", "age"), file_key=None,
                 identifiers=("person id", "name"))


def test_identifiers_are_pseudonymised_on_ingest_with_the_key(con, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_csv(raw / "people.csv", ["person id", "name", "age"],
              [["A123", "Jo Bloggs", "17"], ["a123 ", "Jo Bloggs", "17"], ["B9", "", "30"]])
    monkeypatch.setenv(KEY_VARIABLE, "a-test-key-of-enough-length")
    ingest.ingest(con, raw, (PERSON,), "r1")
    rows = con.execute('SELECT "person id", name, age FROM raw.test_people ORDER BY _line'
                       ).fetchall()
    assert rows[0][0] == rows[1][0] != rows[2][0]  # same person, same pseudonym
    assert rows[0][0].startswith("P") and len(rows[0][0]) == 21
    assert rows[2][1] is None and rows[0][2] == "17"
    dump = "".join(str(v) for r in con.execute("SELECT * FROM raw.test_people").fetchall()
                   for v in r)
    assert "A123" not in dump and "Bloggs" not in dump


@pytest.mark.parametrize("key", ["a-test-key-of-enough-length", "k" * 100],
                         ids=["short key", "key longer than a hash block"])
def test_pseudonyms_computed_in_sql_are_the_keyed_hash_of_the_trimmed_upper_case_value(
        con, tmp_path, monkeypatch, key):
    values = ["A123", " a123 ", "jo bloggs", "Straße 5", "\tT9", "É", "x" * 300, "   "]
    raw = tmp_path / "raw"
    write_csv(raw / "people.csv", ["person id", "name", "age"],
              [[value, "N", "1"] for value in values])
    monkeypatch.setenv(KEY_VARIABLE, key)
    ingest.ingest(con, raw, (PERSON,), "r1")
    got = [p for p, in con.execute(
        'SELECT "person id" FROM raw.test_people ORDER BY _line').fetchall()]
    expected = [
        "P" + hmac.new(key.encode(), v.strip().upper().encode(), hashlib.sha256).hexdigest()[:20]
        if v.strip() else None for v in values]
    assert got == expected


def test_no_key_no_run(con, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_csv(raw / "people.csv", ["person id", "name", "age"], [["A1", "X", "1"]])
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(MissingKeyError, match=KEY_VARIABLE):
        ingest.ingest(con, raw, (PERSON,), "r1")
