"""A force's export in its own shape (here an XLSX workbook and a CSV) loads through a
mapping file alone: renamed columns, recoded values, reformatted dates, ages from dates of
birth, identifying columns never stored, identifiers pseudonymised."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from svna import datasets, ingest, validate, warehouse
from svna.datasets import DeclarationError
from svna.mappings import load_mappings
from svna.pseudonymise import KEY_VARIABLE, pseudonymiser

from conftest import write_csv

DECLARED = datasets.load_datasets()
KEY = "test-key-for-the-mapping-tests"

VICTIM_MAPPING = {
    "name": "test-system-victims", "dataset": "force_victims", "sheet": "Victims",
    "columns": {"crime_reference": "Occurrence Ref", "person_id": "Person URN",
                "sex": "Gender", "ethnicity": "Ethnicity", "repeat_victim": "Repeat?"},
    "codes": {"sex": {"Male": "M", "Female": "F"}, "ethnicity": {"White - British": "W1",
              "Black - African": "B2"}, "repeat_victim": {"Yes": "Y", "No": "N"}},
    "date_of_birth": {"column": "DOB", "format": "%d/%m/%Y", "age_at": "Offence Date",
                      "age_at_format": "%d/%m/%Y %H:%M"},
    "drop": ["Victim Name", "Home Address"],
}
VICTIM_HEADER = ["Occurrence Ref", "Person URN", "Victim Name", "Home Address", "DOB",
                 "Offence Date", "Gender", "Ethnicity", "Repeat?", "Officer notes"]
VICTIM_ROWS = [
    ["CR/1", "URN-1", "Ann Example", "1 Fake Street", "15/06/2008", "14/06/2024 22:10",
     "Female", "White - British", "No", "a note"],
    ["CR/2", "URN-2", "Bob Example", "2 Fake Street", "14/06/2007", "14/06/2024 23:00",
     "Male", "Black - African", "Yes", None],
    ["CR/2", "URN-1", "Ann Example", "1 Fake Street", "31/02/2008", "14/06/2024 23:00",
     "Female", "Not given", "No", None],
]


@pytest.fixture
def mapped(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    mapping_dir = tmp_path / "mappings"
    mapping_dir.mkdir()
    (mapping_dir / "victims.yml").write_text(yaml.safe_dump(VICTIM_MAPPING))
    raw = tmp_path / "raw"
    raw.mkdir()
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["This workbook holds the victims sheet"])
    sheet = book.create_sheet("Victims")
    sheet.append(VICTIM_HEADER)
    for row in VICTIM_ROWS:
        sheet.append(row)
    book.save(raw / "export.xlsx")
    con = warehouse.connect(tmp_path / "w.duckdb")
    mappings = load_mappings(DECLARED, mapping_dir)
    summary = ingest.ingest(con, raw, DECLARED, "r1", mappings)
    validate.run_validation(con, DECLARED, "r1")
    yield con, summary, raw, mappings
    con.close()


def victims(con):
    return con.execute("SELECT _line, crime_reference, person_id, age, sex, ethnicity, "
                       "repeat_victim FROM raw.force_victims ORDER BY _line").fetchall()


def test_a_workbook_sheet_loads_through_its_mapping(mapped):
    con, summary, _, _ = mapped
    assert summary.loaded == ["export.xlsx#Victims"]
    assert summary.unrecognised == ["export.xlsx#Summary"]
    pseudonym = pseudonymiser(KEY.encode())
    rows = victims(con)
    # age at the offence: born 15/06/2008, offence 14/06/2024 -> 15 (a day short of 16);
    # born 14/06/2007 -> 17 on the day; 31/02/2008 is no date -> no age
    assert rows == [
        (2, pseudonym("CR/1"), pseudonym("URN-1"), "15", "F", "W1", "N"),
        (3, pseudonym("CR/2"), pseudonym("URN-2"), "17", "M", "B2", "Y"),
        (4, pseudonym("CR/2"), pseudonym("URN-1"), None, "F", "Not given", "N"),
    ]
    entry = con.execute("SELECT mapping, message, validation FROM meta.files "
                        "WHERE path = 'export.xlsx#Victims'").fetchall()[0]
    assert entry[0] == "test-system-victims"
    assert "columns not read: Officer notes" in entry[1]
    # the unmapped code is kept, so validation reports it with its line for the data owner
    failed = con.execute("SELECT column_name, sample FROM meta.validation_results "
                         "WHERE NOT success AND file_id = (SELECT file_id FROM meta.files "
                         "WHERE path = 'export.xlsx#Victims')").fetchall()
    assert ("ethnicity", '[{"line": 4, "value": "Not given"}]') in failed
    assert entry[2] == "warning"


def test_nothing_identifying_reaches_the_warehouse(mapped, tmp_path):
    con, _, _, _ = mapped
    con.execute("CHECKPOINT")
    stored = (tmp_path / "w.duckdb").read_bytes()
    for secret in (b"Ann Example", b"Fake Street", b"URN-1", b"CR/2", b"15/06/2008"):
        assert secret not in stored


def test_a_changed_mapping_reads_the_export_again(mapped, tmp_path):
    con, _, raw, _ = mapped
    changed = dict(VICTIM_MAPPING, codes=dict(VICTIM_MAPPING["codes"],
                                              ethnicity={"White - British": "W1",
                                                         "Black - African": "B2",
                                                         "Not given": "NS"}))
    (tmp_path / "mappings" / "victims.yml").write_text(yaml.safe_dump(changed))
    mappings = load_mappings(DECLARED, tmp_path / "mappings")
    summary = ingest.ingest(con, raw, DECLARED, "r2", mappings)
    assert summary.loaded == ["export.xlsx#Victims"]
    validate.run_validation(con, DECLARED, "r2")
    ingest.activate(con, raw)
    active = con.execute("SELECT r.ethnicity FROM raw.force_victims r JOIN meta.files f "
                         "ON f.file_id = r._file_id AND f.active ORDER BY _line").fetchall()
    assert active == [("W1",), ("B2",), ("NS",)]


def test_a_mapped_csv_missing_a_mapped_column_fails_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "v.yml").write_text(yaml.safe_dump(VICTIM_MAPPING))
    header = [c for c in VICTIM_HEADER if c != "Gender"]
    write_csv(tmp_path / "raw" / "victims.csv", header, [["x"] * len(header)])
    con = warehouse.connect(tmp_path / "w.duckdb")
    ingest.ingest(con, tmp_path / "raw", DECLARED, "r1",
                  load_mappings(DECLARED, tmp_path / "m"))
    message = con.execute("SELECT message FROM meta.files").fetchall()[0][0]
    assert message == ("line 1 (header): missing column(s) Gender "
                       "(mapping test-system-victims)")


def test_canonical_parquet_loads_by_column_name(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    columns = next(d for d in DECLARED if d.name == "force_offences").columns
    data = {c: [None, None] for c in columns}
    data.update(crime_reference=["A1", "A2"], recorded_date=["2024-05-01", "2024-05-02"],
                offence_code=["8N", "34B"], knife_flag=["Y", "N"])
    raw = tmp_path / "raw"
    raw.mkdir()
    pq.write_table(pa.table({c: data[c] for c in reversed(columns)}), raw / "offences.parquet")
    con = warehouse.connect(tmp_path / "w.duckdb")
    summary = ingest.ingest(con, raw, DECLARED, "r1")
    assert summary.loaded == ["offences.parquet"]
    rows = con.execute("SELECT _line, offence_code, knife_flag FROM raw.force_offences "
                       "ORDER BY _line").fetchall()
    assert rows == [(2, "8N", "Y"), (3, "34B", "N")]


def test_a_corrupt_workbook_is_reported_and_not_loaded(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    con = warehouse.connect(tmp_path / "w.duckdb")
    summary = ingest.ingest(con, raw, DECLARED, "r1")
    assert summary.not_loaded == ["broken.xlsx"]
    message = con.execute("SELECT message FROM meta.files").fetchall()[0][0]
    assert message.startswith("cannot be read as .xlsx")


def test_mapping_files_are_checked_against_their_dataset(tmp_path):
    incomplete = dict(VICTIM_MAPPING, columns={"crime_reference": "Occurrence Ref"})
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(incomplete))
    with pytest.raises(DeclarationError, match=r"bad.yml: canonical column\(s\) not mapped: "
                                               r"\['person_id', 'sex', 'ethnicity'"):
        load_mappings(DECLARED, tmp_path)


def test_shipped_mappings_load():
    for mapping in load_mappings(DECLARED):
        assert set(mapping.columns) <= set(mapping.dataset.columns)


def test_dates_are_stored_as_iso_and_bad_ones_kept_for_validation(tmp_path):
    from svna.mappings import _reformat

    assert _reformat("14/06/2024 22:10", "%d/%m/%Y %H:%M") == "2024-06-14 22:10"
    assert _reformat("14/06/2024", "%d/%m/%Y") == "2024-06-14"
    assert _reformat("2024-13-45", "%d/%m/%Y") == "2024-13-45"
    assert datetime.strptime(_reformat("01/01/2025", "%d/%m/%Y"), "%Y-%m-%d")


def test_paths_of_sheets_keep_the_file_removed_check_working(mapped):
    con, _, raw, _ = mapped
    ingest.activate(con, raw)
    (raw / "export.xlsx").unlink()
    summary = ingest.ingest(con, raw, DECLARED, "r3")
    assert summary.removed == ["export.xlsx#Victims"]
