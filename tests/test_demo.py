"""The demo generator must imitate the published files exactly (so the pipeline is exercised on
the formats users drop in), stay deterministic, and never reuse a real code."""

import csv
import hashlib
import importlib.util
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from svna import datasets
from svna.demo import (
    DEMO_DISTRICTS,
    DEMO_INTERVENTION_START,
    FORCE_NAME,
    FORCE_SLUG,
    NEIGHBOUR_DISTRICTS,
    PARTNER_HEADERS,
    generate_demo_data,
)
from svna.ingest import recognise
from svna.mappings import load_mappings

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
MONTHS = 14
END_MONTH = "2025-12"
EXPECTED_MONTHS = [f"2024-{m:02d}" for m in (11, 12)] + [f"2025-{m:02d}" for m in range(1, 13)]
MISSING_STOP_SEARCH_MONTH = "2025-07"
SERIOUS_VIOLENCE = {"Violence and sexual offences", "Robbery", "Possession of weapons"}

# Generated file (relative to raw_dir) -> the real file it imitates.
IMITATIONS = {
    f"police_uk/2025-12/2025-12-{FORCE_SLUG}-street.csv":
        "police-uk/cambridgeshire/2024-01/2024-01-cambridgeshire-street.csv",
    f"police_uk/2025-12/2025-12-{FORCE_SLUG}-outcomes.csv":
        "police-uk/cambridgeshire/2024-01/2024-01-cambridgeshire-outcomes.csv",
    f"police_uk/2025-12/2025-12-{FORCE_SLUG}-stop-and-search.csv":
        "police-uk/cambridgeshire/2024-01/2024-01-cambridgeshire-stop-and-search.csv",
    "reference/lsoa21_to_lad23.csv": "geography/lsoa21_to_lad23.csv",
    "reference/lsoa11_to_lsoa21_to_lad.csv": "geography/lsoa11_to_lsoa21_to_lad.csv",
    "reference/lsoa_population.csv": "geography/lsoa_population.csv",
    "reference/imd2025_england_lsoa21.csv": "geography/imd2025_england_lsoa21.csv",
}


def _needs_realdata() -> None:
    if not REALDATA.is_dir():
        pytest.skip(f"../shared/realdata is absent: no real files to compare with ({REALDATA})")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _first_line(path: Path) -> bytes:
    """The header line as bytes, with BOM and line ending: the parts a reader trips over."""
    with path.open("rb") as handle:
        return handle.readline()


