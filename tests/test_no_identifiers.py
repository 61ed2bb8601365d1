"""Nothing identifying reaches any output.

The whole refresh runs on the demo data, whose force extract carries crime references and
person ids (canonical CSVs) and, in the Athena-shaped workbooks, crime references, person URNs,
names, home addresses and dates of birth. Every one of those raw values is collected straight
from the generated inputs (the workbooks' columns found through the mapping files), and every
file the run writes (the processed folder, warehouse included, and the reports folder) is
searched for each of them; the warehouse is also opened and every VARCHAR value of every table
searched, since DuckDB may compress what it stores.

An identifier is found where it stands as a token of its own: not run on by a letter or digit
either side. Without that, 'P3001234' would be "found" at the start of a keyed pseudonym such
as 'P3001234ab…' (the pseudonyms are 'P' and 20 hex digits) by chance alone.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml

from svna import datasets, demo, ingest, mappings, pipeline, validate, warehouse
from svna.config import Config
from svna.validation_report import write_validation_report

from conftest import REPO, write_csv

DISTRICTS = [code for code, _ in demo.DEMO_DISTRICTS]
IDENTIFYING = ("crime_reference", "person_id")  # the canonical identifier columns
MAPPING_FILES = sorted((REPO / "config" / "mappings").glob("demo-athena-*.yml"))


# --- the scanner ------------------------------------------------------------------------------

def _trie_pattern(words: set[str]) -> str:
    """One regular expression matching any of the words, shaped as a trie so that the engine
    walks the shared prefixes once instead of trying every word at every position."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def pattern(node: dict) -> str:
        end = node.get("") is True
        branches = [re.escape(c) + pattern(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return pattern(trie)


class Scanner:
    def __init__(self, identifiers: set[str]):
        assert identifiers
        self.regex = re.compile(
            r"(?<![A-Za-z0-9])(?:" + _trie_pattern(identifiers) + r")(?![A-Za-z0-9])")

    def find(self, text: str) -> set[str]:
        return {m.group(0) for m in self.regex.finditer(text)}

    def find_in_file(self, path: Path) -> set[str]:
        # bytes as latin-1: one character per byte, so binary files scan too
        return self.find(path.read_bytes().decode("latin-1"))

    def find_in_duckdb(self, path: Path) -> dict[str, set[str]]:
        """Identifiers found per table.column among every VARCHAR value of the database."""
        found = {}
        con = duckdb.connect(str(path), read_only=True)
        try:
            columns = con.execute(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                "WHERE data_type = 'VARCHAR' ORDER BY ALL").fetchall()
            for schema, table, column in columns:
                values = con.execute(
                    f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" '
                    f'WHERE "{column}" IS NOT NULL').fetchall()
                hits = self.find("\n".join(v for (v,) in values))
                if hits:
                    found[f"{schema}.{table}.{column}"] = hits
            self.varchar_columns = len(columns)
        finally:
            con.close()
        return found


# --- the identifiers in the generated inputs ---------------------------------------------------

def canonical_identifiers(raw: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {c: set() for c in IDENTIFYING}
    for path in sorted((raw / "force_extract").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column in IDENTIFYING:
                    if row.get(column):
                        found[column].add(row[column].strip())
    return found


def workbook_identifiers(raw: Path) -> dict[str, set[str]]:
    """Every value of the columns the mappings read as crime_reference or person_id, of the
    columns they drop, and of the date of birth column, by column name."""
    columns: dict[str, set[str]] = {}  # sheet -> identifying source columns
    for path in MAPPING_FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        wanted = {spec["columns"][c] for c in IDENTIFYING if c in spec["columns"]}
        wanted |= set(spec.get("drop") or ())
        if spec.get("date_of_birth"):
            wanted.add(spec["date_of_birth"]["column"])
        columns.setdefault(spec["sheet"], set()).update(wanted)
    found: dict[str, set[str]] = {}
    for path in sorted(raw.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                rows = sheet.iter_rows(values_only=True)
                header = [str(h) if h is not None else "" for h in next(rows)]
                picks = [(i, h) for i, h in enumerate(header) if h in columns.get(sheet.title, ())]
                for row in rows:
                    for i, name in picks:
                        if row[i] is not None and str(row[i]).strip():
                            found.setdefault(name, set()).add(str(row[i]).strip())
        finally:
            book.close()
    return found


# --- the run -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("no-identifiers")
    info = demo.generate_demo_data(base / "raw", months=14)
    config = Config.model_validate({
        "area": {"name": demo.DEMO_AREA_NAME, "districts": DISTRICTS},
        "paths": {"raw": str(base / "raw"), "processed": str(base / "processed"),
                  "reports": str(base / "reports")},
    })
    result = pipeline.refresh(config)
    assert result.status == "succeeded"
    return base, config, info


@pytest.fixture(scope="module")
def identifiers(run) -> dict[str, set[str]]:
    base, _, _ = run
    found = {f"canonical {k}": v for k, v in canonical_identifiers(base / "raw").items()}
    found |= {f"workbook {k}": v for k, v in workbook_identifiers(base / "raw").items()}
    return found


@pytest.fixture(scope="module")
def scanner(identifiers) -> Scanner:
    return Scanner(set().union(*identifiers.values()))


@pytest.fixture(scope="module")
def outputs(run) -> list[Path]:
    _, config, _ = run
    return sorted(p for folder in (config.paths.processed, config.paths.reports)
                  for p in folder.rglob("*") if p.is_file())


def test_the_identifier_set_is_not_trivial(run, identifiers):
    _, _, info = run
    assert info["force_extract"]["canonical_months"] and info["force_extract"]["athena_months"]
    sizes = {k: len(v) for k, v in identifiers.items()}
    assert set(sizes) == {
        "canonical crime_reference", "canonical person_id",
        "workbook Occurrence Reference", "workbook Person URN", "workbook Date of Birth",
        "workbook Victim Name", "workbook Suspect Name", "workbook Home Address"}
    assert all(n >= 100 for k, n in sizes.items() if "Name" not in k), sizes
    assert all(n >= 20 for n in sizes.values()), sizes  # the fake names repeat
    assert sum(sizes.values()) >= 5000, sizes
    # what they look like, so that a change of the demo that empties them shows here
    assert all(re.fullmatch(r"RC/\d\d/\d{6}", r) for r in identifiers["canonical crime_reference"])
    assert all(re.fullmatch(r"URN-\d{6}", r) for r in identifiers["workbook Person URN"])
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in identifiers["workbook Date of Birth"])


def test_the_outputs_are_all_there(run, outputs):
    _, config, _ = run
    names = {p.relative_to(config.paths.processed).as_posix() for p in outputs
             if p.is_relative_to(config.paths.processed)}
    assert "warehouse.duckdb" in names
    assert {"exports/disproportionality.csv", "exports/repeat_people.csv",
            "exports/force_data_quality.csv"} <= names
    reports = {p.name for p in outputs if p.is_relative_to(config.paths.reports)}
    assert {"baseline.html", "index.html", "validation_results.json", "manifest.csv"} <= reports


def test_no_identifier_in_any_output_file(scanner, outputs):
    found = {p.name: sorted(scanner.find_in_file(p))[:5] for p in outputs}
    assert {k: v for k, v in found.items() if v} == {}


def test_no_identifier_in_any_text_of_the_warehouse(run, scanner):
    _, config, _ = run
    db = config.paths.processed / warehouse.WAREHOUSE_FILE
    assert scanner.find_in_duckdb(db) == {}
    assert scanner.varchar_columns > 100
    # the identifiers are there, as keyed pseudonyms
    con = duckdb.connect(str(db), read_only=True)
    try:
        (people, pseudonyms), = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE regexp_full_match(person_id, "
            "'P[0-9a-f]{20}')) FROM raw.force_victims").fetchall()
    finally:
        con.close()
    assert people > 1000 and pseudonyms == people


def test_the_scanner_finds_a_planted_identifier(run, identifiers, scanner, tmp_path):
    _, config, _ = run
    report = next(config.paths.reports.rglob("baseline.html"))
    for number, (kind, values) in enumerate(sorted(identifiers.items())):
        planted = sorted(values)[len(values) // 2]
        copy = tmp_path / f"{number}-{report.name}"
        shutil.copy(report, copy)
        text = copy.read_text(encoding="utf-8")
        copy.write_text(text.replace("</body>", f"<p>{planted}</p></body>", 1),
                        encoding="utf-8")
        assert scanner.find_in_file(copy) == {planted}, kind
    # in the warehouse too
    planted = sorted(identifiers["workbook Home Address"])[0]
    db = tmp_path / "planted.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE notes (id INTEGER, note VARCHAR)")
    con.execute("INSERT INTO notes VALUES (1, 'nothing'), (2, ?)", [f"seen at {planted}."])
    con.close()
    assert scanner.find_in_duckdb(db) == {"main.notes.note": {planted}}
    # a token of its own, not the start of a pseudonym
    person = sorted(identifiers["canonical person_id"])[0]
    assert scanner.find(f"{person}0a1b2c3d4e5f60718") == set()
    assert scanner.find(f"id: {person}.") == {person}


# --- identifiers in a file that cannot be read as delivered -------------------------------------

def _malformed_line(path: Path, header: list[str]) -> None:
    write_csv(path, header, [
        ["RC/25/000001", "P3000001", "30", "M", "W1", "N"],
        ["RC/25/000002", "P3000002", "31", "F", "W1", "N", "an extra field"],
    ])


def _no_header_row(path: Path, header: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("RC/25/000001,P3000001,30,M,W1,N\r\nRC/25/000002,P3000002,31,F,W1,N\r\n",
                    encoding="utf-8")


@pytest.mark.parametrize("write", [
    pytest.param(_malformed_line, id="malformed-line"),
    pytest.param(_no_header_row, id="no-header-row"),
])
def test_a_file_read_only_in_part_does_not_leak_its_identifiers(tmp_path, write):
    raw = tmp_path / "raw"
    declared = datasets.load_datasets()
    header = list(next(d for d in declared if d.name == "force_victims").columns)
    write(raw / "force_extract" / "victims_2025-01.csv", header)
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    ingest.ingest(con, raw, declared, "run-1", mappings.load_mappings(declared))
    validate.run_validation(con, declared, "run-1")
    ingest.activate(con, raw)
    write_validation_report(con, tmp_path / "reports", declared, "run-1", "now")
    con.close()
    scanner = Scanner({"RC/25/000001", "P3000001", "RC/25/000002", "P3000002"})
    found = scanner.find_in_duckdb(tmp_path / "warehouse.duckdb")
    found |= {p.name: scanner.find_in_file(p) for p in (tmp_path / "reports").rglob("*")
              if p.is_file() and scanner.find_in_file(p)}
    assert found == {}
