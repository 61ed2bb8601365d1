"""Bad input, one kind per test, each a small hand-made delivery run through the real stages
(ingest, validate, activate, assess, validation report) beside a good delivery.

What a data owner needs, asserted every time: a message naming the file, and the line and
column where there is one; the bad part kept out of use (the rejected rows, or the whole file
when a critical check fails); nothing else lost (the good rows of the same file and the other
files reach the assessment); the raw files byte for byte as delivered."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml

from svna import datasets, pipeline, validate, warehouse
from svna.config import Config
from svna.validation_report import write_validation_report

from conftest import OUTCOMES_HEADER, STREET_HEADER, street_row, write_csv, write_reference

DISTRICT = "E07000008"
# two 2021 LSOAs of the one district of the test area
LSOAS = [("E01000001", DISTRICT, "Cambridge", 1500, 3), ("E01000002", DISTRICT, "Cambridge",
                                                          1600, 7)]
GOOD = "police_uk/2024-01/2024-01-test-street.csv"  # the good delivery beside every bad one
BAD = "police_uk/2024-02/2024-02-test-street.csv"
OFFENCES = next(d for d in datasets.load_datasets() if d.name == "force_offences").columns


def hexid(n) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def robbery(n: int, month: str = "2024-02", lsoa: str = "E01000001") -> list[str]:
    return street_row(hexid(f"{month}-{n}"), month, lsoa, "Robbery")


def street_text(rows: list[list[str]], header=STREET_HEADER, sep: str = ",",
                newline: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator=newline).writerows([header, *rows])
    return out.getvalue()


def sha256s(raw: Path) -> dict[str, str]:
    return {p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(raw.rglob("*")) if p.is_file()}


@dataclass
class Outcome:
    con: duckdb.DuckDBPyConnection
    files: dict[str, dict]  # the latest version of each path, from meta.files
    report: dict[str, dict]  # validation_results.json, by file
    page: str  # index.html of the validation report, unescaped

    def results(self, path: str, failed_only: bool = True) -> list[dict]:
        return [r for r in self.report[path]["results"] if not (failed_only and r["success"])]

    def rejects(self, path: str) -> list[tuple]:
        return self.con.execute(
            "SELECT line, column_name, error FROM meta.rejects WHERE file_id = ? ORDER BY line",
            [self.files[path]["file_id"]]).fetchall()

    def monthly(self) -> dict[str, int]:
        """Street records the assessment counts, by month (months of zero left out)."""
        return dict(self.con.execute(
            "SELECT month, sum(incidents)::INTEGER FROM assessment.police_uk_monthly "
            "GROUP BY month HAVING sum(incidents) > 0 ORDER BY month").fetchall())


@pytest.fixture
def raw(tmp_path) -> Path:
    """Reference files and one good month (three robberies in 2024-01)."""
    folder = tmp_path / "raw"
    write_reference(folder, LSOAS)
    write_csv(folder / GOOD, STREET_HEADER, [robbery(i, "2024-01") for i in range(3)])
    return folder


@pytest.fixture
def run(tmp_path, raw):
    """The stages as a refresh runs them, then the validation report; checks that no raw
    file was changed on the way."""
    connections = []

    def go(assess: bool = True, run_id: str = "r1", mappings: Path | None = None) -> Outcome:
        paths = {"raw": str(raw), "processed": str(tmp_path / "processed"),
                 "reports": str(tmp_path / "reports")}
        if mappings:
            paths["mappings"] = str(mappings)
        config = Config.model_validate({
            "area": {"name": "Test area", "districts": [DISTRICT]}, "paths": paths})
        before = sha256s(raw)
        if not connections:
            connections.append(warehouse.connect(tmp_path / "w.duckdb"))
        con = connections[0]
        pipeline.stage_ingest(con, config, run_id)
        pipeline.stage_validate(con, config, run_id)
        if assess:
            pipeline.stage_assess(con, config)
        out = write_validation_report(con, tmp_path / "validation", datasets.load_datasets(),
                                      run_id, "now")
        assert sha256s(raw) == before  # raw files are never modified
        keys = ["file_id", "status", "validation", "active", "rows_read", "rows_loaded",
                "rows_rejected", "message", "dataset"]
        files = {r[0]: dict(zip(keys, r[1:], strict=True)) for r in con.execute(
            f"SELECT path, {', '.join(keys)} FROM meta.files "
            "QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1"
        ).fetchall()}
        report = json.loads((tmp_path / "validation" / "validation_results.json").read_text())
        return Outcome(con, files, {f["file"]: f for f in report["files"]},
                       html.unescape(out.read_text(encoding="utf-8")))

    yield go
    for con in connections:
        con.close()


def assert_good_delivery_intact(out: Outcome, also: dict[str, int] | None = None) -> None:
    """The good month is in use and counted in full (3 robberies), with any other months."""
    assert out.files[GOOD]["active"] and out.files[GOOD]["validation"] == "passed"
    assert out.monthly() == {"2024-01": 3, **(also or {})}


def assert_not_used(out: Outcome, path: str, *phrases: str) -> None:
    """The file is out of use and the data owner is told why, in both report forms."""
    entry = out.report[path]
    assert not entry["used"] and not out.files[path]["active"]
    assert entry["status"] in ("failed", "not_loaded", "unrecognised")
    said = json.dumps(entry, ensure_ascii=False)
    for phrase in phrases:
        assert phrase in said, (phrase, said[:2000])
        assert phrase in out.page, phrase
    assert path in out.page


def failed_check(out: Outcome, path: str, kind: str, column: str | None) -> dict:
    found = [r for r in out.results(path) if r["expectation_config"]["type"] == kind
             and r["expectation_config"]["kwargs"].get("column") == column]
    assert len(found) == 1, out.results(path)
    return found[0]


def write(raw: Path, rel: str, data: bytes) -> Path:
    path = raw / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- the header --------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "phrases"), [
    pytest.param([c for c in STREET_HEADER if c != "Crime type"],
                 ["line 1 (header): missing column(s) Crime type"], id="missing-column"),
    pytest.param(STREET_HEADER + ["Officer notes"],
                 ["line 1 (header): unexpected column(s) Officer notes"], id="extra-column"),
    pytest.param([c if c != "Crime type" else "Crime category" for c in STREET_HEADER],
                 ["missing column(s) Crime type", "unexpected column(s) Crime category",
                  "renamed? 'Crime category' stands where 'Crime type' belongs"],
                 id="renamed-column"),
])
def test_a_header_without_the_published_columns_fails_the_file_naming_them(
        raw, run, header, phrases):
    rows = [robbery(i)[:len(header)] + ["x"] * (len(header) - 12) for i in range(3)]
    write_csv(raw / BAD, header, rows)
    out = run()
    assert out.files[BAD]["validation"] == "failed" and out.files[BAD]["status"] == "not_loaded"
    assert_not_used(out, BAD, *phrases)
    check = failed_check(out, BAD, "expect_table_columns_to_match_ordered_list", None)
    assert check["result"]["unexpected_rows"][0]["line"] == 1
    assert_good_delivery_intact(out)


@pytest.mark.parametrize(("header", "note"), [
    pytest.param(list(reversed(STREET_HEADER)), "columns in a different order",
                 id="reordered-columns"),
    pytest.param([c.upper() if c == "Crime type" else c for c in STREET_HEADER],
                 "'CRIME TYPE' as 'Crime type'", id="column-name-in-capitals"),
])
def test_columns_in_another_order_or_case_are_read_by_name_and_used_with_a_warning(
        raw, run, header, note):
    position = [STREET_HEADER.index(next(c for c in STREET_HEADER if c.lower() == h.lower()))
                for h in header]
    write_csv(raw / BAD, header, [[robbery(i)[p] for p in position] for i in range(2)])
    out = run()
    assert out.files[BAD]["validation"] == "warning" and out.report[BAD]["used"]
    check = failed_check(out, BAD, "svna_columns_as_published", None)
    assert check["expectation_config"]["severity"] == "warning"
    assert note in check["result"]["unexpected_rows"][0]["value"] and note in out.page
    got = out.con.execute('SELECT "Month", "Crime type", "LSOA code" FROM raw.police_uk_street '
                          "WHERE _file_id = ? ORDER BY _line", [out.files[BAD]["file_id"]])
    assert got.fetchall() == [("2024-02", "Robbery", "E01000001")] * 2
    assert_good_delivery_intact(out, {"2024-02": 2})


@pytest.mark.parametrize(("sep", "named"), [(";", "semicolons"), ("\t", "tabs")],
                         ids=["semicolon", "tab"])
def test_a_file_separated_by_semicolons_or_tabs_is_named_as_such(raw, run, sep, named):
    write(raw, BAD, street_text([robbery(i) for i in range(2)], sep=sep).encode())
    out = run()
    assert out.files[BAD]["dataset"] == "police_uk_street"  # recognised, so its owner sees it
    assert_not_used(out, BAD, f"line 1 (header): the columns are separated by {named}, "
                              "not commas")
    assert out.files[BAD]["validation"] == "failed"
    assert_good_delivery_intact(out)


# --- encodings and line ends ---------------------------------------------------------------

@pytest.mark.parametrize(("bom", "newline"), [(True, "\r\n"), (False, "\r\n"), (False, "\n"),
                                              (True, "\n")],
                         ids=["bom-crlf", "crlf", "lf", "bom-lf"])
def test_a_byte_order_mark_and_either_line_end_are_read_cleanly(raw, run, bom, newline):
    rows = [robbery(i) for i in range(2)]
    rows[1][11] = "context at the end of the line"  # a last column would keep a stray \r
    data = ("\ufeff" if bom else "") + street_text(rows, newline=newline)
    write(raw, BAD, data.encode("utf-8"))
    out = run()
    assert out.files[BAD]["validation"] == "passed" and out.files[BAD]["active"]
    got = out.con.execute('SELECT "Crime ID", "Context" FROM raw.police_uk_street '
                          "WHERE _file_id = ? ORDER BY _line", [out.files[BAD]["file_id"]])
    assert got.fetchall() == [(rows[0][0], None), (rows[1][0], rows[1][11])]
    assert_good_delivery_intact(out, {"2024-02": 2})


def test_windows_1252_text_fails_naming_line_column_and_byte(raw, run):
    rows = [robbery(i) for i in range(3)]
    rows[1][6] = "On or near Mill Road, East"  # a quoted comma before the bad byte
    rows[1][8] = "Café 001A"
    write(raw, BAD, street_text(rows).encode("cp1252"))
    out = run()
    # line 3 is the second data row; 0xE9 is é in Windows-1252 (UTF-8 would be C3 A9)
    assert_not_used(out, BAD, "not UTF-8 text: line 3, column 'LSOA name', byte 0xE9",
                    "re-save the file as UTF-8 CSV")
    assert_good_delivery_intact(out)


@pytest.mark.parametrize(("kind", "data", "what"), [
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "a PNG image"),
    ("xlsx", None, "a ZIP archive"),
    ("nul", b"\x00\x01\x02\x03" * 64, "binary data (a NUL byte at byte 0)"),
    ("utf16", ",".join(STREET_HEADER).encode("utf-16"), "UTF-16 text, not UTF-8"),
], ids=["png-renamed-csv", "xlsx-renamed-csv", "binary-noise", "utf-16"])
def test_a_file_that_is_not_csv_text_is_named_for_what_it_is(raw, run, tmp_path, kind, data,
                                                             what):
    if data is None:
        book = openpyxl.Workbook()
        book.active.append(STREET_HEADER)
        book.save(tmp_path / "book.xlsx")
        data = (tmp_path / "book.xlsx").read_bytes()
    write(raw, BAD, data)
    out = run()
    assert_not_used(out, BAD, f"not a text file: its bytes are those of {what}"
                    if kind != "utf16" else what)
    assert out.files[BAD]["status"] == "not_loaded"
    assert_good_delivery_intact(out)


# --- rows ----------------------------------------------------------------------------------

def test_a_last_line_cut_off_inside_a_quote_is_rejected_and_the_rest_of_the_file_used(raw, run):
    text = street_text([robbery(i) for i in range(3)])
    cut = text[: text.rindex(",On or near")] + ',"On or near High'  # no closing quote, no EOL
    write(raw, BAD, cut.encode())
    out = run()
    # line 4 holds 6 complete fields (Crime ID .. Latitude) and then an unterminated quote
    # that swallows the rest: 7 fields of 12, the first missing being LSOA code
    assert out.rejects(BAD) == [(4, "LSOA code", "expected 12 fields, found 7; the file ends "
                                 "part-way through this row (cut off in transfer? deliver it "
                                 "again)")]
    assert out.files[BAD]["active"] and out.files[BAD]["validation"] == "warning"
    assert "1 row(s) rejected, first at line 4" in out.files[BAD]["message"]
    assert "expected 12 fields, found 7" in out.page
    assert_good_delivery_intact(out, {"2024-02": 2})


def test_a_quote_left_open_mid_file_loses_its_own_row_only(raw, run):
    rows = [robbery(i) for i in range(5)]
    text = street_text(rows)
    # line 3 (the second row): its Location opens a quote that nothing closes
    text = text.replace(",On or near High Street,", ',"On or near High Street,', 2).replace(
        ',"On or near High Street,', ",On or near High Street,", 1)
    write(raw, BAD, text.encode())
    out = run()
    # the reader takes lines 3-6 as one broken row; read alone, line 3 is 6 fields and a
    # seventh running from the open quote to the end of the line; lines 4-6 are whole rows
    assert out.rejects(BAD) == [(3, "LSOA code", "expected 12 fields, found 7; a quote opened "
                                 "in this row is never closed (lines 3 to 6 read as one row), "
                                 "so each line was read on its own")]
    assert out.con.execute("SELECT _line FROM raw.police_uk_street WHERE _file_id = ? "
                           "ORDER BY _line", [out.files[BAD]["file_id"]]).fetchall() == [
        (2,), (4,), (5,), (6,)]
    assert_good_delivery_intact(out, {"2024-02": 4})


def test_a_short_row_is_rejected_with_its_line_and_first_missing_column(raw, run):
    rows = [robbery(i) for i in range(4)]
    rows[2] = rows[2][:10]  # Crime ID .. Crime type: no outcome, no context
    write_csv(raw / BAD, STREET_HEADER, rows)
    out = run()
    assert out.rejects(BAD) == [(4, "Last outcome category", "expected 12 fields, found 10")]
    assert out.files[BAD]["rows_loaded"] == 3 and out.files[BAD]["rows_rejected"] == 1
    assert_good_delivery_intact(out, {"2024-02": 3})


def test_a_stray_nul_byte_in_a_field_is_kept_as_delivered(raw, run):
    rows = [robbery(i) for i in range(3)]
    rows[1][11] = "bad\x00byte"  # below the header, so not taken for a binary file
    write(raw, BAD, street_text(rows).encode())
    out = run()
    assert out.rejects(BAD) == [] and out.files[BAD]["validation"] == "passed"
    assert out.con.execute('SELECT "Context" FROM raw.police_uk_street WHERE _line = 3 AND '
                           "_file_id = ?", [out.files[BAD]["file_id"]]).fetchall() == [
        ("bad\x00byte",)]
    assert_good_delivery_intact(out, {"2024-02": 3})


def test_an_empty_file_is_reported_not_used(raw, run):
    write(raw, BAD, b"")
    out = run()
    assert_not_used(out, BAD, "empty file: no header row")
    assert_good_delivery_intact(out)


def test_a_header_only_file_is_reported_and_does_not_replace_a_delivery_with_rows(raw, run):
    write_csv(raw / BAD, STREET_HEADER, [])
    first = run(assess=False)
    check = failed_check(first, BAD, "expect_table_row_count_to_be_between", None)
    assert check["result"]["unexpected_rows"] == [{"line": 1,
                                                   "value": "0 data rows, expected at least 1"}]
    assert first.files[BAD]["validation"] == "warning"
    # the month is delivered again under another name, header only: the good month stays
    empty = raw / "police_uk" / "2024-01" / "2024-01-test-street (1).csv"
    write_csv(empty, STREET_HEADER, [])
    out = run(run_id="r2")
    assert not out.files[empty.relative_to(raw).as_posix()]["active"]
    assert_good_delivery_intact(out)


def test_duplicate_rows_are_reported_and_counted_once(raw, run):
    rows = [robbery(i) for i in range(3)]
    write_csv(raw / BAD, STREET_HEADER, [rows[0], rows[1], rows[1], rows[2]])
    out = run()
    check = failed_check(out, BAD, "expect_column_values_to_be_unique", "Crime ID")
    assert [s["line"] for s in check["result"]["unexpected_rows"]] == [3, 4]
    assert out.report[BAD]["used"] and out.files[BAD]["validation"] == "warning"
    assert_good_delivery_intact(out, {"2024-02": 3})  # 4 rows, one a copy


# --- values --------------------------------------------------------------------------------

@pytest.mark.parametrize(("month", "kind"), [
    ("2024-13", "expect_column_values_to_match_regex"),
    ("2099-01", "expect_column_values_to_be_between"),
    ("1924-02", "expect_column_values_to_be_between"),
], ids=["impossible-month", "future-month", "month-before-police-uk"])
def test_a_month_that_cannot_be_is_quarantined_naming_line_and_column(raw, run, month, kind):
    rows = [robbery(i) for i in range(3)]
    rows[1][1] = month
    write_csv(raw / BAD, STREET_HEADER, rows)
    out = run()
    check = failed_check(out, BAD, kind, "Month")
    assert check["result"]["unexpected_rows"] == [{"line": 3, "value": month}]
    # one row of three: that row is left out, the file's other two rows are used
    note = failed_check(out, BAD, "svna_rows_quarantined", None)
    assert [r["line"] for r in note["result"]["unexpected_rows"]] == [3]
    assert out.report[BAD]["used"] and out.files[BAD]["validation"] == "warning"
    # the reporting period is not stretched to the bad month
    assert out.con.execute("SELECT first_month, latest_month FROM marts.reporting_period"
                           ).fetchall() == [("2024-01", "2024-02")]
    assert_good_delivery_intact(out, {"2024-02": 2})


def test_a_file_whose_rows_mostly_fail_a_critical_check_fails_whole(raw, run):
    rows = [robbery(i) for i in range(3)]
    rows[0][1] = rows[1][1] = "2024-13"  # two of three rows: past the quarantine share
    write_csv(raw / BAD, STREET_HEADER, rows)
    out = run()
    assert_not_used(out, BAD, "2024-13")
    assert out.files[BAD]["validation"] == "failed"
    assert out.con.execute("SELECT count(*) FROM meta.quarantine").fetchall() == [(0,)]
    assert_good_delivery_intact(out)


def offences_rows(**changes) -> list[list[str]]:
    """Three canonical offences; changes: {row index: {column: value}}."""
    rows = []
    for i in range(3):
        record = {"crime_reference": f"CR/{i}", "recorded_date": f"2024-02-1{i}",
                  "committed_from": f"2024-02-1{i} 21:00", "offence_code": "8N",
                  "lsoa_code": "E01000001", "knife_flag": "N", "firearm_flag": "N",
                  "domestic_abuse_flag": "N", "outcome_code": "0"}
        record.update(changes.get(f"r{i}", {}))
        rows.append([record.get(c, "") for c in OFFENCES])
    return rows


@pytest.mark.parametrize(("value", "kind"), [
    ("2024-02-30", "expect_column_values_to_match_strftime_format"),
    ("2023-02-29", "expect_column_values_to_match_strftime_format"),
    ("2024-13-01", "expect_column_values_to_match_regex"),
], ids=["30-february", "29-february-not-leap", "month-13"])
def test_an_impossible_date_in_the_force_extract_is_quarantined_naming_line_and_column(
        raw, run, value, kind):
    write_csv(raw / "force_extract" / "offences.csv", list(OFFENCES),
              offences_rows(r2={"recorded_date": value}))
    out = run()
    path = "force_extract/offences.csv"
    check = failed_check(out, path, kind, "recorded_date")
    assert check["result"]["unexpected_rows"] == [{"line": 4, "value": value}]
    assert check["expectation_config"]["severity"] == "critical"
    note = failed_check(out, path, "svna_rows_quarantined", None)
    assert [r["line"] for r in note["result"]["unexpected_rows"]] == [4]
    assert out.report[path]["used"] and out.files[path]["validation"] == "warning"
    assert value in out.page
    assert_good_delivery_intact(out)


REAL_DATE_RULES = sorted(
    (d.name, e["kwargs"]["column"], e.get("severity", "critical"))
    for d in datasets.load_datasets() for e in validate.load_suite(d.suite_name).expectations
    if e["type"] == "expect_column_values_to_match_strftime_format")


@pytest.mark.parametrize(("dataset", "column", "severity"), REAL_DATE_RULES,
                         ids=[f"{d}-{c}" for d, c, _ in REAL_DATE_RULES])
def test_every_date_column_with_a_real_date_rule_names_30_february(raw, run, dataset, column,
                                                                  severity):
    from conftest import write_table

    write_table(raw / "partners" / f"{dataset}.csv", dataset,
                [{column: "2024-02-28"}, {column: "2024-02-30"}])
    out = run(assess=False)
    path = f"partners/{dataset}.csv"
    check = failed_check(out, path, "expect_column_values_to_match_strftime_format", column)
    assert check["result"]["unexpected_rows"] == [{"line": 3, "value": "2024-02-30"}]
    assert check["expectation_config"]["severity"] == severity
    assert out.files[GOOD]["active"]  # (no assessment built: the check is the point here)


def test_svna_and_great_expectations_agree_on_what_is_a_real_date():
    import pandas as pd

    exp = {"type": "expect_column_values_to_match_strftime_format",
           "kwargs": {"column": "d", "strftime_format": "%Y-%m-%d"}}
    suite = validate.Suite("dates", (exp,), "x", {"name": "dates", "expectations": [exp]})
    values = ["2024-02-29", "2023-02-29", "2024-02-30", "2024-04-31", "2024-12-31", None]
    theirs = validate.run_with_gx_pandas(pd.DataFrame({"d": values}, dtype=object), suite)
    con = duckdb.connect()
    predicate = validate.COLUMN_MAP[exp["type"]]("d", exp["kwargs"])
    ours = con.execute(f"SELECT count_if(d IS NOT NULL AND {predicate}) FROM "
                       "(SELECT unnest(?::VARCHAR[]) AS d)", [values]).fetchall()[0][0]
    assert ours == theirs[0]["unexpected_count"] == 3  # 2023-02-29, 2024-02-30, 2024-04-31


def test_a_future_recorded_date_is_a_warning_naming_the_line(raw, run):
    write_csv(raw / "force_extract" / "offences.csv", list(OFFENCES),
              offences_rows(r0={"recorded_date": "2099-02-10"}))
    out = run()
    path = "force_extract/offences.csv"
    check = failed_check(out, path, "expect_column_values_to_be_between", "recorded_date")
    assert check["result"]["unexpected_rows"] == [{"line": 2, "value": "2099-02-10"}]
    assert out.report[path]["used"] and out.files[path]["validation"] == "warning"
    assert out.files[path]["rows_loaded"] == 3
    assert_good_delivery_intact(out)


def test_an_unknown_crime_type_is_named_with_its_line_and_column(raw, run):
    rows = [robbery(i) for i in range(3)]
    rows[2][9] = "Knife crime"
    write_csv(raw / BAD, STREET_HEADER, rows)
    out = run()
    check = failed_check(out, BAD, "expect_column_values_to_be_in_set", "Crime type")
    assert check["result"]["unexpected_rows"] == [{"line": 4, "value": "Knife crime"}]
    assert "Knife crime" in out.page and BAD in out.page
    assert_good_delivery_intact(out, {"2024-02": 2})  # the other two rows are used


@pytest.mark.parametrize("dataset", ["police_uk_street", "force_offences"])
def test_a_row_failing_a_critical_value_check_is_quarantined_alone(raw, run, dataset):
    if dataset == "police_uk_street":
        rows = [robbery(i) for i in range(3)]
        rows[2][9] = "Knife crime"
        write_csv(raw / BAD, STREET_HEADER, rows)
        path, table = BAD, "staging.police_uk_street"
    else:
        write_csv(raw / "force_extract" / "offences.csv", list(OFFENCES),
                  offences_rows(r2={"recorded_date": "2024-02-30"}))
        path, table = "force_extract/offences.csv", "staging.force_offences"
    out = run()
    assert out.files[path]["active"]  # the file stays in use...
    kept = out.con.execute(f"SELECT line FROM {table} WHERE file_id = ? ORDER BY line",
                           [out.files[path]["file_id"]]).fetchall()
    assert kept == [(2,), (3,)]  # ...without line 4, the row that failed


@pytest.mark.parametrize("code", ["ZZZ", "8N/"], ids=["letters", "trailing-slash"])
def test_a_malformed_home_office_code_is_a_warning_naming_the_line(raw, run, code):
    write_csv(raw / "force_extract" / "offences.csv", list(OFFENCES),
              offences_rows(r1={"offence_code": code}))
    out = run()
    path = "force_extract/offences.csv"
    check = failed_check(out, path, "expect_column_values_to_match_regex", "offence_code")
    assert check["result"]["unexpected_rows"] == [{"line": 3, "value": code}]
    assert out.report[path]["used"] and out.files[path]["rows_loaded"] == 3
    assert_good_delivery_intact(out)


def test_a_well_formed_but_unknown_home_office_code_is_listed_in_the_assessment(raw, run):
    write_csv(raw / "force_extract" / "offences.csv", list(OFFENCES),
              offences_rows(r1={"offence_code": "999Z"}))
    out = run()
    path = "force_extract/offences.csv"
    assert out.report[path]["used"] and out.files[path]["rows_loaded"] == 3
    # the pattern cannot know the list; the assessment's data-quality table names the code
    assert out.con.execute("SELECT value, detail FROM assessment.force_data_quality WHERE "
                           "measure LIKE '%offence code not in the Home Office list%'"
                           ).fetchall() == [(1, "999Z")]
    assert_good_delivery_intact(out)


@pytest.mark.parametrize(("column", "value"), [
    ("LSOA code", "E0100001"), ("LSOA code", "e01000001x"), ("Longitude", "east"),
    ("Latitude", "52,2"),
], ids=["lsoa-seven-digits", "lsoa-junk", "longitude-text", "latitude-decimal-comma"])
def test_a_malformed_lsoa_or_coordinate_is_a_warning_and_the_row_kept(raw, run, column, value):
    rows = [robbery(i) for i in range(3)]
    rows[1][STREET_HEADER.index(column)] = value
    write_csv(raw / BAD, STREET_HEADER, rows)
    out = run()
    check = failed_check(out, BAD, "expect_column_values_to_match_regex", column)
    assert check["result"]["unexpected_rows"] == [{"line": 3, "value": value}]
    assert out.report[BAD]["used"] and out.files[BAD]["validation"] == "warning"
    assert f"line 3: <code>{value}</code>" in out.page
    # a row with a bad LSOA cannot be placed in the area; a bad coordinate does not matter
    assert_good_delivery_intact(out, {"2024-02": 2 if column == "LSOA code" else 3})


def test_a_two_megabyte_field_loads_whole_and_is_cut_short_in_the_report(raw, run):
    rows = [robbery(i) for i in range(3)]
    rows[0][11] = "c" * (2 << 20)  # 2 MiB of context: over DuckDB's default line size
    rows[1][4] = "x" * (2 << 20)  # 2 MiB where a longitude should be
    write_csv(raw / BAD, STREET_HEADER, rows)
    out = run()
    lengths = out.con.execute('SELECT length("Context"), length("Longitude") FROM '
                              "raw.police_uk_street WHERE _file_id = ? ORDER BY _line",
                              [out.files[BAD]["file_id"]]).fetchall()
    assert lengths == [(2 << 20, 8), (None, 2 << 20), (None, 8)]  # "0.100000" has 8 characters
    check = failed_check(out, BAD, "expect_column_values_to_match_regex", "Longitude")
    sample = check["result"]["unexpected_rows"]
    assert sample == [{"line": 3, "value": "x" * 200 + " … (2097152 characters)"}]
    assert len(out.page) < 100_000
    assert_good_delivery_intact(out, {"2024-02": 3})


# --- files and folders ---------------------------------------------------------------------

def test_a_file_of_another_dataset_in_the_wrong_folder_is_recognised_by_its_header(raw, run):
    outcome = [hexid("2024-01-0"), "2024-02", "Test Constabulary", "Test Constabulary",
               "0.100000", "52.200000", "On or near High Street", "E01000001", "x",
               "Suspect charged"]
    write_csv(raw / BAD, OUTCOMES_HEADER, [outcome])  # outcomes, named and placed as street
    stray = raw / "reference" / "2024-03-test-street.csv"  # street data among the lookups
    write_csv(stray, STREET_HEADER, [robbery(i, "2024-03") for i in range(2)])
    out = run()
    assert out.files[BAD]["dataset"] == "police_uk_outcomes" and out.files[BAD]["active"]
    assert "recognised as police_uk_outcomes by its header, but its name does not follow" in \
        out.files[BAD]["message"]
    assert out.con.execute("SELECT count(*) FROM raw.police_uk_outcomes").fetchall() == [(1,)]
    assert out.files["reference/2024-03-test-street.csv"]["dataset"] == "police_uk_street"
    assert_good_delivery_intact(out, {"2024-03": 2})


def test_a_file_of_no_known_dataset_is_reported_with_the_closest_match(raw, run):
    write_csv(raw / "police_uk" / "notes.csv", ["Crime ID", "Note"], [["a", "b"]])
    out = run()
    assert_not_used(out, "police_uk/notes.csv", "line 1 (header, 2 columns) matches no "
                    "declared dataset or mapping; closest:")
    assert_good_delivery_intact(out)


def test_a_path_with_spaces_brackets_and_accents_loads(raw, run):
    odd = "police uk/Mär 2024/2024-03-test-street [1].csv"
    write_csv(raw / odd, STREET_HEADER, [robbery(i, "2024-03") for i in range(2)])
    out = run()
    assert out.files[odd]["active"] and out.files[odd]["validation"] == "passed"
    assert out.con.execute("SELECT delivery_key FROM meta.files WHERE path = ?", [odd]
                           ).fetchall() == [("force=test|month=2024-03",)]
    assert odd in out.page
    assert_good_delivery_intact(out, {"2024-03": 2})


def offences_workbook(path: Path, above: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Offences"
    for row in [*above, list(OFFENCES), *offences_rows()]:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_a_workbook_with_a_title_above_the_header_loads_with_sheet_row_numbers(raw, run):
    offences_workbook(raw / "force_extract" / "offences.xlsx",
                      [["Crime extract, run 1 March 2024"], []])
    out = run()
    path = "force_extract/offences.xlsx#Offences"
    assert out.files[path]["active"] and out.files[path]["rows_loaded"] == 3
    assert "header on row 3: the 2 row(s) above it (a title) not read" in out.files[path][
        "message"]
    lines = out.con.execute("SELECT _line FROM raw.force_offences ORDER BY _line").fetchall()
    assert lines == [(4,), (5,), (6,)]  # the rows of the sheet, as the owner sees them
    assert_good_delivery_intact(out)


def test_a_date_of_birth_that_is_no_date_is_reported_by_line_without_its_value(
        raw, run, tmp_path):
    from test_mappings import VICTIM_HEADER, VICTIM_MAPPING, VICTIM_ROWS

    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "victims.yml").write_text(yaml.safe_dump(VICTIM_MAPPING))
    book = openpyxl.Workbook()
    book.active.title = "Victims"
    for row in [VICTIM_HEADER, *VICTIM_ROWS]:  # the third victim was born on 31/02/2008
        book.active.append(row)
    book.save(raw / "victims.xlsx")
    out = run(mappings=tmp_path / "mappings")
    entry = out.files["victims.xlsx#Victims"]
    assert entry["active"] and entry["rows_loaded"] == 3
    assert "age left blank where column DOB is not a date in the form %d/%m/%Y: line(s) 4" in \
        entry["message"]
    assert "31/02/2008" not in out.page  # a date of birth identifies: never shown
    assert_good_delivery_intact(out)


def encrypted_workbook(path: Path) -> None:
    """What Excel writes for a password-protected workbook: an OLE2 compound file holding
    an 'EncryptionInfo' stream (the stream names are UTF-16 in its directory)."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                     + "EncryptionInfo".encode("utf-16-le") + bytes(512))