def _all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _kind_rows(raw: Path, kind: str) -> list[dict[str, str]]:
    return [row for path in sorted(raw.glob(f"police_uk/*/*-{kind}.csv")) for row in _rows(path)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    raw = tmp_path_factory.mktemp("demo")
    return raw, generate_demo_data(raw, months=MONTHS, end_month=END_MONTH)


@pytest.fixture(scope="module")
def street(demo) -> list[dict[str, str]]:
    return _kind_rows(demo[0], "street")


@pytest.fixture(scope="module")
def lookups(demo) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """LSOA 2021 -> its lookup row, and LSOA 2011 -> LSOA 2021, from the generated files."""
    raw = demo[0]
    lad = {row["LSOA21CD"]: row for row in _rows(raw / "reference/lsoa21_to_lad23.csv")}
    lsoa11 = {row["LSOA11CD"]: row["LSOA21CD"]
              for row in _rows(raw / "reference/lsoa11_to_lsoa21_to_lad.csv")}
    return lad, lsoa11


def test_same_seed_same_bytes_and_other_seed_other_bytes(demo, tmp_path):
    raw, _ = demo
    generate_demo_data(tmp_path / "again", months=MONTHS, end_month=END_MONTH)
    generate_demo_data(tmp_path / "other", seed=7, months=MONTHS, end_month=END_MONTH)
    first, again, other = (_all_files(p) for p in (raw, tmp_path / "again", tmp_path / "other"))
    assert sum(name.endswith(".xlsx") for name in first) == 12  # workbooks too, zip and all
    assert sum(name.startswith("partners/") for name in first) == 6 * MONTHS + 5 + 1
    assert first == again
    assert first.keys() == other.keys()
    assert first != other
    assert all(first[name] != other[name] for name in first if name.startswith("partners/"))


def test_summary_lists_what_was_written(demo):
    raw, summary = demo
    written = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    assert set(summary["files"]) == written
    assert len(summary["files"]) == len(written)
    assert summary["months"] == [EXPECTED_MONTHS[0], EXPECTED_MONTHS[-1]]
    assert summary["missing_stop_and_search_month"] == MISSING_STOP_SEARCH_MONTH
    assert summary["rows"]["street"] == len(_kind_rows(raw, "street"))


@pytest.mark.realdata
@pytest.mark.parametrize("generated, real", IMITATIONS.items())
def test_headers_equal_the_real_files_byte_for_byte(demo, generated, real):
    _needs_realdata()
    assert _first_line(demo[0] / generated) == _first_line(REALDATA / real)


@pytest.mark.realdata
def test_line_endings_match_the_real_files(demo):
    _needs_realdata()
    for generated, real in IMITATIONS.items():
        real_crlf = (REALDATA / real).read_bytes().count(b"\r\n") > 0
        content = (demo[0] / generated).read_bytes()
        assert (content.count(b"\r\n") == content.count(b"\n")) == real_crlf, generated
        assert content.count(b"\r\n") in (0, content.count(b"\n")), generated


@pytest.mark.realdata
def test_no_generated_code_is_a_real_code(demo, lookups):
    _needs_realdata()
    lad, lsoa11 = lookups
    generated = set(lad) | set(lsoa11) | {row["LSOA code"] for row in _kind_rows(demo[0], "street")}
    generated |= {row[key] for row in lad.values() for key in ("LAD23CD", "UTLA23CD")}
    generated.discard("")
    real = set()
    for row in _rows(REALDATA / "geography/lsoa21_to_lad23.csv"):
        real |= {row["LSOA21CD"], row["LAD23CD"], row["UTLA23CD"]}
    for row in _rows(REALDATA / "geography/lsoa11_to_lsoa21_to_lad.csv"):
        real |= {row["LSOA11CD"], row["LSOA21CD"], row["LAD22CD"]}
    assert generated.isdisjoint(real)


def test_codes_look_like_ons_codes(demo, lookups):
    lad, lsoa11 = lookups
    lsoa_codes = set(lad) | set(lsoa11) | set(lsoa11.values())
    lsoa_codes |= {row["LSOA code"] for row in _kind_rows(demo[0], "street") if row["LSOA code"]}
    # ONS codes are nine characters: a three-character entity type and six digits.
    assert all(re.fullmatch(r"E01\d{6}", code) for code in lsoa_codes)
    assert all(re.fullmatch(r"E0[67]\d{6}", row["LAD23CD"]) for row in lad.values())
    in_area = {(row["LAD23CD"], row["LAD23NM"]) for row in lad.values()} - set(NEIGHBOUR_DISTRICTS)
    assert in_area == set(DEMO_DISTRICTS)


def test_month_folders_and_the_one_missing_stop_and_search_file(demo):
    raw, _ = demo
    assert sorted(p.name for p in (raw / "police_uk").iterdir()) == EXPECTED_MONTHS
    for month in EXPECTED_MONTHS:
        names = {p.name for p in (raw / "police_uk" / month).iterdir()}
        expected = {f"{month}-{FORCE_SLUG}-{kind}.csv" for kind in ("street", "outcomes")}
        if month != MISSING_STOP_SEARCH_MONTH:
            expected.add(f"{month}-{FORCE_SLUG}-stop-and-search.csv")
        assert names == expected


def test_crime_ids_blank_for_asb_and_sha256_otherwise(street):
    asb = [row for row in street if row["Crime type"] == "Anti-social behaviour"]
    crimes = [row for row in street if row["Crime type"] != "Anti-social behaviour"]
    assert asb and all(row["Crime ID"] == "" and row["Last outcome category"] == "" for row in asb)
    assert all(re.fullmatch(r"[0-9a-f]{64}", row["Crime ID"]) for row in crimes)
    assert all(row["Last outcome category"] for row in crimes)
    duplicated = [n for n in Counter(row["Crime ID"] for row in crimes).values() if n > 1]
    assert 2 <= len(duplicated) <= 5


def test_street_rows_look_like_police_uk(street):
    assert {row["Reported by"] for row in street} == {FORCE_NAME}
    assert {row["Falls within"] for row in street} == {FORCE_NAME}
    assert {row["Context"] for row in street} == {""}
    located = [row for row in street if row["Longitude"]]
    assert all(re.fullmatch(r"-?\d+\.\d{6}", row[key]) for row in located
               for key in ("Longitude", "Latitude"))
    assert all(row["Location"].startswith("On or near ") for row in located)
    per_month = Counter(row["Month"] for row in street)
    assert sorted(per_month) == EXPECTED_MONTHS
    assert all(2000 <= n <= 3000 for n in per_month.values())
    violence = sum(row["Crime type"] == "Violence and sexual offences" for row in street)
    assert 0.30 < violence / len(street) < 0.40
    assert len({row["Crime type"] for row in street}) == 14


def test_some_rows_have_no_location(street):
    unlocated = [row for row in street if row["Location"] == "No Location"]
    assert 0.01 < len(unlocated) / len(street) < 0.06
    assert all(row["Longitude"] == row["Latitude"] == row["LSOA code"] == row["LSOA name"] == ""
               for row in unlocated)


def test_some_rows_fall_outside_the_area_or_any_lookup(street, lookups):
    lad, lsoa11 = lookups
    neighbours = {code for code, _ in NEIGHBOUR_DISTRICTS}
    districts = Counter()
    for row in street:
        if row["LSOA code"]:
            lsoa21 = lsoa11.get(row["LSOA code"], row["LSOA code"])
            districts[lad[lsoa21]["LAD23CD"] if lsoa21 in lad else "unplaceable"] += 1
    outside = sum(districts[code] for code in neighbours)
    assert 0.003 < outside / len(street) < 0.03
    assert 1 <= districts["unplaceable"] / MONTHS <= 30


def test_lsoa_names_with_commas_are_quoted_and_parse_back(demo):
    path = demo[0] / f"police_uk/2025-12/2025-12-{FORCE_SLUG}-street.csv"
    text = path.read_text(encoding="utf-8")
    assert '"Avon, Brook and Vale ' in text
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    assert {len(record) for record in records} == {12}
    assert any(re.fullmatch(r"Avon, Brook and Vale \d{3}[A-Z]", r[8]) for r in records)


def test_early_months_use_2011_codes_and_later_months_2021_codes(street, lookups):
    lad, lsoa11 = lookups
    prefixes = {month: Counter() for month in EXPECTED_MONTHS}
    for row in street:
        if row["LSOA code"]:
            prefixes[row["Month"]][row["LSOA code"][:5]] += 1
    for month in EXPECTED_MONTHS[:12]:
        assert prefixes[month]["E0180"] > 1000 and prefixes[month]["E0190"] == 0
    for month in EXPECTED_MONTHS[12:]:
        assert prefixes[month]["E0190"] > 1000 and prefixes[month]["E0180"] == 0
    assert set(lsoa11.values()) < set(lad), "some 2021 codes are absent from the 2011 lookup"
    assert len(set(lsoa11.values())) < len(lsoa11), "a merge maps two 2011 codes to one"


def test_outcomes_follow_crimes_of_this_and_earlier_months(demo, street):
    outcomes = _kind_rows(demo[0], "outcomes")
    crimes = {row["Crime ID"]: row for row in street if row["Crime ID"]}
    known = [row for row in outcomes if row["Crime ID"] in crimes]
    assert len(known) > 0.9 * len(outcomes)
    assert any(crimes[row["Crime ID"]]["Month"] < row["Month"] for row in known)
    assert all(crimes[row["Crime ID"]]["Month"] <= row["Month"] for row in known)
    assert all(crimes[row["Crime ID"]]["LSOA code"] == row["LSOA code"] for row in known)
    assert "Suspect charged" in {row["Outcome type"] for row in outcomes}


def test_stop_and_search_is_placeable_and_mixed(demo, street):
    searches = _kind_rows(demo[0], "stop-and-search")
    assert all(100 <= n <= 220 for n in Counter(r["Date"][:7] for r in searches).values())
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", r["Date"])
               for r in searches)
    points = {(row["Latitude"], row["Longitude"]) for row in street if row["Latitude"]}
    located = [(r["Latitude"], r["Longitude"]) for r in searches if r["Latitude"]]
    assert 0.02 < 1 - len(located) / len(searches) < 0.10
    assert sum(point in points for point in located) > 0.98 * len(located)
    assert {r["Outcome linked to object of search"] for r in searches} == {"True", "False", ""}
    assert {"White", "Black", "Asian", "Other", ""} == {
        r["Officer-defined ethnicity"] for r in searches}
    assert {"Male", "Female", ""} == {r["Gender"] for r in searches}


def test_deprived_lsoas_have_more_serious_violence(demo, street, lookups):
    lad, lsoa11 = lookups
    raw = demo[0]
    decile = {row["lsoa21_code"]: float(row["IMD_decile"])
              for row in _rows(raw / "reference/imd2025_england_lsoa21.csv")}
    people = {row["lsoacd"]: int(row["population"])
              for row in _rows(raw / "reference/lsoa_population.csv")}
    assert all(1000 <= n <= 3000 for n in people.values())
    in_area = {code for code, row in lad.items() if (row["LAD23CD"], row["LAD23NM"])
               in set(DEMO_DISTRICTS)}
    assert {decile[code] for code in in_area} == {float(d) for d in range(1, 11)}
    violence, residents = Counter(), Counter()
    for code in in_area:
        residents[decile[code] <= 3] += people[code]
    for row in street:
        lsoa21 = lsoa11.get(row["LSOA code"], row["LSOA code"])
        if row["Crime type"] in SERIOUS_VIOLENCE and lsoa21 in in_area:
            violence[decile[lsoa21] <= 3] += 1
    assert violence[True] / residents[True] > 2 * violence[False] / residents[False]


def test_violence_rises_over_the_last_twelve_months(force_demo):
    totals = Counter()
    for row in _kind_rows(force_demo[0], "street"):  # the last 24 of its 26 months
        if row["Crime type"] in SERIOUS_VIOLENCE and row["Month"] >= "2024-01":
            totals["last" if row["Month"] >= "2025-01" else "previous"] += 1
    assert 1.03 < totals["last"] / totals["previous"] < 1.15


