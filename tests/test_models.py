"""The SQL models (staging -> marts -> assessment) on small hand-built fixtures.

Every expected value is worked out by hand from the fixture (the arithmetic sits beside it),
never by re-running the models' logic in Python. Three warehouses are built once per module:

* ``placement``: 4 months (2024-01, -02, -04 with street files, 2024-03 a gap), 2 districts in
  the area and 1 outside, 2011 codes, duplicates, no-location and unknown codes, outcomes and
  stop and search files: the contract table, placement, data quality, outcomes, stop and search.
* ``trend``: 24 months (2023-01 to 2024-12) with constant small counts and known jumps: the
  monthly trend, period comparison, rates, concentration and deprivation tables.
* ``late``: 2 street months and stop and search files beyond them: the latest-12-months window.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from scipy import stats

from conftest import (
    OUTCOMES_HEADER,
    STOP_SEARCH_HEADER,
    STREET_HEADER,
    build_warehouse,
    street_row,
    write_csv,
    write_reference,
)

FORCE = "test-force"
VSO = "Violence and sexual offences"
ROB = "Robbery"
POW = "Possession of weapons"
BUR = "Burglary"
SHOP = "Shoplifting"
ASB = "Anti-social behaviour"
DRUGS = "Drugs"
AREA = "test-area"  # slug of the default area name "Test area"
SV = "Serious violence"
ALL = "All crime"

BASE_MTIME = 1_700_000_000


def cid(name: str) -> str:
    """A Crime ID in the published form (64 hex characters)."""
    return hashlib.sha256(name.encode()).hexdigest()


def rows_of(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def police_file(raw: Path, month: str, kind: str, header: list[str], rows: list[list]) -> Path:
    return write_csv(raw / "police_uk" / month / f"{month}-{FORCE}-{kind}.csv", header, rows)


def pin_mtimes(raw: Path, later: dict[str, int] | None = None) -> None:
    """Give every file the same mtime (ingest orders files by mtime, then path), except the
    ones named in `later` (relative path -> seconds added), which are delivered later."""
    later = later or {}
    for path in raw.rglob("*.csv"):
        t = BASE_MTIME + later.get(path.relative_to(raw).as_posix(), 0)
        os.utime(path, (t, t))


def search_row(date, lat, lon, obj="Controlled drugs", outcome="A no further action disposal",
               age="18-24", sde="", ode="White"):
    return ["Person search", date, "", "", lat, lon, "Male", age, sde, ode,
            "Misuse of Drugs Act 1971 (section 23)", obj, outcome, "False", "False"]


# ------------------------------------------------------------------------------------------
# Fixture 1: placement, contract table, data quality, outcomes, stop and search
# ------------------------------------------------------------------------------------------
A, B, C = "E07000101", "E07000102", "E07000103"  # Alpha, Beta in the area; Gamma outside
P1 = ("0.100000", "52.200000")   # map point in E01000011 (Alpha)
P2 = ("0.120000", "52.210000")   # E01000012 (Alpha)
P3 = ("0.300000", "52.300000")   # E01000013 (Beta)
P4 = ("0.500000", "52.400000")   # E01000014 (Gamma, outside)
P5 = ("0.700000", "52.500000")   # only records with unknown codes: not a placed map point
P6 = ("0.200000", "52.250000")   # E01000093 (2011) -> E01000016 (Alpha)
P7 = ("0.300000", "52.306000")   # E01000012 (Alpha), ~670 m north of P3

PLACEMENT_MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04"]
PLACEMENT_TYPES = {VSO, ROB, BUR, ASB, DRUGS}


def srow(crime_id, month, lsoa, crime_type, point=P1, outcome="Under investigation"):
    lon, lat = point
    if crime_type == ASB:
        outcome = ""
    return street_row(cid(crime_id) if crime_id else "", month, lsoa, crime_type, outcome,
                      lon=lon, lat=lat)


@pytest.fixture(scope="module")
def placement(tmp_path_factory):
    base = tmp_path_factory.mktemp("placement")
    raw = base / "raw"
    write_reference(
        raw,
        [("E01000011", A, "Alpha", 1500, 2), ("E01000012", A, "Alpha", 1600, 4),
         ("E01000013", B, "Beta", 1700, 6), ("E01000014", C, "Gamma", 1800, 8)],
        [
            # a 2011 code whose 2021 LSOA is in the 2021 lookup (Beta); the 2022 district in
            # this lookup is an abolished one, so only the 2021 LSOA's district can be right
            ("E01000091", "E01000013", "E07000199", "Old Beta"),
            # a 2011 LSOA split into two 2021 LSOAs, both in Alpha
            ("E01000092", "E01000011", A, "Alpha"),
            ("E01000092", "E01000012", A, "Alpha"),
            # a 2011 code whose 2021 LSOA only this lookup knows (district Alpha)
            ("E01000093", "E01000016", A, "Alpha"),
        ],
    )
    police_file(raw, "2024-01", "street", STREET_HEADER, [
        srow("c1", "2024-01", "E01000011", VSO, P1),
        srow("c2", "2024-01", "E01000011", VSO, P1),
        srow("c3", "2024-01", "E01000012", BUR, P2),
        srow(None, "2024-01", "E01000012", ASB, P2),
        srow(None, "2024-01", "E01000012", ASB, P2),   # identical ASB row: counts again
        srow("c4", "2024-01", "E01000013", VSO, P3),
        srow("c5", "2024-01", "E01000014", VSO, P4),   # outside the area
        street_row(cid("c6"), "2024-01", None, BUR),   # no location
        srow("c7", "2024-01", "E01000098", VSO, P5),   # code no lookup knows
        srow("c8", "2024-01", "E01000091", VSO, P3),   # 2011 code -> Beta
        srow("c9", "2024-01", "E01000092", ROB, P1,    # split 2011 code -> Alpha
             outcome="Unable to prosecute suspect"),
        srow("c1", "2024-01", "E01000011", VSO, P1),   # same Crime ID again, same file
    ])
    police_file(raw, "2024-02", "street", STREET_HEADER, [
        srow("c10", "2024-02", "E01000011", VSO, P1),
        srow("c4", "2024-02", "E01000013", VSO, P3),   # Crime ID already in January's file
        srow("c11", "2024-02", "E01000013", ROB, P3,
             outcome="Investigation complete; no suspect identified"),
        srow(None, "2024-02", "E01000013", ASB, P3),
        srow("c12", "2024-02", "E01000093", VSO, P6),  # 2011 code -> E01000016 -> Alpha
        srow("c13", "2024-02", "E01000098", BUR, P5),  # unknown code
        srow("c14", "2024-02", "E01000099", VSO, P5),  # another unknown code
        srow("c15", "2024-02", "E01000014", BUR, P4),  # outside
        street_row("", "2024-02", None, ASB, outcome=""),  # ASB with no location
    ])
    # no street file for 2024-03
    police_file(raw, "2024-04", "street", STREET_HEADER, [
        srow("c16", "2024-04", "E01000011", VSO, P1),
        srow("c17", "2024-04", "E01000012", BUR, P2),
        srow("c18", "2024-04", "E01000091", VSO, P3),  # 2011 code -> Beta
        srow("c20", "2024-04", "E01000014", DRUGS, P4),  # a type seen only outside the area
        srow("c21", "2024-04", "E01000012", BUR, P7),
    ])

    def outcome(crime, month, kind):
        return [cid(crime), month, "Test Constabulary", "Test Constabulary", "0.1", "52.2",
                "On or near High Street", "E01000011", "x", kind]

    # The April outcomes file is delivered before the February one (pin_mtimes below), so
    # file order and month order disagree: the latest *month* must win.
    police_file(raw, "2024-04", "outcomes", OUTCOMES_HEADER, [
        outcome("c4", "2024-04", "Offender given a caution"),
        outcome("c2", "2024-04", "Suspect charged"),
        outcome("c5", "2024-04", "Local resolution"),
    ])
    police_file(raw, "2024-02", "outcomes", OUTCOMES_HEADER, [
        outcome("c1", "2024-02", "Investigation complete; no suspect identified"),
        outcome("c4", "2024-02", "Awaiting court outcome"),
        outcome("c8", "2024-02", "Unable to prosecute suspect"),
        outcome("c99", "2024-02", "Offender fined"),   # a crime in no street file
    ])

    # stop and search: files for 2023-01 (before the reporting period), 2024-01 and 2024-04;
    # none for 2024-02 and 2024-03.
    police_file(raw, "2023-01", "stop-and-search", STOP_SEARCH_HEADER, [
        search_row("2023-01-10T09:00:00+00:00", P1[1], P1[0], obj="Firearms"),          # s0
    ])
    police_file(raw, "2024-01", "stop-and-search", STOP_SEARCH_HEADER, [
        search_row("2024-01-05T10:00:00+00:00", P1[1], P1[0], age="18-24",               # s1
                   sde="White - English/Welsh/Scottish/Northern Irish/British", ode="White",
                   obj="Controlled drugs", outcome="A no further action disposal"),
        search_row("2024-01-06T10:00:00+00:00", "52.300900", "0.300000", age="25-34",    # s2
                   sde="", ode="Black", obj="Offensive weapons", outcome="Arrest"),
        search_row("2024-01-07T10:00:00+00:00", "52.350000", "0.400000", obj="Firearms"),  # s3
        search_row("2024-01-08T10:00:00+00:00", "", "", obj="Firearms"),                 # s4
        search_row("2024-01-09T10:00:00+00:00", P4[1], P4[0], obj="Firearms"),           # s5
        search_row("2024-01-10T10:00:00+00:00", P2[1], P2[0], age="18-24",               # s6
                   sde="White - English/Welsh/Scottish/Northern Irish/British", ode="White",
                   obj="Controlled drugs", outcome="Arrest"),
    ])
    police_file(raw, "2024-04", "stop-and-search", STOP_SEARCH_HEADER, [
        search_row("2024-04-02T10:00:00+00:00", P3[1], P3[0], age="over 34",             # s7
                   sde="Asian/Asian British - Any other Asian background", ode="Asian",
                   obj="Controlled drugs", outcome="A no further action disposal"),
        search_row("2024-04-03T10:00:00+00:00", "52.200000", "0.101500", age="10-17",    # s8
                   sde="White - Any other White background", ode="White", obj="",
                   outcome="A no further action disposal"),
    ])
    pin_mtimes(raw, {"police_uk/2024-02/2024-02-test-force-outcomes.csv": 100})
    con = build_warehouse(raw, base / "w.duckdb", [A, B])
    yield con
    con.close()


def monthly(con) -> dict[tuple[str, str, str], int]:
    return {(m, lad, t): n for m, lad, t, n in rows_of(
        con, "SELECT month, lad_code, crime_type, incidents FROM assessment.police_uk_monthly")}


def test_monthly_contract_has_every_month_district_and_type(placement):
    got = rows_of(placement, "SELECT month, lad_code, lad_name, crime_type "
                             "FROM assessment.police_uk_monthly")
    # 4 months (2024-03 has no file but lies between first and latest) x 2 districts in the
    # area (Gamma is not configured) x 5 types in the data (Drugs only outside the area)
    assert len(got) == 4 * 2 * 5
    assert {r[0] for r in got} == set(PLACEMENT_MONTHS)
    assert {(r[1], r[2]) for r in got} == {(A, "Alpha"), (B, "Beta")}
    assert {r[3] for r in got} == PLACEMENT_TYPES
    assert len(set(got)) == len(got)  # one row per month, district and type


def test_monthly_contract_counts(placement):
    expected = {
        ("2024-01", A, VSO): 2,    # c1 (its second copy in the same file not counted), c2
        ("2024-01", A, BUR): 1,    # c3
        ("2024-01", A, ASB): 2,    # two ASB rows with blank Crime ID: each counts
        ("2024-01", A, ROB): 1,    # c9: split 2011 code E01000092 -> Alpha
        ("2024-01", B, VSO): 2,    # c4 and c8 (2011 code E01000091 -> E01000013 -> Beta)
        ("2024-02", A, VSO): 2,    # c10, c12 (E01000093 -> E01000016, only in the 11->21 lookup)
        ("2024-02", B, ROB): 1,    # c11 (c4 again here: counted once, in January)
        ("2024-02", B, ASB): 1,
        ("2024-04", A, VSO): 1,    # c16
        ("2024-04", A, BUR): 2,    # c17, c21
        ("2024-04", B, VSO): 1,    # c18 (2011 code -> Beta)
    }  # not counted: c5/c15/c20 (Gamma), c6 + Feb ASB (no LSOA), c7/c13/c14 (unknown codes)
    got = monthly(placement)
    assert set(expected) <= set(got)
    for key, n in got.items():
        assert n == expected.get(key, 0), key
    assert sum(got.values()) == 16  # 8 (Jan) + 4 (Feb) + 0 (Mar) + 4 (Apr)


def test_2011_codes_are_placed_via_the_2011_to_2021_lookup(placement):
    got = {r[0]: r[1:] for r in rows_of(
        placement, "SELECT crime_id, lsoa_code, lad_code, in_area, placement "
                   "FROM marts.fct_street_records WHERE crime_id IS NOT NULL")}
    # E01000091 -> E01000013, which the 2021 lookup puts in Beta (not the 2022 'Old Beta')
    assert got[cid("c8")] == ("E01000091", B, True, "placed")
    assert got[cid("c18")] == ("E01000091", B, True, "placed")
    # E01000092 split into E01000011 and E01000012: both Alpha
    assert got[cid("c9")] == ("E01000092", A, True, "placed")
    # E01000093 -> E01000016, a 2021 LSOA only the 2011-to-2021 lookup names (Alpha)
    assert got[cid("c12")] == ("E01000093", A, True, "placed")
    assert got[cid("c7")] == ("E01000098", None, False, "unplaced_code")
    assert got[cid("c6")] == (None, None, False, "no_location")


def test_data_quality_counts_and_details(placement):
    dq = {m: (v, d) for m, v, d in rows_of(
        placement, "SELECT measure, value, detail FROM assessment.data_quality")}
    # 12 (Jan) + 9 (Feb) + 5 (Apr) records in the force's files
    assert dq["Records in the files of the forces serving the area"][0] == 26
    assert dq["Records placed in the area (counted)"][0] == 16
    # c5, c15, c20 in Gamma
    assert dq["Records outside the area (placed in other districts)"][0] == 3
    # c6 and February's ASB row
    assert dq["Records with no location (no LSOA)"][0] == 2
    # c7 and c13 (E01000098), c14 (E01000099)
    assert dq["Records whose LSOA code the lookups could not place"] == (
        3, "2 code(s): E01000098, E01000099")
    # the second c1 in January, c4 in February
    # (26 = 16 counted + 3 outside + 2 no location + 3 unplaced + 2 duplicates)
    assert dq["Duplicate Crime IDs (extra copies not counted)"][0] == 2
    assert dq["Months missing: street-level files"] == (1, "2024-03")
    # outcomes files for 2024-02 and 2024-04 only
    assert dq["Months missing: outcomes files"] == (2, "2024-01, 2024-03")
    # stop and search files for 2024-01 and 2024-04 (and 2023-01, before the period):
    # February has street data but no stop and search file
    assert dq["Months missing: stop and search files"] == (2, "2024-02, 2024-03")


def test_outcome_is_the_latest_update_else_the_street_file(placement):
    ids = rows_of(placement, "SELECT path, file_id FROM meta.files WHERE path LIKE '%outcomes%'")
    ids = {Path(p).name[:7]: f for p, f in ids}
    assert ids["2024-02"] > ids["2024-04"]  # the fixture's point: file order != month order
    got = {r[0]: r[1:] for r in rows_of(
        placement, "SELECT crime_id, outcome, outcome_source FROM marts.fct_crime_outcomes")}
    assert got[cid("c4")] == ("Offender given a caution", "outcomes file")  # 2024-04 > 2024-02
    assert got[cid("c1")] == ("Investigation complete; no suspect identified", "outcomes file")
    assert got[cid("c2")] == ("Suspect charged", "outcomes file")
    assert got[cid("c9")] == ("Unable to prosecute suspect", "street file")
    assert got[cid("c10")] == ("Under investigation", "street file")
    assert cid("c99") not in got  # an outcome for a crime in no street file


def test_outcomes_table(placement):
    got = {(g, c, o): (n, s) for g, c, o, n, s in rows_of(
        placement, "SELECT geography_code, category, outcome, crimes, share_pct "
                   "FROM assessment.outcomes")}
    # Serious violence crimes in the area: c1 c2 c9 c10 c12 c16 (Alpha), c4 c8 c11 c18 (Beta)
    area_sv = {k[2]: v for k, v in got.items() if k[:2] == (AREA, SV)}
    assert area_sv == {
        "Under investigation": (4, 40.0),                             # c10 c12 c16 c18 / 10
        "Investigation complete; no suspect identified": (2, 20.0),   # c1 (outcomes), c11
        "Unable to prosecute suspect": (2, 20.0),                     # c8 (outcomes), c9
        "Suspect charged": (1, 10.0),                                 # c2
        "Offender given a caution": (1, 10.0),                        # c4 (April update)
    }
    beta_vso = {k[2]: v for k, v in got.items() if k[:2] == (B, VSO)}
    assert beta_vso == {"Offender given a caution": (1, 33.3),        # c4, c8, c18: 1/3 each
                        "Unable to prosecute suspect": (1, 33.3),
                        "Under investigation": (1, 33.3)}
    assert {k[1] for k in got} == {SV, VSO, ROB}  # only serious violence categories


def test_period_comparison_without_24_months_has_no_previous_period(placement):
    got = rows_of(placement, "SELECT latest_12, previous_12, change, pct_change, ratio, "
                             "ratio_ci_lower, ratio_ci_upper FROM assessment.period_comparison "
                             "WHERE geography_code = ? AND category = ?", [AREA, SV])
    # serious violence counted: VSO 8 (Jan 4, Feb 2, Apr 2) + robbery 2 (c9, c11) = 10
    assert got == [(10, None, None, None, None, None, None)]
    rolling = rows_of(placement, "SELECT count(*), count(rolling_12m) "
                                 "FROM assessment.monthly_trend")
    assert rolling[0][0] > 0 and rolling[0][1] == 0  # 4 months: never 12 to sum


def test_stop_search_placement(placement):
    got = rows_of(placement, "SELECT strftime(searched_at, '%Y-%m-%d'), placement, lsoa21_code, "
                             "lad_code, in_area FROM marts.fct_stop_search ORDER BY searched_at")
    assert got == [
        ("2023-01-10", "same_point", "E01000011", A, True),     # s0 at P1
        ("2024-01-05", "same_point", "E01000011", A, True),     # s1 at P1
        ("2024-01-06", "nearest_point", "E01000013", B, True),  # s2 100 m from P3, 570 m from P7
        ("2024-01-07", "unplaced", None, None, False),          # s3 > 5 km from any point
        ("2024-01-08", "no_location", None, None, False),       # s4 blank coordinates
        ("2024-01-09", "same_point", "E01000014", C, False),    # s5 at P4 (Gamma)
        ("2024-01-10", "same_point", "E01000012", A, True),     # s6 at P2
        ("2024-04-02", "same_point", "E01000013", B, True),     # s7 at P3
        ("2024-04-03", "nearest_point", "E01000011", A, True),  # s8 ~100 m east of P1
    ]
    dq = {m: v for m, v in rows_of(placement,
                                   "SELECT measure, value FROM assessment.data_quality")}
    assert dq["Searches with no location"] == 1                                      # s4
    assert dq["Searches placed at the nearest map point (within about 1 km)"] == 2   # s2, s8
    assert dq["Searches that could not be placed in an LSOA"] == 1                   # s3


def test_stop_search_counts_in_area_searches_of_the_latest_12_months(placement):
    got = {(g, d, v): (n, s) for g, d, v, n, s in rows_of(
        placement, "SELECT geography_code, dimension, value, searches, share_pct "
                   "FROM assessment.stop_search")}
    # counted: s1 s6 s8 (Alpha), s2 s7 (Beta); not s0 (2023-01, before 2023-05, the start of
    # the latest 12 months), s3 (unplaced), s4 (no location), s5 (Gamma): all 'Firearms'
    area = {(d, v): x for (g, d, v), x in got.items() if g == AREA}
    assert area == {
        ("Object of search", "Controlled drugs"): (3, 60.0),      # s1 s6 s7 / 5
        ("Object of search", "Offensive weapons"): (1, 20.0),     # s2
        ("Object of search", "Not recorded"): (1, 20.0),          # s8 (blank)
        ("Outcome", "A no further action disposal"): (3, 60.0),   # s1 s7 s8
        ("Outcome", "Arrest"): (2, 40.0),                         # s2 s6
        ("Age range", "18-24"): (2, 40.0),                        # s1 s6
        ("Age range", "25-34"): (1, 20.0),
        ("Age range", "over 34"): (1, 20.0),
        ("Age range", "10-17"): (1, 20.0),
        ("Officer-defined ethnicity", "White"): (3, 60.0),        # s1 s6 s8
        ("Officer-defined ethnicity", "Black"): (1, 20.0),
        ("Officer-defined ethnicity", "Asian"): (1, 20.0),
        ("Self-defined ethnicity",
         "White - English/Welsh/Scottish/Northern Irish/British"): (2, 40.0),
        ("Self-defined ethnicity", "Not recorded"): (1, 20.0),    # s2 (blank)
        ("Self-defined ethnicity", "Asian/Asian British - Any other Asian background"): (1, 20.0),
        ("Self-defined ethnicity", "White - Any other White background"): (1, 20.0),
    }
    alpha_object = {v: x for (g, d, v), x in got.items() if g == A and d == "Object of search"}
    assert alpha_object == {"Controlled drugs": (2, 66.7), "Not recorded": (1, 33.3)}  # s1 s6|s8
    beta_outcome = {v: x for (g, d, v), x in got.items() if g == B and d == "Outcome"}
    assert beta_outcome == {"Arrest": (1, 50.0), "A no further action disposal": (1, 50.0)}


# ------------------------------------------------------------------------------------------
# Fixture 2: 24 months for trends, comparisons, rates, concentration and deprivation
# ------------------------------------------------------------------------------------------
N, S, OUTBY = "E07000201", "E07000202", "E07000203"  # Northby, Southby in the area; Outby not
TREND_MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
# LSOA, district, population, IMD decile
TREND_LSOAS = [("E01000001", N, "Northby", 1000, 1), ("E01000002", N, "Northby", 1000, 1),
               ("E01000003", N, "Northby", 2000, 5), ("E01000004", S, "Southby", 400, 5),
               ("E01000005", S, "Southby", 600, 10), ("E01000006", OUTBY, "Outby", 1000, 3)]

# Nearest-point placement across grid cells (the join only looks at the 3 x 3 cells of
# 0.01 deg latitude x 0.016 deg longitude around a search; cell = floor(coordinate / size)).
X, Y = "E01000031", "E01000032"   # both Alpha; X is the right answer wherever it is named
GRID_SEARCHES = [
    # (search lat, lon, expected LSOA), the points it chooses between in GRID_POINTS
    ("52.209500", "0.100000", X),    # g1: cell 5220; X 0.001 north in cell 5221, Y 0.006 south
    ("52.255500", "0.111500", X),    # g2: lon cell 6; X 0.001 east in cell 7 (across 0.112)
    ("52.309500", "0.111500", X),    # g3: X in the diagonal cell (5231, 7), Y 0.0075 south
    ("52.355500", "-0.111500", X),   # g4: lon cell -7; X 0.001 west in cell -8 (across -0.112)
    ("52.400500", "0.105000", None),  # g5: only point 0.0091 north: outside the 0.009 box
    ("52.5", "0.2", X),              # g6: X and Y exactly 2^-7 deg south/north: lowest code
]
GRID_POINTS = [
    ("52.210500", "0.100000", X), ("52.203500", "0.100000", Y),    # g1: 0.001 vs 0.006
    # g2: 0.001 * cos(52.2555 deg) = 0.00061 vs 0.0115 * 0.612 = 0.00704
    ("52.255500", "0.112500", X), ("52.255500", "0.100000", Y),
    # g3: sqrt(0.001^2 + (0.001 * 0.611)^2) = 0.00117 vs 0.0075
    ("52.310500", "0.112500", X), ("52.302000", "0.111500", Y),
    ("52.355500", "-0.112500", X), ("52.355500", "-0.100000", Y),  # g4: as g2, mirrored
    ("52.409600", "0.105000", Y),                                  # g5: 0.0091 > 0.009
    ("52.4921875", "0.2", X), ("52.5078125", "0.2", Y),            # g6: both 0.0078125
]


@pytest.fixture(scope="module")
def grid_edges(tmp_path_factory):
    base = tmp_path_factory.mktemp("grid_edges")
    raw = base / "raw"
    write_reference(raw, [(X, A, "Alpha", 1500, 2), (Y, A, "Alpha", 1600, 4)])
    police_file(raw, "2024-01", "street", STREET_HEADER, [
        street_row(cid(f"p{i}"), "2024-01", lsoa, VSO, "", lon=lon, lat=lat)
        for i, (lat, lon, lsoa) in enumerate(GRID_POINTS)])
    police_file(raw, "2024-01", "stop-and-search", STOP_SEARCH_HEADER, [
        search_row(f"2024-01-{day:02d}T10:00:00+00:00", lat, lon)
        for day, (lat, lon, _) in enumerate(GRID_SEARCHES, start=1)])
    pin_mtimes(raw)
    con = build_warehouse(raw, base / "w.duckdb", [A])
    yield con
    con.close()


def test_nearest_point_is_found_across_grid_cell_boundaries(grid_edges):
    got = rows_of(grid_edges, "SELECT placement, lsoa21_code FROM marts.fct_stop_search "
                              "ORDER BY searched_at")
    assert got == [("unplaced", None) if lsoa is None else ("nearest_point", lsoa)
                   for _, _, lsoa in GRID_SEARCHES]



def trend_records(month: str) -> list[tuple[str, str, int]]:
    """(LSOA, crime type, records) in one month of the 24-month fixture."""
    year, m = int(month[:4]), int(month[5:])
    out = [
        ("E01000001", VSO, 1 if year == 2023 else 2),   # doubles in 2024
        ("E01000002", VSO, 1),
        ("E01000003", SHOP, 1),
        ("E01000001", ASB, 1),
        ("E01000006", VSO, 5),                          # outside the area
    ]
    if month == "2024-12":
        out.append(("E01000002", ROB, 1))
    if (year == 2023 and m <= 5) or (year == 2024 and m <= 10):
        out.append(("E01000004", VSO, 1))
    if month in ("2023-03", "2023-04"):
        out.append(("E01000004", POW, 1))
    if month == "2024-06":
        out.append(("E01000004", ROB, 1))
    if month == "2023-08":
        # so that every geography has every type in the previous 12 months (a type with none
        # there breaks the build: see test_period_comparison_with_none_in_the_previous_period)
        out += [("E01000005", ROB, 1), ("E01000005", SHOP, 1), ("E01000005", ASB, 1),
                ("E01000003", ROB, 1), ("E01000003", POW, 1)]
    return out


@pytest.fixture(scope="module")
def trend(tmp_path_factory):
    base = tmp_path_factory.mktemp("trend")
    raw = base / "raw"
    write_reference(raw, TREND_LSOAS)
    for month in TREND_MONTHS:
        rows = []
        for lsoa, crime_type, n in trend_records(month):
            for k in range(n):
                crime_id = "" if crime_type == ASB else cid(f"{month}-{lsoa}-{crime_type}-{k}")
                rows.append(street_row(crime_id, month, lsoa, crime_type,
                                       "" if crime_type == ASB else "Under investigation"))
        police_file(raw, month, "street", STREET_HEADER, rows)
    pin_mtimes(raw)
    con = build_warehouse(raw, base / "w.duckdb", [N, S])
    yield con
    con.close()


def trend_series(con, geography, category):
    return rows_of(con, "SELECT month, incidents, rolling_12m FROM assessment.monthly_trend "
                        "WHERE geography_code = ? AND category = ? ORDER BY month",
                   [geography, category])


def test_monthly_trend_serious_violence_and_rolling_total(trend):
    got = trend_series(trend, AREA, SV)
    assert [m for m, _, _ in got] == TREND_MONTHS
    # Northby: E01000001 VSO 1/month in 2023, 2 in 2024; E01000002 VSO 1/month; robbery
    # 2024-12; E01000003 robbery + weapons 2023-08.
    # Southby: E01000004 VSO 2023-01..05 and 2024-01..10; weapons 2023-03, -04; robbery 2024-06;
    # E01000005 robbery 2023-08.
    # 2023: 2 + (1,1,2,2,1,0,0,3,0,...) ; 2024: 3 + (1,1,1,1,1,2,1,1,1,1,0,0) + robbery Dec 1
    assert [n for _, n, _ in got] == [3, 3, 4, 4, 3, 2, 2, 5, 2, 2, 2, 2,     # sum 34
                                      4, 4, 4, 4, 4, 5, 4, 4, 4, 4, 3, 4]     # sum 48
    # NULL for the first 11 months; 2023-12: 34 (sum of 2023); then +new month -month a year ago:
    # 34-3+4=35, 35-3+4=36, 36-4+4=36, 36, 36-3+4=37, 37-2+5=40, 40-2+4=42, 42-5+4=41,
    # 41-2+4=43, 45, 45-2+3=46, 46-2+4=48
    assert [r for _, _, r in got] == [None] * 11 + [34, 35, 36, 36, 36, 37, 40, 42, 41, 43,
                                                    45, 46, 48]


def test_monthly_trend_all_crime_excludes_anti_social_behaviour(trend):
    all_crime = trend_series(trend, AREA, ALL)
    # serious violence + 1 shoplifting a month (+1 more in 2023-08); ASB is not a crime
    assert [n for _, n, _ in all_crime][:3] == [4, 4, 5]           # 3+1, 3+1, 4+1
    assert all_crime[7][1] == 7                                   # 2023-08: 5 + 2 shoplifting
    assert all_crime[11][2] == 47 and all_crime[-1][2] == 60      # 34+12+1, 48+12
    asb = trend_series(trend, AREA, ASB)
    assert [n for _, n, _ in asb] == [1] * 7 + [2] + [1] * 16     # 2 in 2023-08
    assert asb[11][2] == 13 and asb[-1][2] == 12
    southby = trend_series(trend, S, SV)
    assert southby[11][2] == 8 and southby[-1][2] == 11   # 1+1+2+2+1+1 ; 10 VSO + 1 robbery
    # Outby's 5 VSO a month are not in any geography
    assert trend_series(trend, OUTBY, SV) == []


def f_ratio_limits(a: int, b: int) -> tuple[float | None, float | None]:
    """Exact conditional interval for a/b in its F-distribution form (independent of the
    beta form the models use)."""
    lower = 0.0 if a == 0 else (a / (b + 1)) / stats.f.ppf(0.975, 2 * (b + 1), 2 * a)
    upper = None if b == 0 else ((a + 1) / b) * stats.f.ppf(0.975, 2 * (a + 1), 2 * b)
    return lower, upper


def comparison(con, geography, category):
    got = rows_of(con, "SELECT latest_period, previous_period, latest_12, previous_12, change, "
                       "pct_change, ratio, ratio_ci_lower, ratio_ci_upper "
                       "FROM assessment.period_comparison "
                       "WHERE geography_code = ? AND category = ?", [geography, category])
    assert len(got) == 1
    return got[0]


@pytest.mark.parametrize(("geography", "category", "latest", "previous", "pct", "ratio"), [
    (AREA, SV, 48, 34, 41.2, 48 / 34),   # 2024 and 2023 sums above; 14/34 = 41.18%
    (AREA, ALL, 60, 47, 27.7, 60 / 47),  # + 12 (+1 in 2023) shoplifting; 13/47 = 27.66%
    (N, VSO, 36, 24, 50.0, 1.5),         # (2+1)*12 vs (1+1)*12
    (AREA, ASB, 12, 13, -7.7, 12 / 13),  # -1/13 = -7.69%
    (S, POW, 0, 2, -100.0, 0.0),         # weapons only in 2023-03 and -04
    (N, POW, 0, 1, -100.0, 0.0),         # 2023-08 only
    (S, ROB, 1, 1, 0.0, 1.0),            # 2024-06 vs 2023-08
])
def test_period_comparison(trend, geography, category, latest, previous, pct, ratio):
    got = comparison(trend, geography, category)
    assert got[:2] == ("2024-01 to 2024-12", "2023-01 to 2023-12")
    assert got[2:5] == (latest, previous, latest - previous)
    assert got[5] == (None if pct is None else pytest.approx(pct, abs=0.05))
    assert got[6] == (None if ratio is None else pytest.approx(ratio, rel=1e-9))
    lower, upper = f_ratio_limits(latest, previous)
    assert got[7] == pytest.approx(lower, rel=1e-6, abs=1e-12)
    assert got[8] == (None if upper is None else pytest.approx(upper, rel=1e-6))


@pytest.mark.parametrize(("geography", "population", "category", "incidents", "rate", "lower",
                          "upper"), [
    # Southby has 1,000 residents (400 + 600): the limits are the table's values themselves
    (S, 1000, VSO, 10, 10.00, 4.795, 18.390),   # E01000004, 2024-01..10
    (S, 1000, ROB, 1, 1.00, 0.0253, 5.572),     # 2024-06
    (S, 1000, POW, 0, 0.00, 0.0, 3.689),        # none in 2024
    # Northby has 4,000 (1000 + 1000 + 2000): the table's values / 4
    (N, 4000, ROB, 1, 0.25, 0.0253, 5.572),     # 2024-12; 0.0063 -> 0.01, 1.393 -> 1.39
    (N, 4000, POW, 0, 0.00, 0.0, 3.689),        # none in 2024; 0.922 -> 0.92
])
def test_rates_match_published_exact_poisson_limits(trend, geography, population, category,
                                                   incidents, rate, lower, upper):
    got = rows_of(trend, "SELECT latest_period, incidents, population, rate_per_1000, ci_lower, "
                         "ci_upper FROM assessment.rates WHERE geography_code = ? "
                         "AND category = ?", [geography, category])
    assert len(got) == 1
    period, n, pop, r, lo, hi = got[0]
    assert (period, n, pop) == ("2024-01 to 2024-12", incidents, population)
    scale = 1000 / population
    assert r == pytest.approx(rate, abs=1e-9)
    assert lo == pytest.approx(lower * scale, abs=0.006)  # published 3-4 s.f., output 2 dp
    assert hi == pytest.approx(upper * scale, abs=0.006)


def test_rates_population_is_the_sum_of_the_lsoas(trend):
    got = {(g, c): (n, p, r) for g, c, n, p, r in rows_of(
        trend, "SELECT geography_code, category, incidents, population, rate_per_1000 "
               "FROM assessment.rates")}
    assert got[(N, SV)] == (37, 4000, pytest.approx(9.25))      # 1000+1000+2000; 37000/4000
    assert got[(AREA, SV)] == (48, 5000, pytest.approx(9.60))   # 4000+1000; 48000/5000
    assert got[(AREA, ASB)] == (12, 5000, pytest.approx(2.40))
    assert not any(g == OUTBY for g, _ in got)


def test_lsoa_concentration(trend):
    got = rows_of(trend, "SELECT lsoa21_code, incidents, rank, share_pct, cumulative_share_pct, "
                         "rate_per_1000 FROM assessment.lsoa_concentration ORDER BY rank")
    # serious violence in 2024 by LSOA: E01000001 24, E01000002 12+1, E01000004 10+1,
    # E01000003 and E01000005 none (tie, broken by code); E01000006 is outside. Total 48.
    assert [g[:3] for g in got] == [("E01000001", 24, 1), ("E01000002", 13, 2),
                                    ("E01000004", 11, 3), ("E01000003", 0, 4),
                                    ("E01000005", 0, 5)]
    share = [g[3] for g in got]
    cumulative = [g[4] for g in got]
    # 24/48, 13/48, 11/48, 0, 0 ; 24/48, 37/48, 48/48, ...
    assert share == pytest.approx([50.0, 27.08, 22.92, 0.0, 0.0], abs=0.006)
    assert cumulative == pytest.approx([50.0, 77.08, 100.0, 100.0, 100.0], abs=0.006)
    # per 1,000: 24/1000, 13/1000, 11/400, 0, 0
    assert [g[5] for g in got] == pytest.approx([24.0, 13.0, 27.5, 0.0, 0.0], abs=0.006)


def test_concentration_summary(trend):
    got = rows_of(trend, "SELECT lsoas, lsoas_with_any, incidents, top_10pct_share_pct, "
                         "top_n, top_n_share_pct, lsoas_holding_half "
                         "FROM assessment.concentration_summary")
    assert len(got) == 1
    lsoas, with_any, incidents, top10, top_n, top_n_share, half = got[0]
    assert (lsoas, with_any, incidents) == (5, 3, 48)
    assert top10 == pytest.approx(50.0)       # 10% of 5 LSOAs -> the top 1: 24/48
    assert (top_n, top_n_share) == (20, pytest.approx(100.0))  # default N=20 covers all 5
    assert half == 1                          # the top LSOA alone holds exactly 50%


def test_deprivation(trend):
    got = {(g, d): r for g, d, *r in rows_of(
        trend, "SELECT geography_code, imd_decile, lsoas, population, serious_violence, "
               "all_crime, sv_rate_per_1000, sv_ci_lower, sv_ci_upper, all_crime_rate_per_1000 "
               "FROM assessment.deprivation")}
    # decile 1: E01000001 + E01000002: 24 + 13 serious violence, no other crime (ASB left out)
    assert got[(AREA, 1)][:5] == [2, 2000, 37, 37, pytest.approx(18.5)]  # 37000/2000
    low, high = stats.chi2.ppf(0.025, 74) / 2, stats.chi2.ppf(0.975, 76) / 2
    assert got[(AREA, 1)][5:7] == [pytest.approx(low / 2, abs=0.006),
                                   pytest.approx(high / 2, abs=0.006)]
    # decile 5: E01000003 (2000, 12 shoplifting) + E01000004 (400, 10 VSO + 1 robbery)
    assert got[(AREA, 5)][:4] == [2, 2400, 11, 23]
    assert got[(AREA, 5)][4] == pytest.approx(4.58, abs=0.006)   # 11000/2400 = 4.583
    assert got[(AREA, 5)][7] == pytest.approx(9.58, abs=0.006)   # 23000/2400 = 9.583
    # decile 10: E01000005 (600), nothing: upper limit 3.689 per 600 -> 6.15 per 1,000
    assert got[(AREA, 10)] == [1, 600, 0, 0, 0.0, 0.0, pytest.approx(6.15, abs=0.006), 0.0]
    assert got[(S, 5)][:5] == [1, 400, 11, 11, pytest.approx(27.5)]   # 11000/400
    assert got[(N, 5)][:4] == [1, 2000, 0, 12] and got[(N, 5)][7] == pytest.approx(6.0)
    assert (AREA, 3) not in got  # E01000006 is outside the area
    assert set(got) == {(AREA, 1), (AREA, 5), (AREA, 10), (N, 1), (N, 5), (S, 5), (S, 10)}


# ------------------------------------------------------------------------------------------
# Fixture 3: edge cases. Street data for 2024-01..03 with 10,001 serious violence records in
# three LSOAs (5000 / 2501 / 2500, so the top LSOA holds 49.995%); header-only stop and search
# files for 2024-01 and -02 (byte-identical); searches in 2024-03 and one in 2024-04, after the
# latest month with street data.
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    base = tmp_path_factory.mktemp("edge")
    raw = base / "raw"
    write_reference(raw, [("E01000011", A, "Alpha", 1500, 2), ("E01000012", A, "Alpha", 1500, 3),
                          ("E01000013", A, "Alpha", 1500, 4), ("E01000014", C, "Gamma", 1500, 5)])
    for month, lsoa, point, n in [("2024-01", "E01000011", P1, 5000),
                                  ("2024-02", "E01000012", P2, 2501),
                                  ("2024-03", "E01000013", P3, 2500)]:
        police_file(raw, month, "street", STREET_HEADER,
                    [srow(f"{month}-{k}", month, lsoa, VSO, point) for k in range(n)])
    for month in ("2024-01", "2024-02"):  # no searches these months: header-only files
        police_file(raw, month, "stop-and-search", STOP_SEARCH_HEADER, [])
    police_file(raw, "2024-03", "stop-and-search", STOP_SEARCH_HEADER, [
        search_row("2024-03-05T10:00:00+00:00", P1[1], P1[0], obj="Controlled drugs"),
        search_row("2024-03-06T10:00:00+00:00", P2[1], P2[0], obj="Controlled drugs")])
    # street data end in 2024-03: this search is outside the latest 12 months (2023-04..2024-03)
    police_file(raw, "2024-04", "stop-and-search", STOP_SEARCH_HEADER, [
        search_row("2024-04-05T10:00:00+00:00", P1[1], P1[0], obj="Firearms")])
    pin_mtimes(raw)
    con = build_warehouse(raw, base / "w.duckdb", [A])
    yield con
    con.close()


def test_edge_fixture_counts(edge):
    got = rows_of(edge, "SELECT lsoa21_code, incidents, rank FROM assessment.lsoa_concentration "
                        "ORDER BY rank")
    assert got == [("E01000011", 5000, 1), ("E01000012", 2501, 2), ("E01000013", 2500, 3)]
    got = rows_of(edge, "SELECT searches FROM assessment.stop_search WHERE geography_code = ? "
                        "AND dimension = 'Object of search' AND value = 'Controlled drugs'",
                  [AREA])
    assert got == [(2,)]  # the two searches of 2024-03


def test_lsoas_holding_half_is_not_fooled_by_rounding(edge):
    got = rows_of(edge, "SELECT incidents, lsoas_holding_half "
                        "FROM assessment.concentration_summary")
    # 5000/10001 = 49.995% < 50%; 7501/10001 = 75.0% >= 50%: two LSOAs are needed
    assert got == [(10001, 2)]


def test_stop_search_ignores_searches_after_the_latest_month(edge):
    got = rows_of(edge, "SELECT value, searches FROM assessment.stop_search "
                        "WHERE geography_code = ? AND dimension = 'Object of search'", [AREA])
    # latest 12 months: 2023-04 to 2024-03 -> the two 'Controlled drugs' searches only
    assert got == [("Controlled drugs", 2)]


def test_months_with_an_empty_stop_search_file_are_not_missing(edge):
    got = rows_of(edge, "SELECT value, detail FROM assessment.data_quality "
                        "WHERE measure = 'Months missing: stop and search files'")
    assert got == [(0, None)]  # files for 2024-01, -02 (header only) and -03


def test_period_comparison_with_none_in_the_previous_period(tmp_path):
    """24 months; in Alpha a robbery in the latest 12 months and none before (1 vs 0), and
    drugs only outside the area (0 vs 0)."""
    raw = tmp_path / "raw"
    write_reference(raw, [("E01000011", A, "Alpha", 1500, 2), ("E01000014", C, "Gamma", 1500, 5)])
    for month in TREND_MONTHS:
        rows = [srow(f"{month}-v", month, "E01000011", VSO, P1),
                srow(f"{month}-d", month, "E01000014", DRUGS, P4)]
        if month == "2024-12":
            rows.append(srow("rob", month, "E01000011", ROB, P1))
        police_file(raw, month, "street", STREET_HEADER, rows)
    pin_mtimes(raw)
    con = build_warehouse(raw, tmp_path / "w.duckdb", [A])
    try:
        got = {c: r for c, *r in rows_of(
            con, "SELECT category, latest_12, previous_12, change, pct_change, ratio, "
                 "ratio_ci_lower, ratio_ci_upper FROM assessment.period_comparison "
                 "WHERE geography_code = ?", [A])}
    finally:
        con.close()
    # 1 vs 0: lower (1/1) / F(0.975; 2, 2) = 1/39; no upper limit, no ratio, no percentage
    assert got[ROB][:5] == [1, 0, 1, None, None]
    assert got[ROB][5] == pytest.approx(1 / 39) and got[ROB][6] is None
    assert got[DRUGS] == [0, 0, 0, None, None, None, None]  # 0 vs 0: nothing to estimate
    assert got[VSO] == [12, 12, 0, 0.0, 1.0, got[VSO][5], got[VSO][6]]


def test_marts_keep_the_rows_of_the_forces_serving_the_area(tmp_path):
    """Many areas share a national raw folder: each area's marts hold the street records of
    the forces with a record in it, while searches are still placed at every force's map
    points (a search on the border may lie at a point of a force outside the area)."""
    raw = tmp_path / "raw"
    inside, outside = ("E01000001", "E07000001", "Alpha", 1000, 3), \
        ("E01000002", "E07000002", "Beta", 1000, 3)
    write_reference(raw, [inside, outside])
    point_out = ("0.200000", "52.300000")

    def street(force: str, rows: list[list]) -> None:
        write_csv(raw / "police_uk" / "2024-01" / f"2024-01-{force}-street.csv",
                  STREET_HEADER, rows)

    street("alpha", [street_row(cid("a1"), "2024-01", inside[0], ROB),
                     street_row(cid("a2"), "2024-01", outside[0], ROB),
                     street_row(cid("a2"), "2024-01", outside[0], ROB)])  # one duplicate
    street("beta", [street_row(cid(f"b{i}"), "2024-01", outside[0], ROB, lon=point_out[0],
                               lat=point_out[1]) for i in range(3)]
           + [street_row(cid("b0"), "2024-01", outside[0], ROB)] * 2)  # two duplicates
    write_csv(raw / "police_uk" / "2024-01" / "2024-01-alpha-stop-and-search.csv",
              STOP_SEARCH_HEADER, [search_row("2024-01-05T10:00:00+00:00", point_out[1],
                                              point_out[0])])
    con = build_warehouse(raw, tmp_path / "w.duckdb", [inside[1]])
    try:
        forces = rows_of(con, "SELECT force, count(*) FROM marts.fct_street_records "
                              "GROUP BY force")
        dq = {m: v for m, v in rows_of(con, "SELECT measure, value FROM assessment.data_quality")}
        search = rows_of(con, "SELECT placement, lsoa21_code, in_area FROM marts.fct_stop_search")
        monthly = rows_of(con, "SELECT sum(incidents) FROM assessment.police_uk_monthly")
    finally:
        con.close()
    assert forces == [("alpha", 3)]
    assert dq["Duplicate Crime IDs (extra copies not counted)"] == 1  # alpha's, not beta's
    assert search == [("same_point", outside[0], False)]  # at beta's point, outside the area
    assert monthly == [(1,)]