def damaged_workbook(path: Path) -> None:
    offences_workbook(path, [])
    path.write_bytes(path.read_bytes()[:600])  # an interrupted download


def old_xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                     + "Workbook".encode("utf-16-le") + bytes(512))


@pytest.mark.parametrize(("make", "phrase"), [
    (encrypted_workbook, "the workbook is password-protected (encrypted); save a copy "
                         "without the password"),
    (damaged_workbook, "the workbook is damaged or incomplete"),
    (old_xls, "an old-format Excel file (.xls) named .xlsx"),
], ids=["password-protected", "damaged", "xls-named-xlsx"])
def test_a_workbook_that_cannot_be_opened_is_reported_and_the_rest_load(raw, run, make,
                                                                        phrase):
    (raw / "force_extract").mkdir()
    make(raw / "force_extract" / "offences.xlsx")
    head = (raw / "force_extract" / "offences.xlsx").read_bytes()[:4]
    assert head == (b"PK\x03\x04" if make is damaged_workbook else b"\xd0\xcf\x11\xe0")
    out = run()
    assert_not_used(out, "force_extract/offences.xlsx", "cannot be read as .xlsx: " + phrase)
    assert '<td class="failed">1</td>' in out.page  # counted with the files not used
    assert_good_delivery_intact(out)