@pytest.mark.parametrize("arguments", [{"months": 0}, {"end_month": "2025-13"},
                                       {"end_month": "December 2025"}])
def test_bad_arguments_are_refused(tmp_path, arguments):
    with pytest.raises(ValueError):
        generate_demo_data(tmp_path, **arguments)


# --- The force's own crime extract (canonical CSVs, then Athena workbooks) and the census ---

REPO = Path(__file__).resolve().parents[1]
STAGING = REPO / "sql" / "staging"
SEEDS = REPO / "sql" / "seeds"
# demo.py as it was before the force extract and census files were added (the last commit
# that changed it then): its police.uk and reference files must come out byte for byte.
DEMO_BEFORE_FORCE_EXTRACT = "363afa6da57495f78f8d0a577069d7c7272830da"
FORCE_MONTHS = 26  # 14 canonical months, then 12 from Athena
CANONICAL = ("offences", "victims", "suspects")
ATHENA_SHEETS = ["Offences", "Victims", "Suspects"]
IDENTIFYING = {"Victims": {"Victim Name", "Home Address"},
               "Suspects": {"Suspect Name", "Home Address"}}
ETHNICITY_CODES = {"W1", "W2", "W3", "W9", "M1", "M2", "M3", "M9", "A1", "A2", "A3", "A4", "A9",
                   "B1", "B2", "B9", "O2", "O9", "NS"}
VIOLENCE = {"1", "2", "3A", "3B", "4.1", "5D", "5E", "8N", "8P", "105A", "105B", "8M"}
SERIOUS = VIOLENCE | {"19C", "19D", "20A", "17A", "34A", "34B", "10A", "10C", "10D", "81"}
WITH_INJURY_OR_ROBBERY = {"1", "2", "4.1", "5D", "5E", "8N", "8P", "34A", "34B"}


def _declared(name: str) -> list[str]:
    spec = yaml.safe_load((STAGING / f"{name}.yml").read_text(encoding="utf-8"))
    return [c["name"] if isinstance(c, dict) else c for c in spec["columns"]]


def _seed_codes(name: str) -> set[str]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle)}


def _canonical(raw: Path, table: str) -> list[dict[str, str]]:
    """All rows of one canonical table, each with the month of its file."""
    return [dict(row, month=path.stem[-7:])
            for path in sorted((raw / "force_extract").glob(f"{table}_*.csv"))
            for row in _rows(path)]


def _sheets(path: Path, header_only: bool = False) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(
            max_row=1 if header_only else None, values_only=True)] for sheet in book.worksheets}
    finally:
        book.close()


@pytest.fixture(scope="module")
def force_demo(tmp_path_factory) -> tuple[Path, dict]:
    raw = tmp_path_factory.mktemp("force")
    return raw, generate_demo_data(raw, months=FORCE_MONTHS, end_month=END_MONTH)


@pytest.fixture(scope="module")
def force_tables(force_demo) -> dict[str, list[dict[str, str]]]:
    return {table: _canonical(force_demo[0], table) for table in CANONICAL}


def test_force_extract_files_per_month(demo):
    raw, summary = demo
    canonical, athena = EXPECTED_MONTHS[:2], EXPECTED_MONTHS[2:]
    assert summary["force_extract"] == {"canonical_months": canonical, "athena_months": athena}
    assert sorted(p.name for p in (raw / "force_extract").glob("*.csv")) == sorted(
        f"{table}_{month}.csv" for table in CANONICAL for month in canonical)
    assert sorted(p.name for p in (raw / "force_extract" / "athena").iterdir()) == [
        f"athena_export_{month}.xlsx" for month in athena]


def test_canonical_headers_are_the_declared_columns(demo):
    for table in CANONICAL:
        expected = (",".join(_declared(f"force_{table}")) + "\n").encode()
        for path in sorted((demo[0] / "force_extract").glob(f"{table}_*.csv")):
            assert _first_line(path) == expected, path.name  # no BOM, \n line endings
            assert b"\r" not in path.read_bytes()


def test_every_canonical_file_parses_into_canonical_values(demo):
    raw = demo[0]
    offence_codes, outcome_codes = (_seed_codes("ho_offence_codes.csv"),
                                    _seed_codes("ho_outcome_codes.csv"))
    references = {}
    for path in sorted((raw / "force_extract").glob("offences_*.csv")):
        month = path.stem[-7:]
        for row in _rows(path):
            assert row["recorded_date"][:7] == month
            recorded = date.fromisoformat(row["recorded_date"])
            start = datetime.strptime(row["committed_from"], "%Y-%m-%d %H:%M")
            assert start.date() <= recorded
            if row["committed_to"]:
                assert datetime.strptime(row["committed_to"], "%Y-%m-%d %H:%M") > start
            assert row["offence_code"] in offence_codes
            assert row["outcome_code"] in outcome_codes
            assert (row["outcome_code"] == "0") == (row["outcome_date"] == "")
            if row["outcome_date"]:
                assert date.fromisoformat(row["outcome_date"]) > recorded
            assert {row[k] for k in ("knife_flag", "firearm_flag", "domestic_abuse_flag")} \
                <= {"Y", "N"}
            if row["lsoa_code"]:
                assert re.fullmatch(r"E01\d{6}", row["lsoa_code"]) and not row["longitude"]
            else:  # an offence without an LSOA has its coordinates instead
                assert re.fullmatch(r"-1\.\d{6}", row["longitude"])
                assert re.fullmatch(r"51\.\d{6}", row["latitude"])
            assert row["crime_reference"] not in references
            references[row["crime_reference"]] = month
    for table in ("victims", "suspects"):
        for path in sorted((raw / "force_extract").glob(f"{table}_*.csv")):
            for row in _rows(path):
                assert references[row["crime_reference"]] == path.stem[-7:]
                assert re.fullmatch(r"P\d{7}", row["person_id"])
                assert row["age"] == "" or 0 <= int(row["age"]) <= 110
                assert row["sex"] in {"M", "F", "U"}
                assert row["ethnicity"] in ETHNICITY_CODES | {""}
                if table == "victims":
                    assert row["repeat_victim"] in {"Y", "N"}
                else:
                    assert row["outcome_code"] in outcome_codes | {""}


def test_mappings_cover_every_canonical_column():
    mappings = {m.dataset.name: m for m in load_mappings(datasets.load_datasets())
                if m.name.startswith("demo-athena-")}
    assert sorted(mappings) == ["force_offences", "force_suspects", "force_victims"]
    for name, mapping in mappings.items():
        derived = {"age"} if mapping.date_of_birth else set()
        assert set(mapping.columns) | derived == set(_declared(name))
        assert not set(mapping.columns) & derived
    assert mappings["force_victims"].date_of_birth["column"] == "Date of Birth"


def test_athena_workbooks_hold_every_mapped_and_identifying_column(demo):
    mappings = {m.sheet: m for m in load_mappings(datasets.load_datasets())
                if m.name.startswith("demo-athena-")}
    assert sorted(mappings) == sorted(ATHENA_SHEETS)
    books = sorted((demo[0] / "force_extract" / "athena").glob("*.xlsx"))
    assert len(books) == 12
    for book in books:
        sheets = _sheets(book, header_only=True)
        assert list(sheets) == ATHENA_SHEETS, book.name
        for name, rows in sheets.items():
            header = set(rows[0])
            mapping = mappings[name]
            assert set(mapping.source_columns) <= header, (book.name, name)
            assert set(mapping.drop) == IDENTIFYING.get(name, set())
            assert IDENTIFYING.get(name, set()) <= header
            assert not header & set(_declared(mapping.dataset.name)), "a system's own names"


