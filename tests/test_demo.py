"""The demo generator must imitate the published files exactly (so the pipeline is exercised on
the formats users drop in), stay deterministic, and never reuse a real code."""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from svna.demo import (
    DEMO_DISTRICTS,
    FORCE_NAME,
    FORCE_SLUG,
    NEIGHBOUR_DISTRICTS,
    generate_demo_data,
)

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
    assert first == again
    assert first.keys() == other.keys()
    assert first != other


def test_summary_lists_what_was_written(demo):
    raw, summary = demo
    written = {p.relative_to(raw).as_posix() for p in raw.rglob("*.csv")}
    assert set(summary["files"]) == written
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


def test_violence_rises_over_the_last_twelve_months(tmp_path):
    generate_demo_data(tmp_path, months=24, end_month=END_MONTH)
    totals = Counter()
    for row in _kind_rows(tmp_path, "street"):
        if row["Crime type"] in SERIOUS_VIOLENCE:
            totals["last" if row["Month"] >= "2025-01" else "previous"] += 1
    assert 1.03 < totals["last"] / totals["previous"] < 1.15


@pytest.mark.parametrize("arguments", [{"months": 0}, {"end_month": "2025-13"},
                                       {"end_month": "December 2025"}])
def test_bad_arguments_are_refused(tmp_path, arguments):
    with pytest.raises(ValueError):
        generate_demo_data(tmp_path, **arguments)