def test_a_refresh_with_one_bad_file_among_good_ones_publishes_the_assessment(raw, tmp_path):
    write_csv(raw / "police_uk" / "2024-02" / "2024-02-test-street.csv", STREET_HEADER,
              [robbery(i) for i in range(4)])
    bad_rows = [robbery(i, "2024-03") for i in range(2)]
    bad_rows[0][9] = bad_rows[1][9] = "Knife crime"  # every row: the file fails whole
    bad = write_csv(raw / "police_uk" / "2024-03" / "2024-03-test-street.csv", STREET_HEADER,
                    bad_rows)
    before = sha256s(raw)
    config = Config.model_validate({
        "area": {"name": "Test area", "districts": [DISTRICT]},
        "paths": {"raw": str(raw), "processed": str(tmp_path / "processed"),
                  "reports": str(tmp_path / "reports")}})
    result = pipeline.refresh(config)
    assert result.status == "succeeded" and result.report.exists()
    assert result.validation["failed"] == 1
    assert sha256s(raw) == before
    page = html.unescape(result.validation_report.read_text(encoding="utf-8"))
    assert bad.relative_to(raw).as_posix() in page
    assert "line 3: <code>Knife crime</code>" in page
    monthly = {}
    with (result.exports_dir / "police_uk_monthly.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            monthly[row["month"]] = monthly.get(row["month"], 0) + int(row["incidents"])
    assert monthly == {"2024-01": 3, "2024-02": 4}  # 2024-03 failed: not a month of data