def test_athena_rows_map_onto_canonical_values(demo):
    """Through the mapping files with svna's own mapping code: every code recoded, every date
    reformatted, every age derived; names and addresses are plainly fake."""
    mappings = {m.sheet: m for m in load_mappings(datasets.load_datasets())
                if m.name.startswith("demo-athena-")}
    offence_codes, outcome_codes = (_seed_codes("ho_offence_codes.csv"),
                                    _seed_codes("ho_outcome_codes.csv"))
    day = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    athena = demo[0] / "force_extract" / "athena"
    for month in ("2025-01", "2025-12"):
        sheets = _sheets(athena / f"athena_export_{month}.xlsx")
        mapped = {}
        for name, rows in sheets.items():
            header, body = rows[0], rows[1:]
            records = [dict(zip(header, row, strict=True)) for row in body]
            columns = _declared(mappings[name].dataset.name)
            mapped[name] = [dict(zip(columns, values, strict=True))
                            for values in mappings[name].apply(records, date(2026, 1, 1))]
            for record in records:
                for column in IDENTIFYING.get(name, ()):
                    assert re.search(r"Fake|Notreal|Madeup|Placeholder|Synthetic|Testcase|"
                                     r"Dummy|Fictional|ZZ99", record[column])
        offences = mapped["Offences"]
        assert len(offences) > 900
        assert {o["offence_code"] for o in offences} <= offence_codes
        assert "8N" in {o["offence_code"] for o in offences}
        assert {o["outcome_code"] for o in offences} <= outcome_codes
        assert {o[k] for o in offences for k in ("knife_flag", "firearm_flag",
                                                 "domestic_abuse_flag")} == {"Y", "N"}
        for o in offences:
            assert re.fullmatch(day, o["recorded_date"]) and o["recorded_date"][:7] == month
            assert re.fullmatch(day + r" \d\d:\d\d", o["committed_from"])
            assert o["committed_to"] is None or re.fullmatch(day + r" \d\d:\d\d",
                                                             o["committed_to"])
            assert o["outcome_date"] is None or re.fullmatch(day, o["outcome_date"])
        for name in ("Victims", "Suspects"):
            people = mapped[name]
            assert all(re.fullmatch(r"URN-\d{6}", p["person_id"]) for p in people)
            assert {p["sex"] for p in people} <= {"M", "F", "U"}
            assert {p["ethnicity"] for p in people} <= ETHNICITY_CODES | {None}
            ages = [int(p["age"]) for p in people if p["age"] is not None]
            assert len(ages) > 0.95 * len(people) and 0 <= min(ages) and max(ages) <= 110
        assert {v["repeat_victim"] for v in mapped["Victims"]} == {"Y", "N"}
        assert {s["outcome_code"] for s in mapped["Suspects"]} <= outcome_codes | {None}
    # the latest month's crimes are mostly still open; a year earlier most have an outcome
    assert sum(o["outcome_code"] == "0" for o in offences) > 0.5 * len(offences)


def test_census_files_match_declarations_and_district_populations(demo):
    reference = demo[0] / "reference"
    lad = {row["LSOA21CD"]: row["LAD23CD"] for row in _rows(reference / "lsoa21_to_lad23.csv")}
    population = Counter()
    for row in _rows(reference / "lsoa_population.csv"):
        population[lad[row["lsoacd"]]] += int(row["population"])
    districts = {code: name for code, name in DEMO_DISTRICTS + NEIGHBOUR_DISTRICTS}
    white_british = {}
    for name, codes in (("ref_census_ethnicity", [-8, *range(1, 20)]),
                        ("ref_census_age", list(range(101)))):
        path = reference / f"census2021_ts{'021_ethnicity' if 'eth' in name else '007_age'}.csv"
        assert _first_line(path) == (",".join(_declared(name)) + "\n").encode()
        rows = _rows(path)
        code, label = _declared(name)[2], _declared(name)[3]
        totals = Counter()
        for row in rows:
            assert districts[row["Lower tier local authorities Code"]] == \
                row["Lower tier local authorities"]
            totals[row["Lower tier local authorities Code"]] += int(row["Observation"])
        # Exactly the population file's totals: the demo apportions each district's residents
        # by largest remainder (the real ONS tables differ by a few from cell-key perturbation).
        assert totals == {code_: population[code_] for code_ in districts}
        for district in districts:
            own = [row for row in rows if row["Lower tier local authorities Code"] == district]
            assert [int(row[code]) for row in own] == codes
        labels = {int(row[code]): row[label] for row in rows}
        if name == "ref_census_age":
            assert (labels[0], labels[1], labels[2], labels[100]) == (
                "Aged under 1 year", "Aged 1 year", "Aged 2 years", "Aged 100 years and over")
        else:
            assert (labels[-8], labels[1], labels[13], labels[18]) == (
                "Does not apply", "Asian, Asian British or Asian Welsh: Bangladeshi",
                "White: English, Welsh, Scottish, Northern Irish or British",
                "Other ethnic group: Arab")
            assert {int(r["Observation"]) for r in rows if r[code] == "-8"} == {0}
            for row in rows:
                if row[code] == "13":
                    white_british[row["Lower tier local authorities"]] = \
                        int(row["Observation"]) / population[row[
                            "Lower tier local authorities Code"]]
    assert white_british["Riverford"] < 0.8 < min(
        share for district, share in white_british.items() if district != "Riverford")


def test_repeat_victims_recur_within_twelve_months(force_tables):
    """Y exactly when the person was a victim in the 12 months before (checked from the 13th
    month on, when the files hold a whole year before)."""
    months = sorted({row["month"] for row in force_tables["offences"]})
    index = {month: i for i, month in enumerate(months)}
    seen = defaultdict(list)
    victims = force_tables["victims"]
    for row in victims:
        seen[row["person_id"]].append(index[row["month"]])
    checked = 0
    for row in victims:
        now = index[row["month"]]
        if now < 12:
            continue
        before = [m for m in seen[row["person_id"]] if now - 12 <= m < now]
        if row["repeat_victim"] == "Y" and not before:
            # a second victimisation within the same month
            assert seen[row["person_id"]].count(now) > 1
        elif row["repeat_victim"] == "N":
            assert not before
        checked += 1
    assert checked > 2000
    share = sum(row["repeat_victim"] == "Y" for row in victims) / len(victims)
    assert 0.10 < share < 0.20


def test_some_people_are_both_victims_and_suspects(force_tables):
    victims = {row["person_id"] for row in force_tables["victims"]}
    suspects = {row["person_id"] for row in force_tables["suspects"]}
    assert 100 < len(victims & suspects) < 0.1 * len(suspects)


def test_outcomes_include_diversion_and_suspects_own_outcomes(force_tables, demo):
    offences = force_tables["offences"]
    outcome = Counter(row["outcome_code"] for row in offences)
    assert 0.015 < outcome["22"] / len(offences) < 0.05
    assert {"0", "1", "3", "8", "14", "15", "16", "18", "22"} <= set(outcome)
    # diversion is more common where a suspect is a child
    young = {row["crime_reference"] for row in force_tables["suspects"]
             if row["age"] and int(row["age"]) < 18}
    youth_share = sum(row["outcome_code"] == "22" for row in offences
                      if row["crime_reference"] in young) / len(young)
    assert youth_share > 2 * outcome["22"] / len(offences)
    own = Counter(row["outcome_code"] for row in force_tables["suspects"])
    assert own[""] > 0.9 * sum(own.values()) and own["15"] + own["16"] > 0
    assert "22" in {row["outcome_code"] for row in _canonical(demo[0], "offences")}


def test_force_extract_looks_like_a_force_of_this_size(force_tables):
    offences, victims, suspects = (force_tables[t] for t in CANONICAL)
    per_month = Counter(row["month"] for row in offences if row["offence_code"] in SERIOUS)
    assert all(750 <= n <= 1250 for n in per_month.values())
    codes = Counter(row["offence_code"] for row in offences)
    assert codes["8N"] > codes["5D"] > codes["2"] and codes["1"] < 2 * len(per_month)
    injury = [row for row in offences if row["offence_code"] in WITH_INJURY_OR_ROBBERY]
    assert 0.03 < sum(row["knife_flag"] == "Y" for row in injury) / len(injury) < 0.10
    blades = [row for row in offences if row["offence_code"] == "10D"]
    assert sum(row["knife_flag"] == "Y" for row in blades) > 0.8 * len(blades)
    violence = [row for row in offences if row["offence_code"] in VIOLENCE]
    domestic = sum(row["domestic_abuse_flag"] == "Y" for row in violence) / len(violence)
    assert 0.25 < domestic < 0.40
    assert 0.01 < sum(row["lsoa_code"] == "" for row in offences) / len(offences) < 0.03
    hours = Counter(int(row["committed_from"][11:13]) for row in offences)
    assert hours[22] > 3 * hours[6]
    violent = {row["crime_reference"] for row in violence}
    assert 1.05 < sum(row["crime_reference"] in violent for row in victims) / len(violent) < 1.2
    victim_ages = [int(row["age"]) for row in victims if row["age"]]
    suspect_ages = [int(row["age"]) for row in suspects if row["age"]]
    assert 0.18 < sum(age < 25 for age in victim_ages) / len(victim_ages) < 0.35
    assert any(10 <= age <= 17 for age in victim_ages)
    assert sum(suspect_ages) / len(suspect_ages) < sum(victim_ages) / len(victim_ages)
    assert 0.45 < len({row["crime_reference"] for row in suspects}) / len(offences) < 0.65
    males = [sum(row["sex"] == "M" for row in rows) / len(rows) for rows in (victims, suspects)]
    assert males[1] > males[0] + 0.2


def test_ethnicity_recording_improves_and_suspects_are_disproportionate(force_tables):
    victims, suspects = force_tables["victims"], force_tables["suspects"]
    months = sorted({row["month"] for row in victims})
    blank = {m: 0 for m in months}
    count = Counter(row["month"] for row in victims)
    for row in victims:
        blank[row["month"]] += row["ethnicity"] == ""
    early, late = (sum(blank[m] for m in part) / sum(count[m] for m in part)
                   for part in (months[:3], months[-3:]))
    assert 0.03 < early and late < early - 0.01
    shares = [Counter(row["ethnicity"] for row in rows) for rows in (victims, suspects)]
    assert 0.06 < shares[0]["NS"] / len(victims) < 0.10
    black = [sum(share[c] for c in ("B1", "B2", "B9")) / total
             for share, total in zip(shares, (len(victims), len(suspects)), strict=True)]
    assert black[1] > 1.5 * black[0]


def test_lsoa_codes_switch_from_2011_to_2021_after_twelve_months(force_tables):
    prefixes = defaultdict(Counter)
    for row in force_tables["offences"]:
        if row["lsoa_code"]:
            prefixes[row["month"]][row["lsoa_code"][:5]] += 1
    months = sorted(prefixes)
    assert all(prefixes[m]["E0180"] > 1000 and not prefixes[m]["E0190"] for m in months[:12])
    assert all(prefixes[m]["E0190"] > 1000 and not prefixes[m]["E0180"] for m in months[12:])


def _not_touched_by_the_intervention(files: dict[str, str]) -> dict[str, str]:
    """All but the street and outcome files from the demo intervention's start, which lose
    its prevented records (tests/test_evaluation.py checks they lose nothing else)."""
    return {name: digest for name, digest in files.items()
            if not (name.startswith("police_uk/") and name.split("/")[1] >= DEMO_INTERVENTION_START
                    and name.endswith(("-street.csv", "-outcomes.csv")))}


def _files_of_the_generator_at(commit: str, tmp_path: Path, monkeypatch) -> dict[str, str]:
    """sha256 of every file demo.py as of `commit` writes with the demo fixture's arguments."""
    try:
        source = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:flows/svna/demo.py"],
            capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git history here to take the earlier generator from")
    module_name = f"demo_at_{commit[:12]}"
    module_path = tmp_path / f"{module_name}.py"
    module_path.write_bytes(source)
    spec = importlib.util.spec_from_file_location(module_name, module_path)
    before = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, before)  # its dataclasses look themselves up
    spec.loader.exec_module(before)
    before.generate_demo_data(tmp_path / module_name, months=MONTHS, end_month=END_MONTH)
    return {name: hashlib.sha256(data).hexdigest()
            for name, data in _all_files(tmp_path / module_name).items()}


def test_police_uk_and_reference_files_are_as_before_the_force_extract(demo, tmp_path,
                                                                        monkeypatch):
    """The force extract and census draw from streams of their own: everything the generator
    wrote before they were added comes out byte for byte as before."""
    old = _not_touched_by_the_intervention(
        _files_of_the_generator_at(DEMO_BEFORE_FORCE_EXTRACT, tmp_path, monkeypatch))
    new = _not_touched_by_the_intervention(
        {name: hashlib.sha256(data).hexdigest() for name, data in _all_files(demo[0]).items()})
    assert len(old) > 20
    assert {name: new.get(name) for name in old} == old
    assert {name for name in new if name not in old} == {
        name for name in new if name.startswith(("force_extract/", "reference/census2021_",
                                                 "partners/", "reference/lsoa21_boundaries"))}


# --- The partners' data (A&E, hospital, ambulance, youth justice, schools, social care,
# probation, aggregates) ---------------------------------------------------------------------

# demo.py as it was before the partners' data was added: everything it wrote must come out
# byte for byte.
DEMO_BEFORE_PARTNERS = "e37950bd20c8d8d6792e59e25ddeaa54cbf7ee81"
PARTNER_COLUMNS = {name: list(columns) for name, columns in PARTNER_HEADERS.items()}
MONTHLY_PARTNERS = ["ae_assaults", "hospital_admissions", "ambulance_callouts", "youth_justice",
                    "school_exclusions", "social_care_assessments"]
QUARTER_ENDS = [m for m in EXPECTED_MONTHS if int(m[5:]) % 3 == 0]
HES_MONTHS = EXPECTED_MONTHS[-12:]
HES_IDENTIFYING = {"NHS Number", "Patient Name", "Postcode"}
DAY = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
OFFENCE_TYPES = {"violence against the person", "sexual offences", "robbery",
                 "possession of weapons", "drugs", "theft", "burglary",
                 "criminal damage and arson", "public order", "motoring", "other"}
DISPOSALS = {"youth caution", "youth conditional caution", "outcome 22", "referral order",
             "youth rehabilitation order", "fine", "discharge", "custody", "other"}
EXCLUSION_REASONS = {
    "physical assault against a pupil", "physical assault against an adult",
    "verbal abuse or threatening behaviour against a pupil",
    "verbal abuse or threatening behaviour against an adult",
    "use or threat of use of an offensive weapon or prohibited item", "bullying", "racist abuse",
    "abuse against sexual orientation and gender identity", "abuse relating to disability",
    "sexual misconduct", "drug and alcohol related", "damage", "theft",
    "inappropriate use of social media or online technology", "persistent disruptive behaviour",
    "other"}
ASSAULT_OR_WEAPON = {"physical assault against a pupil", "physical assault against an adult",
                     "use or threat of use of an offensive weapon or prohibited item"}
POLICE_VWI = {"1", "2", "4.1", "5D", "5E", "8N", "8P"}


def _partner(raw: Path, name: str, months: list[str] | None = None) -> list[dict[str, str]]:
    """All rows of one partner dataset (files of the months given, else all), each with the
    month of its file."""
    return [dict(row, file_month=path.stem[-7:])
            for path in sorted((raw / "partners" / name).glob("*.csv"))
            if months is None or path.stem[-7:] in months for row in _rows(path)]


def _hospital_mapping():
    return next(m for m in load_mappings(datasets.load_datasets())
                if m.name == "demo-hospital-admissions")


def test_partner_files_per_month_with_the_canonical_headers(demo):
    raw, summary = demo
    for name in MONTHLY_PARTNERS:
        assert sorted(p.name for p in (raw / "partners" / name).iterdir()) == [
            f"{name}_{month}.csv" for month in EXPECTED_MONTHS]
    assert sorted(p.name for p in (raw / "partners" / "probation_caseload").iterdir()) == [
        f"probation_caseload_{month}.csv" for month in QUARTER_ENDS]
    assert [p.name for p in (raw / "partners" / "aggregates").iterdir()] == [
        "partner_aggregates.csv"]
    for name, columns in PARTNER_COLUMNS.items():
        assert _declared(name) == columns, name  # the declaration, read independently
        for path in sorted((raw / "partners").rglob(f"{name}*.csv")):
            if name == "hospital_admissions" and path.stem[-7:] in HES_MONTHS:
                continue
            assert _first_line(path) == (",".join(columns) + "\n").encode(), path.name
            assert b"\r" not in path.read_bytes()
    assert summary["partners"]["hospital_admissions"] == {
        "canonical_months": EXPECTED_MONTHS[:2], "hes_months": HES_MONTHS}
    assert summary["partners"]["probation_snapshots"] == QUARTER_ENDS
    assert summary["partners"]["files"] == {
        **{name: MONTHS for name in MONTHLY_PARTNERS}, "probation_caseload": len(QUARTER_ENDS),
        "partner_aggregates": 1}
    assert summary["partners"]["rows"] == {
        name: len(_partner(raw, "aggregates" if name == "partner_aggregates" else name))
        for name in PARTNER_COLUMNS}


def test_partner_rows_hold_canonical_values(demo):
    raw, _ = demo
    lsoa = r"E01\d{6}"
    sexes, flags = {"M", "F", "U"}, {"Y", "N"}
    people = ("hospital_admissions", "youth_justice", "school_exclusions",
              "social_care_assessments")
    for name in people:
        for row in _partner(raw, name, EXPECTED_MONTHS[:2] if name == "hospital_admissions"
                            else None):
            assert row["sex"] in sexes and row["ethnicity"] in ETHNICITY_CODES | {""}, name
            assert re.fullmatch(r"\d{1,3}", row["age"]) and re.fullmatch(lsoa, row["lsoa_code"])
    for row in _partner(raw, "ae_assaults"):
        month = row["file_month"]
        assert row["site_code"] == "ZZ901" and re.fullmatch(r"[A-Z0-9]+", row["attendance_id"])
        assert (row["reporting_period_start"], row["reporting_period_end"][:7]) == (
            f"{month}-01", month)
        assert row["arrival_date"][:7] == month and re.fullmatch(DAY, row["assault_date"])
        assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", row["arrival_time"])
        assert row["assault_time"] == "" or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d",
                                                         row["assault_time"])
        if row["assault_time"]:
            assert (row["assault_date"], row["assault_time"]) < (row["arrival_date"],
                                                                 row["arrival_time"])
        assert row["assault_method"] in {"body part", "blunt object", "knife or sharp object",
                                         "firearm", "other"}
        assert bool(row["assault_method_other"]) == (row["assault_method"] == "other")
        assert row["location_type"] in {"street", "licensed premises", "home", "school",
                                        "other"}
        assert row["location_lsoa_code"] == "" or re.fullmatch(lsoa, row["location_lsoa_code"])
        assert row["age_band"] in {"0-9", "10-17", "18-24", "25-34", "35-44", "45-54", "55-64",
                                   "65+"} and row["sex"] in sexes
    for row in _partner(raw, "hospital_admissions", EXPECTED_MONTHS[:2]):
        assert re.fullmatch(r"P\d{7}", row["person_id"])
        assert row["admission_date"][:7] == row["file_month"]
        assert re.fullmatch(r"X8[5-9]|X9\d|Y0\d", row["icd10_cause"])
    for row in _partner(raw, "ambulance_callouts"):
        assert re.fullmatch(DAY + r" ([01]\d|2[0-3]):[0-5]\d", row["call_datetime"])
        assert row["call_datetime"][:7] == row["file_month"]
        assert row["category"] in {"assault", "stabbing", "shooting"}
        assert re.fullmatch(r"-1\.\d{6}", row["longitude"])
        assert re.fullmatch(r"51\.\d{6}", row["latitude"])
        assert row["lsoa_code"] == "" or re.fullmatch(lsoa, row["lsoa_code"])
    assert len({row["incident_id"] for row in _partner(raw, "ambulance_callouts")}) == len(
        _partner(raw, "ambulance_callouts"))
    for row in _partner(raw, "youth_justice"):
        assert row["offence_date"][:7] == row["file_month"] and 10 <= int(row["age"]) <= 17
        assert row["offence_type"] in OFFENCE_TYPES and row["disposal"] in DISPOSALS
        assert row["first_time_entrant"] in flags
    for row in _partner(raw, "school_exclusions"):
        assert row["exclusion_date"][:7] == row["file_month"] and 4 <= int(row["age"]) <= 16
        assert date.fromisoformat(row["exclusion_date"]).weekday() < 5
        assert row["exclusion_type"] in {"suspension", "permanent"}
        assert row["reason"] in EXCLUSION_REASONS
        assert row["school_phase"] in {"primary", "secondary", "special",
                                       "alternative provision"}
    for row in _partner(raw, "social_care_assessments"):
        factors = [row[k] for k in ("factor_cce", "factor_gangs", "factor_serious_violence")]
        assert set(factors) <= flags and "Y" in factors and int(row["age"]) <= 17
    for row in _partner(raw, "probation_caseload"):
        day = date.fromisoformat(row["snapshot_date"])
        assert row["snapshot_date"][:7] == row["file_month"] and day.month % 3 == 0
        assert date.fromordinal(day.toordinal() + 1).day == 1  # the end of a quarter
        assert row["index_offence"] in OFFENCE_TYPES and int(row["age"]) >= 18
        assert row["violent_index_offence"] == _yes_no(
            row["index_offence"] in {"violence against the person", "robbery"})
        assert row["sex"] in sexes and re.fullmatch(lsoa, row["lsoa_code"])
    districts = {code for code, _ in DEMO_DISTRICTS}
    aggregates = _partner(raw, "aggregates")
    assert {row["month"] for row in aggregates} == set(EXPECTED_MONTHS)
    for row in aggregates:
        assert row["source"] == "ae_assaults" and row["area_code"] in districts
        assert row["suppressed"] in flags
        assert (row["count"] == "") == (row["suppressed"] == "Y")
        assert row["count"] == "" or int(row["count"]) >= 5
    assert {row["suppressed"] for row in aggregates} == flags


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def test_partner_lsoa_codes_switch_from_2011_to_2021_like_the_police_data(demo):
    raw, _ = demo
    vintages = defaultdict(Counter)
    for name, column in (("ae_assaults", "location_lsoa_code"), ("ambulance_callouts",
                         "lsoa_code"), ("youth_justice", "lsoa_code"),
                         ("school_exclusions", "lsoa_code"),
                         ("social_care_assessments", "lsoa_code"),
                         ("probation_caseload", "lsoa_code"),
                         ("hospital_admissions", "lsoa_code")):
        for row in _partner(raw, name):
            code = row.get(column) or row.get("LSOA of Residence")
            if code:
                vintages[row["file_month"]][code[:5]] += 1
    for month in EXPECTED_MONTHS[:12]:
        assert vintages[month]["E0180"] > 100 and not vintages[month]["E0190"], month
    for month in EXPECTED_MONTHS[12:]:
        assert vintages[month]["E0190"] > 100 and not vintages[month]["E0180"], month


def test_ae_sees_more_assaults_than_the_police_record(force_demo):
    """Every month more attendances than police-recorded violence with injury; the ones the
    police know of carry the crime's date and time, and ~40% match none (hidden violence),
    mostly nights out at licensed premises in the town centres."""
    raw, summary = force_demo
    offences = _canonical(raw, "offences")
    months = sorted({row["month"] for row in offences})  # the 14 canonical months
    police = Counter(row["month"] for row in offences if row["offence_code"] in POLICE_VWI)
    known_times = {row["committed_from"] for row in offences
                   if row["offence_code"] in POLICE_VWI}
    attendances = _partner(raw, "ae_assaults", months[:-1])  # the last: crimes recorded later
    per_month = Counter(row["file_month"] for row in attendances)
    assert all(per_month[m] > 1.1 * police[m] for m in months[:-1]), (per_month, police)
    hidden = [f"{row['assault_date']} {row['assault_time']}" not in known_times
              for row in attendances]
    assert 0.35 <= sum(hidden) / len(hidden) <= 0.45
    assert 0.35 <= summary["partners"]["ae_hidden_share"] <= 0.45

    def night_out(row: dict[str, str]) -> bool:
        if not row["assault_time"]:
            return False
        weekday, hour = date.fromisoformat(row["assault_date"]).weekday(), \
            int(row["assault_time"][:2])
        return (weekday in (4, 5) and hour >= 22) or (weekday in (5, 6) and hour <= 2)

    shares = defaultdict(list)
    for row, unknown in zip(attendances, hidden, strict=True):
        shares[night_out(row)].append(unknown)
        shares[row["location_type"]].append(unknown)
    assert sum(shares[True]) / len(shares[True]) > 0.6 > 0.3 > sum(shares[False]) / len(
        shares[False])
    assert sum(shares["licensed premises"]) / len(shares["licensed premises"]) > 0.6
    geocoded = sum(bool(row["location_lsoa_code"]) for row in attendances) / len(attendances)
    assert 0.75 < geocoded < 0.85
    # the town centres: 1.5 to 2 times the police's count of violence with injury
    centres = set(summary["partners"]["town_centre_lsoas"])
    assert len(centres) == 12  # six LSOAs, each with its 2011 and 2021 code
    in_centres = sum(row["location_lsoa_code"] in centres for row in attendances)
    police_there = sum(row["lsoa_code"] in centres for row in offences
                       if row["offence_code"] in POLICE_VWI and row["month"] in months[:-1])
    assert 1.5 <= in_centres / police_there <= 2.0


def test_admissions_and_callouts_follow_the_attendances(force_demo):
    raw, _ = force_demo
    attendances = _partner(raw, "ae_assaults")
    admissions = _partner(raw, "hospital_admissions")
    causes = Counter((row.get("icd10_cause") or row["Cause Code"]) for row in admissions)
    assert 0.05 <= len(admissions) / len(attendances) <= 0.08
    assert 0.15 <= causes["X99"] / len(admissions) <= 0.25
    assert 0.50 <= causes["Y04"] / len(admissions) <= 0.65
    assert causes["Y00"] and causes["Y09"]
    assert sum(causes[c] for c in ("X93", "X94", "X95")) < 0.03 * len(admissions)
    calls = _partner(raw, "ambulance_callouts")
    category = Counter(row["category"] for row in calls)
    assert 0.25 <= len(calls) / len(attendances) <= 0.35
    assert 0.07 <= category["stabbing"] / len(calls) <= 0.13
    assert category["shooting"] < 0.02 * len(calls)
    # violence peaks in summer
    per_month = Counter(row["file_month"] for row in attendances)
    summer, winter = ([n for m, n in per_month.items() if m[5:] in season]
                      for season in (("06", "07", "08"), ("12", "01", "02")))
    assert sum(summer) / len(summer) > 1.15 * sum(winter) / len(winter)


def test_people_appear_in_several_sources_with_the_same_raw_id(force_demo):
    """~30% of the children with a proven offence are suspended or excluded, ~15% assessed
    by social care, some join the probation caseload as young adults; ~60% of the hospital
    admissions (in the force's canonical months) are of a victim the force recorded."""
    raw, summary = force_demo
    overlaps = summary["partners"]["overlaps"]
    ids = {name: {row["person_id"] for row in _partner(raw, name)}
           for name in ("youth_justice", "school_exclusions", "social_care_assessments",
                        "probation_caseload")}
    youth = ids["youth_justice"]
    assert overlaps["youth_justice_children"] == len(youth) > 250
    built = {name: len(youth & ids[name]) / len(youth) for name in ids}
    assert 0.27 <= built["school_exclusions"] <= 0.33
    assert 0.12 <= built["social_care_assessments"] <= 0.18
    assert 0.03 <= built["probation_caseload"] <= 0.15
    assert overlaps["youth_justice_in_exclusions"] == round(built["school_exclusions"], 4)
    assert overlaps["youth_justice_in_social_care"] == round(
        built["social_care_assessments"], 4)
    assert overlaps["youth_justice_in_probation"] == round(built["probation_caseload"], 4)
    assert all(re.fullmatch(r"C\d{7}", person) for person in set().union(*ids.values()))
    young_adults = [int(row["age"]) for row in _partner(raw, "probation_caseload")
                    if row["person_id"] in youth]
    assert young_adults and max(young_adults) <= 21
    # hospital admissions and the force's victims, in the months the extract is canonical
    months = sorted({row["month"] for row in _canonical(raw, "offences")})
    victims = {row["person_id"] for row in _canonical(raw, "victims")}
    admitted = [row["person_id"] for row in _partner(raw, "hospital_admissions", months)]
    share = sum(person in victims for person in admitted) / len(admitted)
    assert 0.45 <= share <= 0.75
    assert overlaps["hospital_admissions_of_force_victims"] == round(share, 4)
    # patients the force never recorded have ids of a range of their own
    force_people = victims | {row["person_id"] for row in _canonical(raw, "suspects")}
    own = {p for p in admitted if p >= "P8000000"}
    assert own and not own & force_people and all(p < "P8000000" for p in force_people)


def test_partner_records_follow_deprivation_seasons_and_volumes(force_demo):
    raw, _ = force_demo
    reference = raw / "reference"
    lad = {row["LSOA21CD"]: row for row in _rows(reference / "lsoa21_to_lad23.csv")}
    lsoa11 = {row["LSOA11CD"]: row["LSOA21CD"]
              for row in _rows(reference / "lsoa11_to_lsoa21_to_lad.csv")}
    decile = {row["lsoa21_code"]: float(row["IMD_decile"])
              for row in _rows(reference / "imd2025_england_lsoa21.csv")}
    people = {row["lsoacd"]: int(row["population"])
              for row in _rows(reference / "lsoa_population.csv")}
    in_area = {code for code, row in lad.items()
               if (row["LAD23CD"], row["LAD23NM"]) in set(DEMO_DISTRICTS)}
    residents = Counter()
    for code in in_area:
        residents[decile[code] <= 3] += people[code]
    for name, ratio in (("youth_justice", 2.0), ("school_exclusions", 1.5),
                        ("social_care_assessments", 1.5), ("probation_caseload", 2.0)):
        counts = Counter()
        for row in _partner(raw, name):
            code = lsoa11.get(row["lsoa_code"], row["lsoa_code"])
            if code in in_area:
                counts[decile[code] <= 3] += 1
        rates = {k: counts[k] / residents[k] for k in (True, False)}
        assert rates[True] > ratio * rates[False], name
    youth = _partner(raw, "youth_justice")
    per_month = Counter(row["file_month"] for row in youth)
    assert all(12 <= n <= 50 for n in per_month.values())
    assert 20 <= len(youth) / len(per_month) <= 40
    assert 0.22 <= sum(row["first_time_entrant"] == "Y" for row in youth) / len(youth) <= 0.38
    exclusions = _partner(raw, "school_exclusions")
    per_month = Counter(row["file_month"] for row in exclusions)
    assert all(per_month[m] <= 5 for m in per_month if m.endswith("-08"))
    term = [n for m, n in per_month.items() if not m.endswith("-08")]
    assert 120 <= sum(term) / len(term) <= 180
    assault = sum(row["reason"] in ASSAULT_OR_WEAPON for row in exclusions) / len(exclusions)
    assert 0.12 <= assault <= 0.19
    permanent = sum(row["exclusion_type"] == "permanent" for row in exclusions)
    assert 0.01 <= permanent / len(exclusions) <= 0.04
    social = Counter(row["file_month"] for row in _partner(raw, "social_care_assessments"))
    assert 10 <= sum(social.values()) / len(social) <= 20
    probation = _partner(raw, "probation_caseload")
    per_snapshot = Counter(row["snapshot_date"] for row in probation)
    assert all(370 <= n <= 430 for n in per_snapshot.values())
    assert all(n == 1 for n in Counter((row["snapshot_date"], row["person_id"])
                                       for row in probation).values())
    violent = sum(row["violent_index_offence"] == "Y" for row in probation) / len(probation)
    assert 0.40 <= violent <= 0.50
    recorded = [row["ethnicity"] for name in ("youth_justice", "school_exclusions",
                                              "social_care_assessments")
                for row in _partner(raw, name)]
    assert 0.05 <= recorded.count("") / len(recorded) <= 0.10
    assert recorded.count("NS") > 0.01 * len(recorded)


def test_hes_extract_loads_through_its_mapping_alone(demo):
    """The last 12 months of hospital admissions come in the trust's own shape: the mapping
    file reads every column it needs, drops the identifying ones, recodes gender and NHS
    ethnic categories and reformats the dates."""
    mapping = _hospital_mapping()
    assert mapping.dataset.name == "hospital_admissions"
    assert set(mapping.columns) == set(PARTNER_COLUMNS["hospital_admissions"])
    assert set(mapping.drop) == HES_IDENTIFYING
    folder = demo[0] / "partners" / "hospital_admissions"
    for month in HES_MONTHS:
        path = folder / f"hospital_admissions_{month}.csv"
        header = next(csv.reader([_first_line(path).decode("utf-8")]))
        assert set(mapping.source_columns) <= set(header), month
        assert set(header) == set(mapping.source_columns) | HES_IDENTIFYING
        assert not set(header) & set(PARTNER_COLUMNS["hospital_admissions"])
        found = recognise(header, datasets.load_datasets(), (mapping,))
        assert (found.dataset.name, found.mapping, found.missing) == (
            "hospital_admissions", mapping, ())
    records = [row for month in HES_MONTHS[-3:]
               for row in _rows(folder / f"hospital_admissions_{month}.csv")]
    assert records and {r["Gender"] for r in records} <= {"1", "2", "9"}
    assert {r["Ethnic Category"] for r in records} <= set("ABCDEFGHJKLMNPRSZ") | {""}
    for record in records:
        assert re.fullmatch(r"999 \d{3} \d{4}", record["NHS Number"])
        assert re.fullmatch(r"ZZ99 \dZZ", record["Postcode"])
        assert re.search(r"Fake|Notreal|Madeup|Placeholder|Synthetic|Testcase|Dummy|Fictional",
                         record["Patient Name"])
    columns = PARTNER_COLUMNS["hospital_admissions"]
    for values in mapping.apply(records, date(2026, 1, 1)):
        row = dict(zip(columns, values, strict=True))
        assert re.fullmatch(r"\d{10}", row["admission_id"])
        assert re.fullmatch(r"P\d{7}", row["person_id"])
        assert re.fullmatch(DAY, row["admission_date"]) and row["admission_date"][:7] in HES_MONTHS
        assert re.fullmatch(r"X8[5-9]|X9\d|Y0\d", row["icd10_cause"])
        assert 0 <= int(row["age"]) <= 110 and row["sex"] in {"M", "F", "U"}
        assert row["ethnicity"] in ETHNICITY_CODES | {""}
        assert re.fullmatch(r"E01\d{6}", row["lsoa_code"])


def test_everything_else_is_as_before_the_partners(demo, tmp_path, monkeypatch):
    """The partners draw from streams of their own: every file the generator wrote before
    them comes out byte for byte as before, and the new files are all under partners/."""
    old = _not_touched_by_the_intervention(
        _files_of_the_generator_at(DEMO_BEFORE_PARTNERS, tmp_path, monkeypatch))
    new = _not_touched_by_the_intervention(
        {name: hashlib.sha256(data).hexdigest() for name, data in _all_files(demo[0]).items()})
    assert len(old) > 40 and any(name.endswith(".xlsx") for name in old)
    assert {name: new.get(name) for name in old} == old
    assert {name for name in new if name not in old} == {
        name for name in new if name.startswith(("partners/", "reference/lsoa21_boundaries"))}
