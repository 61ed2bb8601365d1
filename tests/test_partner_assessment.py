"""The multi-agency assessment (sql/marts/partner_events_12m.sql, lsoa_source_counts.sql,
partner_reporting_period.sql; sql/assessment/partner_comparison.sql, partner_rates.sql,
partner_profiles.sql, partner_hotspots.sql, partner_deprivation.sql, hidden_violence.sql), its
suppression as published, flows/svna/findings.py and the multi-agency report, on one small
hand-built fixture and on hand-built frames.

Every expected count is worked out by hand from the fixture below (the arithmetic sits beside
it). Exact intervals are computed here from scipy's beta and chi-squared quantiles (the
textbook formulas), never by calling svna's own functions.

Geography: Northam (E07000201: N1..N6, 1,000 residents each, 6,000) and Southby (E07000202:
S1..S6, 2,000 each, 12,000) form the area, 18,000 residents; Gamma (G1) lies outside. 12 LSOAs
in the area, so each source has ceil(12 / 10) = 2 hotspots.

    LSOA  IMD   A&E  amb  probation  hosp(counts)  police.uk  force
    N1     1    20    5       3           .           12        15
    N2     1    10    5       2           7            3         .
    N3     2     6    .       2           .            .         .
    N4     3     3    .       .           .            .         .
    N5     5     .    .       .           .            .         .
    N6     5     1    .       .           .            .         .
    S1     2     6    6       3           .            3         .
    S2     3     4    .       .           .            .         5
    S3     5     2    .       .           4            .         .
    S4     8     2    .       .           .            .         .
    S5    10     3    .       .           .            .         .
    S6    10     3    .       2           .            .         .
    sum         60   16      12          11           18        20
  (North       40   10       7           7           15        15)
  (South       20    6       5           4 (+5 by district)  3  5)

Latest 12 months (partners, police.uk and the force extract alike): 2024-01 to 2024-12; the
previous 12: 2023-01 to 2023-12. A&E has every month of both years; the ambulance service
misses 2023-06; the hospital's counts cover 2023 (Southby, 5 a month) but only 2024-06 of the
latest year; probation sends quarterly snapshots.
"""

from __future__ import annotations

import os
import re
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import beta, chi2

from svna import datasets, exports, findings

from conftest import (
    STREET_HEADER,
    build_warehouse,
    rows_of,
    street_row,
    write_csv,
    write_reference,
    write_table,
)

NORTH, SOUTH, GAMMA = "E07000201", "E07000202", "E07000203"
NORTH_NAME, SOUTH_NAME = "Northam", "Southby <i>on</i> Sea"  # markup: the report escapes it
N = {i: f"E0110000{i}" for i in range(1, 7)}
S = {i: f"E0120000{i}" for i in range(1, 7)}
G1 = "E01300001"
AREA = "test-area"
IMD = {N[1]: 1, N[2]: 1, N[3]: 2, N[4]: 3, N[5]: 5, N[6]: 5,
       S[1]: 2, S[2]: 3, S[3]: 5, S[4]: 8, S[5]: 10, S[6]: 10}
LSOAS = ([(N[i], NORTH, NORTH_NAME, 1000, IMD[N[i]]) for i in range(1, 7)]
         + [(S[i], SOUTH, SOUTH_NAME, 2000, IMD[S[i]]) for i in range(1, 7)]
         + [(G1, GAMMA, "Gamma", 5000, 1)])
COLUMNS = {d.name: list(d.columns) for d in datasets.load_datasets()}
BASE_MTIME = 1_700_000_000


# --- A&E --------------------------------------------------------------------------------------
def ae(aid, date, lsoa, band, sex, place, time="20:30"):
    return {"site_code": "RXX01", "reporting_period_start": date[:7] + "-01",
            "reporting_period_end": date, "attendance_id": aid, "arrival_date": date,
            "arrival_time": "21:00", "assault_date": date, "assault_time": time,
            "assault_method": "body part (hit, kick, head-butt)", "location_type": place,
            "location_lsoa_code": lsoa, "age_band": band, "sex": sex}


def spread(n: int, year: int) -> list[str]:
    """n dates: the i-th in month (i mod 12) + 1 of the year, on day 1 + i div 12."""
    return [f"{year}-{i % 12 + 1:02d}-{1 + i // 12:02d}" for i in range(n)]


# Latest 12 months: (LSOA, attendances, age band, sex, location type). North is all street,
# South all home; ages: N1 18-24, N2 10-17, the rest of North 25-34, South 35-44.
AE_LATEST = [(N[1], 20, "18-24", "M", "street"), (N[2], 10, "10-17", "M", "street"),
             (N[3], 6, "25-34", "M", "street"), (N[4], 3, "25-34", "M", "street"),
             (N[6], 1, "25-34", "M", "street"),
             (S[1], 6, "35-44", "F", "home"), (S[2], 4, "35-44", "F", "home"),
             (S[3], 2, "35-44", "F", "home"), (S[4], 2, "35-44", "F", "home"),
             (S[5], 3, "35-44", "F", "home"), (S[6], 3, "35-44", "F", "home")]
# Previous 12 months: N1 two a month (24); S1 two a month in January to June only (12): the
# South has months without any, but the area has every month, so both compare. 36 in all.
AE_PREVIOUS = [(N[1], f"2023-{m:02d}-{d:02d}") for m in range(1, 13) for d in (10, 11)] + \
              [(S[1], f"2023-{m:02d}-{d:02d}") for m in range(1, 7) for d in (10, 11)]


def ae_rows() -> list[dict]:
    rows = []
    for lsoa, n, band, sex, place in AE_LATEST:
        rows += [ae(f"A-{lsoa}-{i}", date, lsoa, band, sex, place)
                 for i, date in enumerate(spread(n, 2024))]
    rows += [ae(f"P-{i}", date, lsoa, "25-34", "M", "street")
             for i, (lsoa, date) in enumerate(AE_PREVIOUS)]
    return rows


# --- the force extract: the first 15 of N1's attendances have a police record 30 minutes
# before (matched); S2 has 5 serious violence offences on the 20th (no attendance then); an
# assault without injury (105A, not serious violence) in N5; one in 2023-06 and one in Gamma.
def offence(ref, when, lsoa, code="8N"):
    return {"crime_reference": ref, "recorded_date": when[:10], "committed_from": when,
            "offence_code": code, "lsoa_code": lsoa, "knife_flag": "N", "firearm_flag": "N",
            "domestic_abuse_flag": "N", "outcome_code": "0"}


OFFENCES = ([offence(f"F{i}", f"{d} 20:00", N[1]) for i, d in enumerate(spread(15, 2024))]
            + [offence(f"G{m}", f"2024-{m:02d}-20 12:00", S[2]) for m in range(1, 6)]
            + [offence("H1", "2024-03-20 12:00", N[5], "105A"),
               offence("H2", "2023-06-15 12:00", N[1]),
               offence("H3", "2024-04-20 12:00", G1)])


# --- ambulance: the latest 12 months N1 5, N2 5, S1 6; the previous year one a month in N1
# but none in 2023-06, so the previous year is incomplete: no comparison.
def amb(iid, when, lsoa):
    return {"incident_id": iid, "call_datetime": when, "category": "assault",
            "longitude": "0.1", "latitude": "52.2", "lsoa_code": lsoa}


AMB = ([amb(f"M-{lsoa}-{i}", f"{d} 10:00", lsoa)
        for lsoa, n in ((N[1], 5), (N[2], 5), (S[1], 6)) for i, d in enumerate(spread(n, 2024))]
       + [amb(f"MP{m}", f"2023-{m:02d}-05 10:00", N[1]) for m in range(1, 13) if m != 6])


# --- probation: quarterly snapshots. On 2024-11-30 (the latest), 12 people with a violent
# index offence live in the area (N1 3, N2 2, N3 2; S1 3, S6 2), plus one in Gamma and one
# non-violent in N1. On 2023-11-30 (a year before) 8 (N1 3, N2 2; S1 3). The other snapshots
# repeat the same people: counting them again would give far more than 12.
# Ages: V1..V4 20 (18-24), the rest 30 (25+); V11 and V12 are women.
LATEST_CASELOAD = {"V1": N[1], "V2": N[1], "V3": N[1], "V4": N[2], "V5": N[2], "V6": N[3],
                   "V7": N[3], "V8": S[1], "V9": S[1], "V10": S[1], "V11": S[6], "V12": S[6]}
PREVIOUS_CASELOAD = {"V1": N[1], "V2": N[1], "V3": N[1], "V4": N[2], "V5": N[2],
                     "V8": S[1], "V9": S[1], "V10": S[1]}


def pr(pid, date, lsoa, violent="Y"):
    age = 20 if pid in ("V1", "V2", "V3", "V4") else 30
    return {"person_id": pid, "snapshot_date": date,
            "index_offence": "violence against the person" if violent == "Y" else "theft",
            "violent_index_offence": violent, "age": str(age),
            "sex": "F" if pid in ("V11", "V12") else "M", "lsoa_code": lsoa}


SNAPSHOTS = {
    "2023-08-31": PREVIOUS_CASELOAD,
    "2023-11-30": PREVIOUS_CASELOAD,
    "2024-02-29": LATEST_CASELOAD,
    "2024-05-31": LATEST_CASELOAD,
    "2024-08-31": {**LATEST_CASELOAD, "V13": S[2]},
    "2024-11-30": LATEST_CASELOAD,
}


def probation_files() -> dict[str, list[dict]]:
    files = {date: [pr(pid, date, lsoa) for pid, lsoa in people.items()]
             for date, people in SNAPSHOTS.items()}
    files["2024-11-30"] += [pr("V20", "2024-11-30", G1), pr("V21", "2024-11-30", N[1], "N")]
    return files


# --- hospital admissions supplied as counts (2024-06): N2 7, S3 4, Southby as a district 5;
# Gamma's LSOA 9 and a suppressed count are not counted. In 2023 Southby's counts came every
# month (5 each), but of the latest 12 months only 2024-06 came: not two full years, no
# comparison (16 against 60 would seem a fall beyond chance).
def agg(area, count, suppressed="N", month="2024-06"):
    return {"source": "hospital_admissions", "measure": "assault admissions",
            "month": month, "area_code": area, "count": count, "suppressed": suppressed}


AGG = ([agg(N[2], "7"), agg(S[3], "4"), agg(SOUTH, "5"), agg(G1, "9"), agg(S[4], "", "Y")]
       + [agg(SOUTH, "5", month=f"2023-{m:02d}") for m in range(1, 13)])


# --- police.uk street records: N1 one a month (12, violence), N2 3 robberies, S1 3 weapons
# possessions; not counted: anti-social behaviour in N3, a repeated Crime ID, a crime in
# 2023-12 (before the latest 12 months) and two in Gamma.
def street_rows() -> dict[str, list[list]]:
    months: dict[str, list[list]] = {}

    def add(month, *row_args):
        months.setdefault(month, []).append(street_row(*row_args))

    for m in range(1, 13):
        add(f"2024-{m:02d}", f"v{m:02d}" * 8, f"2024-{m:02d}", N[1],
            "Violence and sexual offences")
    for i in range(3):
        add("2024-03", f"r{i}" * 16, "2024-03", N[2], "Robbery")
        add("2024-04", f"w{i}" * 16, "2024-04", S[1], "Possession of weapons")
    add("2024-05", "", "2024-05", N[3], "Anti-social behaviour")
    add("2024-06", "v01" * 8, "2024-06", N[1], "Violence and sexual offences")  # repeated id
    add("2023-12", "o1" * 16, "2023-12", N[1], "Violence and sexual offences")
    add("2024-07", "g1" * 16, "2024-07", G1, "Robbery")
    add("2024-07", "g2" * 16, "2024-07", G1, "Robbery")
    return months


# --- Census 2021 by district: TS007 50 residents of each age 0..100 in Northam, 100 in
# Southby: 10-17 is 8 years (400 + 800 = 1,200), 18-24 7 years (1,050), 25+ 76 years
# (11,400), 0-9 10 years (1,500).
def write_census(raw: Path) -> None:
    write_csv(raw / "reference" / "census2021_ts007_age.csv", COLUMNS["ref_census_age"],
              [[lad, name, age, f"Aged {age} years", per]
               for lad, name, per in ((NORTH, NORTH_NAME, 50), (SOUTH, SOUTH_NAME, 100),
                                      (GAMMA, "Gamma", 1000))
               for age in range(101)], crlf=False)


def write_fixture(raw: Path) -> None:
    write_reference(raw, LSOAS)
    write_census(raw)
    p = raw / "partners"
    write_table(p / "ae_assaults" / "ae.csv", "ae_assaults", ae_rows())
    write_table(p / "ambulance_callouts" / "amb.csv", "ambulance_callouts", AMB)
    for date, rows in probation_files().items():
        write_table(p / "probation_caseload" / f"caseload_{date}.csv", "probation_caseload",
                    rows)
    write_table(p / "partner_aggregates" / "hospital.csv", "partner_aggregates", AGG)
    write_table(raw / "force_extract" / "offences.csv", "force_offences", OFFENCES)
    for month, rows in street_rows().items():
        write_csv(raw / "police_uk" / month / f"{month}-test-street.csv", STREET_HEADER, rows)
    for path in raw.rglob("*.csv"):
        os.utime(path, (BASE_MTIME, BASE_MTIME))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    raw = tmp_path_factory.mktemp("assessment") / "raw"
    write_fixture(raw)
    c = build_warehouse(raw, raw.parent / "w.duckdb", [NORTH, SOUTH])
    yield c
    c.close()


# --- exact 95% limits, from the textbook formulas ---------------------------------------------
def poisson_limits(n: int) -> tuple[float, float]:
    """Garwood: chi-squared quantiles with 2n and 2n + 2 degrees of freedom, halved."""
    return (0.0 if n == 0 else chi2.ppf(0.025, 2 * n) / 2), chi2.ppf(0.975, 2 * n + 2) / 2


def ratio_limits(a: int, b: int) -> tuple[float, float]:
    """a / b of two Poisson counts: the Clopper-Pearson limits p of a's share of a + b,
    turned into odds p / (1 - p)."""
    lower = 0.0 if a == 0 else beta.ppf(0.025, a, b + 1)
    upper = beta.ppf(0.975, a + 1, b)
    return lower / (1 - lower), upper / (1 - upper)


def proportion_limits(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson."""
    return (0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1),
            1.0 if k == n else beta.ppf(0.975, k + 1, n - k))


def approx_rows(rows):
    """Compare floats to 1e-9 (the tables round; the expected values are rounded alike)."""
    return [tuple(pytest.approx(x, abs=1e-9) if isinstance(x, float) else x for x in r)
            for r in rows]


def plain(rows):
    """numpy and Decimal scalars as Python numbers."""
    return [tuple(float(x) if hasattr(x, "as_integer_ratio") and not isinstance(x, int)
                  else x for x in r) for r in rows]


# --- the reporting period and what counts -----------------------------------------------------
def test_reporting_period(con):
    # first partner record 2023-01 (A&E and ambulance), latest 2024-12; 2024-12 - 11 months =
    # 2024-01; the previous 12: 2024-12 - 23 = 2023-01 to 2024-12 - 12 = 2023-12
    assert rows_of(con, "SELECT * FROM marts.partner_reporting_period") == [
        ("2023-01", "2024-12", "2024-01", "2023-01", "2023-12")]


def test_partner_events_count_a_caseload_once(con):
    # the 2024 snapshots hold 12 + 12 + 13 + 14 rows (4 of them in the latest 12 months);
    # only the latest snapshot's 12 violent people in the area count, once each
    assert rows_of(con, "SELECT count(*), count(DISTINCT person_id), min(event_date)::VARCHAR, "
                        "max(event_date)::VARCHAR FROM marts.partner_events_12m "
                        "WHERE source = 'probation_caseload'") == [
        (12, 12, "2024-11-30", "2024-11-30")]
    # a flow counts every record of the 12 months: A&E 60, ambulance 16 (the previous year's
    # 36 and 11 left out); the hospital's counts are not records
    assert rows_of(con, "SELECT source, count(*) FROM marts.partner_events_12m "
                        "GROUP BY source ORDER BY source") == [
        ("ae_assaults", 60), ("ambulance_callouts", 16), ("probation_caseload", 12)]


def test_lsoa_source_counts(con):
    got = rows_of(con, "SELECT source, lsoa21_code, events FROM marts.lsoa_source_counts "
                       "ORDER BY source, lsoa21_code")
    assert got == [
        # the table in the module docstring, LSOAs with none left out
        ("ae_assaults", N[1], 20), ("ae_assaults", N[2], 10), ("ae_assaults", N[3], 6),
        ("ae_assaults", N[4], 3), ("ae_assaults", N[6], 1), ("ae_assaults", S[1], 6),
        ("ae_assaults", S[2], 4), ("ae_assaults", S[3], 2), ("ae_assaults", S[4], 2),
        ("ae_assaults", S[5], 3), ("ae_assaults", S[6], 3),
        ("ambulance_callouts", N[1], 5), ("ambulance_callouts", N[2], 5),
        ("ambulance_callouts", S[1], 6),
        # counts by LSOA only: Southby's district count (5), Gamma (9), the suppressed blank
        ("hospital_admissions", N[2], 7), ("hospital_admissions", S[3], 4),
        # force: N1's 15 and S2's 5; not the 105A (not serious violence), 2023-06 or Gamma
        ("police_force", N[1], 15), ("police_force", S[2], 5),
        # police.uk: 12 + 3 + 3; not the repeated Crime ID, anti-social behaviour, 2023-12 or
        # Gamma
        ("police_uk", N[1], 12), ("police_uk", N[2], 3), ("police_uk", S[1], 3),
        # the latest snapshot only
        ("probation_caseload", N[1], 3), ("probation_caseload", N[2], 2),
        ("probation_caseload", N[3], 2), ("probation_caseload", S[1], 3),
        ("probation_caseload", S[6], 2),
    ]


# --- partner_comparison -----------------------------------------------------------------------
P_LATEST, P_PREVIOUS = "2024-01 to 2024-12", "2023-01 to 2023-12"


def compared(level, code, name, order, source, latest, previous):
    """An expected row: change and ratio from the counts (rounded as the table rounds)."""
    if previous is None:
        return (level, code, name, order, source, P_LATEST, P_PREVIOUS, latest,
                None, None, None, None, None)
    lower, upper = ratio_limits(latest, previous)
    return (level, code, name, order, source, P_LATEST, P_PREVIOUS, latest, previous,
            round(100 * (latest - previous) / previous, 1), round(latest / previous, 3),
            round(lower, 3), round(upper, 3))


def test_partner_comparison(con):
    got = rows_of(con, "SELECT * FROM assessment.partner_comparison")
    area, north, south = (("area", AREA, "Test area", 0), ("district", NORTH, NORTH_NAME, 1),
                          ("district", SOUTH, SOUTH_NAME, 2))
    expected = [
        # A&E: 60 against 36 (every month of 2023 has attendances in the area), +66.7%;
        # its interval 1.085 to 2.594 excludes 1: a rise beyond chance
        compared(*area, "ae_assaults", 60, 36),
        # hospital counts: only 2024-06 of the latest 12 months; ambulance: 2023-06 missing
        compared(*area, "hospital_admissions", 16, None),    # 7 + 4 + 5 (district count)
        compared(*area, "ambulance_callouts", 16, None),
        # probation: the 2024-11-30 snapshot's 12 against the 2023-11-30 snapshot's 8
        compared(*area, "probation_caseload", 12, 8),
        compared(*north, "ae_assaults", 40, 24),
        compared(*north, "hospital_admissions", 7, None),
        compared(*north, "ambulance_callouts", 10, None),
        compared(*north, "probation_caseload", 7, 5),
        # Southby had A&E attendances in only 6 months of 2023: it compares all the same
        compared(*south, "ae_assaults", 20, 12),
        compared(*south, "hospital_admissions", 9, None),    # 4 + 5
        compared(*south, "ambulance_callouts", 6, None),
        compared(*south, "probation_caseload", 5, 3),
    ]
    assert got == approx_rows(expected)
    # by hand: 60 / 36 = 1.667; the exact limits round to 1.085 and 2.594
    assert got[0][-3:] == (1.667, 1.085, 2.594)


def test_partner_rates(con):
    got = plain(rows_of(con, "SELECT geography_code, source, violence, period, population, "
                             "rate_per_1000, ci_lower, ci_upper FROM assessment.partner_rates"))
    # rate = 1000 * violence / residents (area 18,000; Northam 6,000; Southby 12,000)
    table = [(AREA, 18000, {"ae_assaults": 60, "hospital_admissions": 16,
                            "ambulance_callouts": 16, "probation_caseload": 12}),
             (NORTH, 6000, {"ae_assaults": 40, "hospital_admissions": 7,
                            "ambulance_callouts": 10, "probation_caseload": 7}),
             (SOUTH, 12000, {"ae_assaults": 20, "hospital_admissions": 9,
                             "ambulance_callouts": 6, "probation_caseload": 5})]
    expected = []
    for code, pop, counts in table:
        for source, n in counts.items():
            lower, upper = poisson_limits(n)
            expected.append((code, source, n, P_LATEST, pop, round(1000 * n / pop, 2),
                             round(1000 * lower / pop, 2), round(1000 * upper / pop, 2)))
    assert got == approx_rows(expected)
    assert got[0][5] == 3.33  # 60 / 18 = 3.333...


# --- partner_hotspots -------------------------------------------------------------------------
# Each source's LSOAs by hand from the docstring's table, most first, ties by code; the first
# two with any are its hotspots.
RANKED = {
    "police_uk": [(N[1], 12), (N[2], 3), (S[1], 3)],          # N2 before S1 (code)
    "police_force": [(N[1], 15), (S[2], 5)],
    "ae_assaults": [(N[1], 20), (N[2], 10), (N[3], 6), (S[1], 6), (S[2], 4), (N[4], 3),
                    (S[5], 3), (S[6], 3), (S[3], 2), (S[4], 2), (N[6], 1)],
    "hospital_admissions": [(N[2], 7), (S[3], 4)],
    "ambulance_callouts": [(S[1], 6), (N[1], 5), (N[2], 5)],  # N2 ties with N1: not a hotspot
    "probation_caseload": [(N[1], 3), (S[1], 3), (N[2], 2), (N[3], 2), (S[6], 2)],
}
# Hotspots: N1 for police.uk, force, A&E, ambulance, probation (5); N2 for police.uk, A&E,
# hospital (3); S1 for ambulance and probation (2); S2 force (1); S3 hospital (1).
AGREEING = {N[1]: 5, N[2]: 3, S[1]: 2, S[2]: 1, S[3]: 1}
SOURCE_ORDER = ["police_uk", "police_force", "ae_assaults", "hospital_admissions",
                "ambulance_callouts", "probation_caseload"]


def expected_hotspots() -> list[tuple]:
    every = [N[i] for i in range(1, 7)] + [S[i] for i in range(1, 7)]
    rows = {}
    for source, ranked in RANKED.items():
        with_events = [code for code, _ in ranked]
        order = with_events + [c for c in every if c not in with_events]  # zeros by code
        events = dict(ranked)
        for rank, code in enumerate(order, start=1):
            rows[(code, source)] = (events.get(code, 0), rank,
                                    rank <= 2 and events.get(code, 0) > 0)
    lsoas = sorted(every, key=lambda c: (-AGREEING.get(c, 0), c))
    return [(code, source, *rows[(code, source)], AGREEING.get(code, 0), 6)
            for code in lsoas for source in SOURCE_ORDER]


def test_partner_hotspots(con):
    got = rows_of(con, "SELECT lsoa21_code, source, events, rank_in_source, is_hotspot, "
                       "sources_agreeing, sources_compared FROM assessment.partner_hotspots")
    assert got == expected_hotspots()
    # names, districts and deciles come from the lookups
    assert rows_of(con, "SELECT DISTINCT lsoa21_name, lad_code, lad_name, imd_decile "
                        "FROM assessment.partner_hotspots WHERE lsoa21_code = ?", [S[1]]) == [
        (f"{SOUTH_NAME} 006A", SOUTH, SOUTH_NAME, 2)]


# --- partner_deprivation ----------------------------------------------------------------------
# Deciles of the area: (decile, LSOAs, residents)
DECILES = [(1, 2, 2000), (2, 2, 3000), (3, 2, 3000), (5, 3, 4000), (8, 1, 2000), (10, 2, 4000)]
# events by decile: A&E d1 N1 20 + N2 10 = 30; d2 N3 6 + S1 6 = 12; d3 N4 3 + S2 4 = 7;
# d5 N5 0 + N6 1 + S3 2 = 3; d8 S4 2; d10 S5 3 + S6 3 = 6.
# Probation d1 3 + 2 = 5; d2 N3 2 + S1 3 = 5; d10 S6 2.
DEPRIVATION_EVENTS = {
    "police_uk": [15, 3, 0, 0, 0, 0],
    "police_force": [15, 0, 5, 0, 0, 0],
    "ae_assaults": [30, 12, 7, 3, 2, 6],
    "hospital_admissions": [7, 0, 0, 4, 0, 0],
    "ambulance_callouts": [10, 6, 0, 0, 0, 0],
    "probation_caseload": [5, 5, 0, 0, 0, 2],
}


def expected_deprivation(source: str) -> list[tuple]:
    """Rates per 1,000 and the ratio to decile 10 (the least deprived of the area): the ratio
    of the counts' exact limits times residents of decile 10 / residents of the decile."""
    events = DEPRIVATION_EVENTS[source]
    ref_events, ref_pop = events[-1], DECILES[-1][2]
    rows = []
    for (decile, lsoas, pop), n in zip(DECILES, events, strict=True):
        lower, upper = poisson_limits(n)
        ratio = (None, None, None)
        if ref_events:
            r_lower, r_upper = ratio_limits(n, ref_events)
            ratio = (round((n / pop) / (ref_events / ref_pop), 2),
                     round(r_lower * ref_pop / pop, 2), round(r_upper * ref_pop / pop, 2))
        rows.append((source, decile, lsoas, pop, n, round(1000 * n / pop, 2),
                     round(1000 * lower / pop, 2), round(1000 * upper / pop, 2), 10,
                     decile == 10, *ratio))
    return rows


def test_partner_deprivation(con):
    got = rows_of(con, "SELECT * FROM assessment.partner_deprivation")
    expected = [r for source in SOURCE_ORDER for r in expected_deprivation(source)]
    # the reference row's own ratio is 1 with no interval: it is compared with nothing
    expected = [r[:10] + ((1.0, None, None) if r[9] and r[10] is not None else r[10:])
                for r in expected]
    assert got == approx_rows(expected)
    by_decile = {r[1]: r for r in got if r[0] == "ae_assaults"}
    # by hand: d1 30 / 2,000 = 15 per 1,000; d10 6 / 4,000 = 1.5; ratio 10
    assert by_decile[1][5] == 15.0 and by_decile[10][5] == 1.5 and by_decile[1][10] == 10.0
    # d1 limits: 30/6 has limits 2.0477 and 14.6936; times 4,000 / 2,000
    assert by_decile[1][11:] == (4.10, 29.39)
    # no violence in decile 10: no ratio (police.uk, the force, hospital, ambulance)
    assert {r[0] for r in got if r[10] is None} == {
        "police_uk", "police_force", "hospital_admissions", "ambulance_callouts"}


# --- partner_profiles -------------------------------------------------------------------------
def profile(source, dimension, value, n, total, population=None):
    rate = (None, None, None)
    if population:
        lower, upper = poisson_limits(n)
        rate = (round(1000 * n / population, 2), round(1000 * lower / population, 2),
                round(1000 * upper / population, 2))
    return (source, dimension, value, n, round(100 * n / total, 1), population, *rate)


def test_partner_profiles(con):
    got = rows_of(con, "SELECT * FROM assessment.partner_profiles")
    assert got == approx_rows([
        # A&E's own bands: 10-17 and 18-24 match the configured bands (residents 1,200 and
        # 1,050, see write_census), 25-34 and 35-44 do not: no rate
        profile("ae_assaults", "Age band", "10-17", 10, 60, 1200),  # 8.33 per 1,000
        profile("ae_assaults", "Age band", "18-24", 20, 60, 1050),  # 19.05
        profile("ae_assaults", "Age band", "25-34", 10, 60),
        profile("ae_assaults", "Age band", "35-44", 20, 60),
        profile("ae_assaults", "Sex", "Female", 20, 60),             # South
        profile("ae_assaults", "Sex", "Male", 40, 60),
        # A&E holds no ethnicity, the ambulance service nothing: left out, not "Not recorded"
        # probation at the latest snapshot: V1..V4 aged 20, eight aged 30 (25+: 11,400)
        profile("probation_caseload", "Age band", "18-24", 4, 12, 1050),
        profile("probation_caseload", "Age band", "25+", 8, 12, 11400),
        profile("probation_caseload", "Sex", "Female", 2, 12),       # V11, V12
        profile("probation_caseload", "Sex", "Male", 10, 12),
    ])
    assert got[0][6:] == (8.33, 4.0, 15.33)  # 10 / 1.2; 4.7954 / 1.2; 18.3904 / 1.2


# --- hidden_violence --------------------------------------------------------------------------
def test_hidden_violence(con):
    got = rows_of(con, "SELECT * FROM assessment.hidden_violence")

    def row(dimension, value, n, k):
        lower, upper = proportion_limits(k, n)
        return (dimension, value, n, k, round(100 * k / n, 1), round(100 * lower, 1),
                round(100 * upper, 1))

    assert got == approx_rows([
        # 60 attendances; the first 15 of N1's have an offence 30 minutes before in N1
        row("All", "All attendances", 60, 45),             # 75.0%, 62.1 to 85.3
        row("Location type", "street", 40, 25),            # North: 40 - 15
        row("Location type", "home", 20, 20),              # South: no police record at all
        row("Time", "Other times", 60, 45),                # all at 20:30
    ])
    # by hand: 20 of 20 has the lower limit 0.025 ** (1 / 20) = 0.8316
    assert got[2][5:] == (83.2, 100.0)


# --- suppression as published (threshold 5) ---------------------------------------------------
def published(con, name):
    return exports.publishable_frame(con, exports.published_table(name), 5)


def hidden_cells(frame, count, *keys):
    return {tuple(r) for r in frame.loc[frame[f"{count}_suppressed"] == "yes", list(keys)]
            .itertuples(index=False)}


MULTIAGENCY_TABLES = ["partner_monthly", "partner_comparison", "partner_rates",
                      "partner_profiles", "partner_hotspots", "partner_deprivation",
                      "cohort_overlaps", "hidden_violence"]


def test_no_small_count_is_published(con):
    for name in MULTIAGENCY_TABLES:
        rule = exports.published_table(name).suppress
        frame = published(con, name)
        for count in rule["count"] if isinstance(rule["count"], list) else [rule["count"]]:
            small = frame[(frame[count] >= 1) & (frame[count] <= 4)]
            assert small.empty, (name, count, small)


def test_published_comparison_hides_a_small_previous_year(con):
    frame = published(con, "partner_comparison")
    # no latest count is below 5 (the smallest: Southby's probation, 5)
    assert not (frame["latest_12_suppressed"] == "yes").any()
    # Southby's probation had 3 a year before: hidden, and Northam's 5 with it, since the
    # area's 8 is published (8 - 5 = 3); the ratios that would give them back go too
    assert hidden_cells(frame, "previous_12", "geography_code", "source") == {
        (NORTH, "probation_caseload"), (SOUTH, "probation_caseload")}
    probation = frame[frame["source"] == "probation_caseload"].set_index("geography_code")
    assert probation.loc[AREA, "previous_12"] == 8 and probation.loc[AREA, "ratio"] == 1.5
    for district in (NORTH, SOUTH):
        row = probation.loc[district]
        assert row[["previous_12", "pct_change", "ratio", "ratio_ci_lower",
                    "ratio_ci_upper"]].isna().all()
        assert row["latest_12"] in (7, 5)  # the latest counts stay


def test_published_hotspots(con):
    frame = published(con, "partner_hotspots")
    # by source (every LSOA adds up to the source's total) and by district (to the district's
    # total, published in partner_comparison):
    #   police.uk: N2 3, S1 3 hidden; N2 alone in Northam beside N1 12 -> N1 too
    #   A&E: N4 3, N6 1 (two in Northam), S2 4, S3 2, S4 2, S5 3, S6 3
    #   hospital: S3 4 alone in the source -> N2 7 too; each alone in its district, so a
    #   zero beside each hides (N1, S1), and N3, a zero alone with N2 in decile 2
    #   police.uk's S1, alone in Southby, likewise hides S2 (0), then N4 (0) in decile 3
    #   probation: all five (2 and 3 each)
    assert hidden_cells(frame, "events", "source", "lsoa21_code") == {
        ("police_uk", N[1]), ("police_uk", N[2]), ("police_uk", S[1]),
        ("police_uk", N[4]), ("police_uk", S[2]),
        ("hospital_admissions", N[1]), ("hospital_admissions", N[3]),
        ("hospital_admissions", S[1]),
        ("ae_assaults", N[4]), ("ae_assaults", N[6]), ("ae_assaults", S[2]),
        ("ae_assaults", S[3]), ("ae_assaults", S[4]), ("ae_assaults", S[5]),
        ("ae_assaults", S[6]),
        ("hospital_admissions", N[2]), ("hospital_admissions", S[3]),
        ("probation_caseload", N[1]), ("probation_caseload", N[2]),
        ("probation_caseload", N[3]), ("probation_caseload", S[1]),
        ("probation_caseload", S[6])}
    hidden = frame["events_suppressed"] == "yes"
    assert frame.loc[hidden, "rank_in_source"].isna().all()
    # what is shown stays: the flags, and the ranks and counts of the rest
    assert frame.loc[hidden, "is_hotspot"].sum() == 6  # police.uk N1 N2, hospital N2 S3,
    assert frame.loc[~hidden, "rank_in_source"].notna().all()  # probation N1 S1


def test_hotspot_suppression_holds_within_a_district_and_a_decile():
    """A district's LSOAs add up to the district's count in partner_comparison, a decile's to
    the decile's in partner_deprivation: one hidden LSOA in a district (or decile) with shown
    ones beside it could be worked out by subtraction."""
    frame = pd.DataFrame({
        "lsoa21_code": ["a", "b", "c", "d", "e", "f"],
        "lad_code": [NORTH] * 3 + [SOUTH] * 3, "imd_decile": [1, 1, 2, 2, 3, 3],
        "source": "ae_assaults", "events": [3, 10, 10, 20, 7, 30],
        "rank_in_source": [6, 3, 4, 2, 5, 1]})
    # the source: a (3) hidden -> e (7) too; Northam (23 published): a alone -> b (10);
    # Southby: e alone -> d (20); decile 1: a, b; decile 2: d alone -> c (10); decile 3: e
    # alone -> f (30). Had only a and e been hidden, Northam's 23 - 10 - 10 = 3 gives a back.
    out = hotspots_as_published(frame, elsewhere_hidden())
    hidden = out["events_suppressed"] == "yes"
    assert set(out.loc[hidden, "lsoa21_code"]) == {"a", "b", "c", "d", "e", "f"}
    for key in ("lad_code", "imd_decile"):
        assert (hidden.groupby(out[key]).sum() != 1).all()


def elsewhere_hidden(deciles=(), in_comparison=(), in_rates=()):
    """partner_deprivation, partner_comparison and partner_rates as published: ae_assaults in
    deciles 1 to 4 and three districts, hiding the figures of the deciles and districts given."""
    codes = [NORTH, SOUTH, GAMMA]

    def flags(hidden, keys):
        return ["yes" if key in hidden else "" for key in keys]

    def districts(count, hidden):
        return pd.DataFrame({"geography_level": "district", "geography_code": codes,
                             "source": "ae_assaults", f"{count}_suppressed": flags(hidden, codes)})
    return {
        "partner_deprivation": pd.DataFrame({"source": "ae_assaults", "imd_decile": [1, 2, 3, 4],
                                             "events_suppressed": flags(deciles, [1, 2, 3, 4])}),
        "partner_comparison": districts("latest_12", in_comparison),
        "partner_rates": districts("violence", in_rates),
    }


def hotspots_as_published(frame, published):
    return exports.suppress_for_publication(
        frame, exports.published_table("partner_hotspots"), 5, published)


@pytest.mark.parametrize(("rates_hide_third", "expected"), [
    (False, {"a", "c", "e", "f"}),
    (True, {"a", "c", "e", "f", "h", "i"}),
])
def test_hotspots_hide_a_part_of_a_total_hidden_elsewhere(rates_hide_third, expected):
    """partner_deprivation hides deciles 1 and 2 (secondary suppression): their LSOAs, all 5
    or more, would add up to them. A district hidden in partner_comparison but shown in
    partner_rates is known all the same; hidden in both, it is not."""
    third = GAMMA
    frame = pd.DataFrame({
        "lsoa21_code": list("abcdefhi"),
        "lad_code": [NORTH] * 4 + [SOUTH] * 2 + [third] * 2,
        "imd_decile": [1, 1, 2, 2, 3, 3, 4, 4],
        "source": "ae_assaults", "events": [10, 12, 11, 13, 2, 3, 40, 50],
        "rank_in_source": range(1, 9)})
    # e (2) and f (3) hide each other in the source, Southby and decile 3. Decile 1's total
    # is hidden, so its smallest, a (10), goes; decile 2: c (11); Northam then has a and c,
    # enough. The third district hidden in both tables: h (40); decile 4 (shown) takes i (50).
    published = elsewhere_hidden(deciles=[1, 2], in_comparison=[third],
                                 in_rates=[third] if rates_hide_third else [])
    out = hotspots_as_published(frame, published)
    assert set(out.loc[out["events_suppressed"] == "yes", "lsoa21_code"]) == expected
    # without the other tables' hidden cells, all four of deciles 1 and 2 were shown
    plain = hotspots_as_published(frame, elsewhere_hidden())
    assert set(plain.loc[plain["events_suppressed"] == "yes", "lsoa21_code"]) == {"e", "f"}


def test_hotspots_need_the_tables_publishing_their_totals():
    frame = pd.DataFrame({"lsoa21_code": ["a"], "lad_code": [NORTH], "imd_decile": [1],
                          "source": "ae_assaults", "events": [3], "rank_in_source": [1]})
    with pytest.raises(exports.ExportError, match="needs partner_deprivation"):
        exports.suppress_for_publication(frame, exports.published_table("partner_hotspots"), 5)


def test_published_deprivation(con):
    frame = published(con, "partner_deprivation")
    # police.uk d2 3 -> d1 15 too; A&E d5 3, d8 2; hospital d5 4 -> d1 7; probation d10 2
    # (the reference) -> d1 5 (ties with d2: the first)
    assert hidden_cells(frame, "events", "source", "imd_decile") == {
        ("police_uk", 1), ("police_uk", 2), ("ae_assaults", 5), ("ae_assaults", 8),
        ("hospital_admissions", 1), ("hospital_admissions", 5),
        ("probation_caseload", 1), ("probation_caseload", 10)}
    by = frame.set_index(["source", "imd_decile"])
    # a hidden reference would come back from any ratio (events / ratio): all of probation's go
    assert by.loc["probation_caseload", "rate_ratio"].isna().all()
    assert by.loc[("probation_caseload", 2), "events"] == 5
    # A&E keeps its ratios except where its own count is hidden
    assert by.loc["ae_assaults", "rate_ratio"].tolist() == pytest.approx(
        [10.0, 2.67, 1.56, float("nan"), float("nan"), 1.0], nan_ok=True)
    assert by.loc[("ae_assaults", 5), ["rate_per_1000", "ci_lower", "ci_upper"]].isna().all()


def test_published_profiles(con):
    frame = published(con, "partner_profiles")
    # probation: 18-24 4 -> 25+ 8; Female 2 -> Male 10; A&E all 10 or more
    assert hidden_cells(frame, "records", "source", "dimension", "value") == {
        ("probation_caseload", "Age band", "18-24"), ("probation_caseload", "Age band", "25+"),
        ("probation_caseload", "Sex", "Female"), ("probation_caseload", "Sex", "Male")}
    probation = frame[frame["source"] == "probation_caseload"]
    assert probation[["share_pct", "rate_per_1000", "ci_lower", "ci_upper"]].isna().all().all()
    # the residents are not a count of the source's people: they stay
    assert probation["population"].tolist() == [1050, 11400, None, None] or \
        probation["population"].iloc[:2].tolist() == [1050, 11400]


def test_published_monthly_hides_records_with_violence(con):
    frame = published(con, "partner_monthly")
    # an A&E or ambulance record is violence: records would give every hidden violence count
    # back (the ambulance's one a month in Northam, say)
    hidden = frame["violence_suppressed"] == "yes"
    assert hidden.any() and frame.loc[hidden, "records"].isna().all()
    amb_north = frame[(frame["source"] == "ambulance_callouts")
                      & (frame["geography_code"] == NORTH) & (frame["month"] == "2024-01")]
    assert amb_north[["records", "violence"]].isna().all().all()  # N1 1 + N2 1 in January


def test_hidden_violence_suppression_covers_attendances():
    """A handful of attendances is a count of people too, even with none unmatched."""
    frame = pd.DataFrame({
        "dimension": ["All", "Location type", "Location type", "Location type"],
        "value": ["All attendances", "street", "home", "school"],
        "attendances": [60, 40, 17, 3], "no_police_record": [42, 25, 17, 0],
        "no_police_record_pct": [70.0, 62.5, 100.0, 0.0], "pct_ci_lower": [57.0, 45.8, 80.5, 0.0],
        "pct_ci_upper": [80.8, 77.3, 100.0, 70.8]})
    out = exports.suppress_for_publication(frame, exports.published_table("hidden_violence"), 5)
    # school's 3 attendances hidden, and home's 17 (the smallest other) since 60 is published
    assert out["attendances"].tolist()[:2] == [60, 40]
    assert out["attendances"].iloc[2:].isna().all()
    assert out["no_police_record_pct"].iloc[2:].isna().all()
    assert out["attendances_suppressed"].tolist() == ["", "", "yes", "yes"]


def _hidden_violence_frame(attendances, no_police_record) -> pd.DataFrame:
    return pd.DataFrame({
        "dimension": ["All", "Location type", "Location type", "Location type"],
        "value": ["All attendances", "street", "home", "other"],
        "attendances": attendances, "no_police_record": no_police_record,
        "no_police_record_pct": [100.0 * n / a for a, n in zip(attendances, no_police_record,
                                                               strict=True)],
        "pct_ci_lower": [0.0] * 4, "pct_ci_upper": [100.0] * 4})


def test_hidden_violence_hides_a_small_number_matched_to_police_records():
    """attendances - no_police_record counts the people matched to a police record: where that
    is 1 to 4, no_police_record (and its %) is hidden, or the published attendances would give
    it away; the secondary rule then protects the hidden one within its group."""
    table = exports.published_table("hidden_violence")
    # matched: All 3, street 0, home 2, other 1 -> hidden in All, home and other
    out = exports.suppress_for_publication(
        _hidden_violence_frame([60, 40, 14, 6], [57, 40, 12, 5]), table, 5)
    assert out["no_police_record"].isna().tolist() == [True, False, True, True]
    assert out["no_police_record_pct"].isna().tolist() == [True, False, True, True]
    assert out["attendances"].tolist() == [60, 40, 14, 6]  # none of them small
    # matched: All 12, street 5, home 2 (hidden), other 5; home alone hidden in its group
    # would be 48 - 25 - 5: the smallest other, other's 5, goes too
    out = exports.suppress_for_publication(
        _hidden_violence_frame([60, 30, 20, 10], [48, 25, 18, 5]), table, 5)
    assert out["no_police_record"].tolist()[:2] == [48, 25]
    assert out["no_police_record"].iloc[2:].isna().all()
    assert out["no_police_record_suppressed"].tolist() == ["", "", "yes", "yes"]


# --- findings.py on hand-built frames ---------------------------------------------------------
LABELS = {"ae_assaults": "A&E", "ambulance_callouts": "Ambulance", "probation_caseload":
          "Probation", "hospital_admissions": "Hospital", "youth_justice": "Youth justice",
          "school_exclusions": "Schools", "social_care_assessments": "Social care",
          "police_victims": "Victims", "police_suspects": "Suspects"}


def change(source, latest, previous, pct=None, ratio=None, lower=None, upper=None, **extra):
    return {"source": source, "latest_12": latest, "previous_12": previous, "pct_change": pct,
            "ratio": ratio, "ratio_ci_lower": lower, "ratio_ci_upper": upper, **extra}


def test_change_findings():
    rows = [
        change("ae_assaults", 60, 36, 66.7, 1.667, 1.085, 2.594),      # interval above 1
        change("ambulance_callouts", 20, 40, -50.0, 0.5, 0.28, 0.86),  # below 1
        change("probation_caseload", 12, 8, 50.0, 1.5, 0.56, 4.23),    # includes 1
        change("hospital_admissions", 16, None),                        # no previous year
        change("youth_justice", None, None),                            # suppressed: unsaid
    ]
    assert findings.change_findings(rows, LABELS) == [
        "A&E rose by 67%, from 36 to 60 (95% confidence interval for the ratio 1.08 to 2.59): "
        "more than chance variation would explain.",
        "Ambulance fell by 50%, from 40 to 20 (95% confidence interval for the ratio 0.28 to "
        "0.86): more than chance variation would explain.",
        "No other source changed by more than chance variation between the latest 12 months "
        "and the 12 before (change, and the 95% interval of the ratio): Probation +50% "
        "(0.56 to 4.23).",
        "There are not two full years to compare (every month of the latest 12 and the 12 "
        "before, or a snapshot a year before the latest) for: Hospital.",
    ]


def test_change_findings_all_within_chance():
    rows = [change("probation_caseload", 12, 8, 50.0, 1.5, 0.56, 4.23),
            change("ae_assaults", 30, 33, -9.1, 0.909, 0.54, 1.52)]
    assert findings.change_findings(rows, LABELS) == [
        "No source changed by more than chance variation between the latest 12 months and the "
        "12 before (change, and the 95% interval of the ratio): Probation +50% (0.56 to 4.23); "
        "A&E -9% (0.54 to 1.52)."]


def test_change_findings_none_in_the_previous_year_is_not_a_missing_year():
    # a full previous year with nothing in it: the ratio has no upper limit, but the year was
    # there; and a previous count hidden by suppression is left unsaid, not called missing
    rows = [change("ae_assaults", 12, 0, None, None, 2.3, None),
            change("probation_caseload", 12, None, previous_12_suppressed="yes")]
    found = findings.change_findings(rows, LABELS)
    assert found == ["A&E had none in the previous 12 months and 12 in the latest 12."]


def hidden_frame(groups):
    rows = [("All", "All attendances", 60, 45, 75.0, 62.1, 85.3)] + groups
    return pd.DataFrame(rows, columns=["dimension", "value", "attendances", "no_police_record",
                                       "no_police_record_pct", "pct_ci_lower", "pct_ci_upper"])


def test_hidden_violence_finding():
    frame = hidden_frame([
        ("Time", "Friday and Saturday nights (22:00-03:00)", 30, 29, 96.7, 82.8, 99.9),  # above
        ("Time", "Other times", 30, 16, 53.3, 34.3, 71.7),
        ("Location type", "licensed premises", 12, 12, 100.0, 87.0, 100.0),  # above, higher
        ("Location type", "school", 9, 9, 100.0, 88.0, 100.0),  # above, but under 10 events
        ("Location type", "home", None, None, None, None, None),  # suppressed
    ])
    # the highest group whose interval lies wholly above the overall one (85.3%)
    assert findings.hidden_violence_finding(frame) == (
        "75% of A&E assault attendances placed in the area (95% CI 62% to 85%; 45 of 60) had "
        "no police record of violence in the same neighbourhood at about the same time, rising "
        "to 100% (95% CI 87% to 100%) for licensed premises. This is an indicator of violence "
        "the police do not see, not proof of it: a record may be placed or timed differently.")


def test_hidden_violence_finding_within_the_overall_interval():
    frame = hidden_frame([("Location type", "street", 40, 25, 62.5, 45.8, 77.3),
                          ("Location type", "home", 20, 20, 100.0, 83.2, 100.0)])  # 83.2 < 85.3
    text = findings.hidden_violence_finding(frame)
    assert text.startswith("75% of A&E assault attendances placed in the area (95% CI 62% to "
                           "85%; 45 of 60) had no police record of violence in the same "
                           "neighbourhood at about the same time. This is an indicator")
    assert findings.hidden_violence_finding(hidden_frame([])[0:0]) is None
    suppressed = hidden_frame([]).assign(no_police_record=None, no_police_record_pct=None)
    assert findings.hidden_violence_finding(suppressed) is None


def test_hidden_violence_finding_keeps_day_names():
    frame = hidden_frame([("Time", "Friday and Saturday nights (22:00-03:00)", 30, 29, 96.7,
                           86.0, 99.9)])
    assert ", rising to 97% (95% CI 86% to 100%) for Friday and Saturday nights (22:00-03:00)." \
        in findings.hidden_violence_finding(frame)


def hotspot_frame(agreeing: dict, compared: int, district_of: dict) -> pd.DataFrame:
    return pd.DataFrame([{"lsoa21_code": code, "lsoa21_name": f"{code} name",
                          "lad_name": district_of[code], "sources_agreeing": n,
                          "sources_compared": compared, "source": s}
                         for code, n in agreeing.items() for s in range(compared)])


def test_hotspot_finding():
    # this fixture's agreement: N1 5, N2 3, S1 2 of 6
    frame = hotspot_frame({"N1": 5, "N2": 3, "S1": 2, "S2": 1, "N5": 0}, 6,
                          {"N1": "Northam", "N2": "Northam", "S1": "Southby", "S2": "Southby",
                           "N5": "Northam"})
    assert findings.hotspot_finding(frame) == (
        "2 neighbourhoods (LSOAs) are hotspots for at least 3 of the 6 sources compared; 2 of "
        "them in Northam; most of all: N1 name (5 of 6), N2 name (3 of 6).")
    # at least 2: four LSOAs, the top three named, no district holds most of them
    assert findings.hotspot_finding(frame, min_sources=2) == (
        "3 neighbourhoods (LSOAs) are hotspots for at least 2 of the 6 sources compared; 2 of "
        "them in Northam; most of all: N1 name (5 of 6), N2 name (3 of 6), S1 name (2 of 6).")
    # two sources compared: agreement of both is enough
    two = hotspot_frame({"A": 2, "B": 1}, 2, {"A": "Northam", "B": "Southby"})
    assert findings.hotspot_finding(two) == (
        "1 neighbourhood (LSOA) is a hotspot for at least 2 of the 2 sources compared; most "
        "of all: A name (2 of 2).")
    assert findings.hotspot_finding(hotspot_frame({"A": 1}, 1, {"A": "Northam"})) is None
    assert findings.hotspot_finding(hotspot_frame({"A": 1, "B": 1}, 4,
                                                  {"A": "N", "B": "S"})) is None


def deprivation_rows(source, most, reference=10):
    """(events, ratio, lower, upper) of the most deprived decile (1) and the reference."""
    events, ratio, lower, upper = most
    return [{"source": source, "imd_decile": 1, "events": events, "rate_ratio": ratio,
             "rate_ratio_ci_lower": lower, "rate_ratio_ci_upper": upper,
             "reference_decile": reference},
            {"source": source, "imd_decile": reference, "events": 6, "rate_ratio": 1.0,
             "rate_ratio_ci_lower": None, "rate_ratio_ci_upper": None,
             "reference_decile": reference}]


def test_deprivation_finding():
    frame = pd.DataFrame(
        deprivation_rows("ae_assaults", (30, 10.0, 4.10, 29.39))          # this fixture's
        + deprivation_rows("ambulance_callouts", (40, 3.2, 1.5, 7.4))
        + deprivation_rows("probation_caseload", (12, 2.0, 0.8, 5.1))      # interval has 1
        + deprivation_rows("hospital_admissions", (8, 9.0, 2.0, 40.0))     # under 10 events
        + deprivation_rows("youth_justice", (None, None, None, None)))     # suppressed
    assert findings.deprivation_finding(frame, LABELS) == (
        "Violence is concentrated in deprived neighbourhoods: against the area's least "
        "deprived neighbourhoods (IMD decile 10), the rate in its most deprived (decile 1) is "
        "A&E 10.0 times (95% CI 4.1 to 29.4); Ambulance 3.2 times (95% CI 1.5 to 7.4).")
    # an area spanning deciles 3 to 8 says so rather than "the most deprived tenth"
    shifted = pd.DataFrame(deprivation_rows("ae_assaults", (30, 4.0, 2.1, 8.0), reference=8))
    assert findings.deprivation_finding(shifted.assign(imd_decile=[3, 8]), LABELS) == (
        "Violence is concentrated in deprived neighbourhoods: against the area's least "
        "deprived neighbourhoods (IMD decile 8), the rate in its most deprived (decile 3) is "
        "A&E 4.0 times (95% CI 2.1 to 8.0).")
    # more than three sources: the three highest named, the rest counted
    more = pd.DataFrame(deprivation_rows("ae_assaults", (30, 10.0, 4.1, 29.4))
                        + deprivation_rows("ambulance_callouts", (40, 3.2, 1.5, 7.4))
                        + deprivation_rows("school_exclusions", (20, 5.0, 2.0, 12.0))
                        + deprivation_rows("social_care_assessments", (20, 2.5, 1.2, 5.0)))
    assert findings.deprivation_finding(more, LABELS).endswith(
        "A&E 10.0 times (95% CI 4.1 to 29.4); Schools 5.0 times (95% CI 2.0 to 12.0); Ambulance "
        "3.2 times (95% CI 1.5 to 7.4); and higher beyond chance for 1 more source.")
    # an area whose LSOAs are all in one decile compares nothing
    one = pd.DataFrame(deprivation_rows("ae_assaults", (30, 1.0, None, None), reference=1)[:1])
    assert findings.deprivation_finding(one, LABELS) is None


def test_profile_findings():
    rows = [  # source, value, records, rate, lower, upper (a population where there is a rate)
        ("ae_assaults", "18-24", 25, 30.0, 19.4, 44.3),
        ("ae_assaults", "10-17", 10, 8.3, 4.0, 15.3),
        ("ae_assaults", "25+", 30, 2.0, 1.3, 2.9),
        ("ae_assaults", "35-44", 20, None, None, None),          # no population: no rate
        ("probation_caseload", "18-24", 9, 8.6, 3.9, 16.3),       # highest, but 9 records
        ("probation_caseload", "25+", 30, 2.6, 1.8, 3.8),
        ("youth_justice", "10-17", 20, 16.7, 10.2, 25.7),         # overlaps 18-24's interval
        ("youth_justice", "18-24", 12, 11.4, 5.9, 19.9),
        ("hospital_admissions", "25+", 40, 3.5, 2.5, 4.8),        # one band only
        # clear of the others shown, but a suppressed band (hidden as the second cell, so of
        # any size) has residents: its rate might be higher
        ("school_exclusions", "10-17", 40, 20.0, 14.3, 27.2),
        ("school_exclusions", "18-24", 10, 2.0, 1.0, 3.7),
        ("school_exclusions", "0-9", None, None, None, None),
    ]
    frame = pd.DataFrame([{"source": s, "dimension": "Age band", "value": v, "records": n,
                           "population": None if v == "35-44" else 1000,
                           "rate_per_1000": r, "ci_lower": lo, "ci_upper": hi}
                          for s, v, n, r, lo, hi in rows]
                         + [{"source": "ae_assaults", "dimension": "Sex", "value": "Male",
                             "records": 40, "population": None, "rate_per_1000": 99.0,
                             "ci_lower": 90.0, "ci_upper": 110.0}])  # not an age band
    assert findings.profile_findings(frame, LABELS) == [
        "A&E: the highest rate is among people aged 18-24, 30.0 per 1,000 residents of that "
        "age (95% CI 19.4 to 44.3)."]


def test_cohort_finding():
    frame = pd.DataFrame([  # before suppression
        ("probation_caseload", "youth_justice", "18-24", 3),
        ("probation_caseload", "youth_justice", "25+", 4),        # 7 in all: stated
        ("police_victims", "police_suspects", "18-24", 20),       # both the police's: not
        ("police_victims", "youth_justice", "10-17", 6),
        ("school_exclusions", "social_care_assessments", "10-17", 2),
        ("school_exclusions", "social_care_assessments", "0-9", 2),  # 4: below 5, unsaid
    ], columns=["source_a", "source_b", "age_band", "people"])
    assert findings.cohort_finding(frame, LABELS, 5) == (
        "The same people reach several services (matched by keyed pseudonym, never named): "
        "7 people in both Probation and Youth justice; 6 people in both Victims and Youth "
        "justice.")
    assert findings.cohort_finding(frame, LABELS, 8) is None  # 7 and 6 below 8
    assert findings.cohort_finding(frame[0:0], LABELS, 5) is None


def test_gap_findings():
    gaps = pd.DataFrame([
        {"source": "ae_assaults", "records": 60, "aggregate_rows": 0, "months_missing_within": 1},
        {"source": "ambulance_callouts", "records": 16, "aggregate_rows": 0,
         "months_missing_within": 11},
        {"source": "hospital_admissions", "records": 0, "aggregate_rows": 5,
         "months_missing_within": None},                          # counts only: supplied
        {"source": "probation_caseload", "records": 12, "aggregate_rows": 0,
         "months_missing_within": None},                          # snapshots: no gaps
        {"source": "youth_justice", "records": 0, "aggregate_rows": 0,
         "months_missing_within": None},
        {"source": "school_exclusions", "records": 0, "aggregate_rows": 0,
         "months_missing_within": None},
    ])
    assert findings.gap_findings(gaps, LABELS) == [
        "No data were supplied for: Youth justice; Schools. The assessment cannot describe "
        "what those services see.",
        "Months are missing within the period supplied by: A&E (1 month); Ambulance (11 "
        "months). Trends across those months are not reliable."]


# --- the report ----------------------------------------------------------------------------------
SECTIONS = ["summary", "sources", "trends", "change", "rates", "hidden", "hotspots", "whom",
            "deprivation", "cohorts", "methods"]


class CountCells(HTMLParser):
    """The text of every element whose class includes "count"."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it (inside) a count?
        self.cells: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "meta", "img", "input", "link", "hr", "col"):
            return
        is_count = "count" in (dict(attrs).get("class") or "").split()
        if is_count:
            self.cells.append("")
        self.stack.append(is_count or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if self.stack and tag not in ("br", "meta", "img", "input", "link", "hr", "col"):
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.cells[-1] += data


@pytest.fixture(scope="module")
def report_html(con, tmp_path_factory) -> str:
    from svna.config import Config
    from svna.report_multiagency import render_multiagency

    config = Config.model_validate({"area": {"name": "Test area", "districts": [NORTH, SOUTH]}})
    path = render_multiagency(con, tmp_path_factory.mktemp("report") / "multiagency.html",
                              config=config, run_id="run-1", generated_at="2026-11-27 10:00 UTC",
                              validation_href=None, baseline_href="baseline.html")
    return path.read_text(encoding="utf-8")


def test_report_sections_and_no_template_leftovers(report_html):
    for number, key in enumerate(SECTIONS, start=1):
        assert re.search(rf'<h2 id="{key}">{number}\. ', report_html), key
    for leftover in ("{{", "}}", "{%", "%}", "{#", "#}", "Undefined"):
        assert leftover not in report_html, leftover


def test_report_shows_no_small_count(report_html):
    parser = CountCells()
    parser.feed(report_html)
    cells = [c.replace("✓", "").strip() for c in parser.cells]
    assert len(cells) > 50
    assert not [c for c in cells if re.fullmatch(r"[1-4]", c)], cells
    assert "[c]" in cells
    # Southby's probation a year before (3) is hidden in the comparison table
    south = report_html[report_html.index(f"Latest 12 months against the previous 12, "
                                          f"{escape(SOUTH_NAME)}"):]
    probation = south[south.index("People on probation"):].split("</tr>")[0]
    assert re.findall(r'<td class="num count">([^<]*)</td>', probation)[:2] == ["5", "[c]"]


def test_report_escapes_place_names(report_html):
    assert SOUTH_NAME not in report_html  # "<i>on</i>" never reaches the page as markup
    assert "Southby &lt;i&gt;on&lt;/i&gt; Sea" in report_html
    assert "<i>" not in report_html


def test_report_findings(report_html):
    summary = report_html[report_html.index('<ul class="summary">'):]
    summary = unescape(summary[:summary.index("</ul>")])
    # 60 / 36: +66.7%, limits 1.085 and 2.594
    assert ("A&E assault attendances rose by 67%, from 36 to 60 (95% confidence interval for "
            "the ratio 1.08 to 2.59)") in summary
    # 12 / 8: the interval 0.56 to 4.23 includes 1
    assert "People on probation with a violent index offence +50% (0.56 to 4.23)" in summary
    assert ("a snapshot a year before the latest) for: Hospital admissions for assault; "
            "Ambulance call-outs") in summary
    assert "75% of A&E assault attendances placed in the area (95% CI 62% to 85%; 45 of 60)" \
        in summary
    assert ("2 neighbourhoods (LSOAs) are hotspots for at least 3 of the 6 sources compared; "
            "2 of them in Northam; most of all: Northam 000A (5 of 6), Northam 001A (3 of 6)."
            ) in summary
    assert "A&E assault attendances 10.0 times (95% CI 4.1 to 29.4)" in summary
    # 2023-06 is the ambulance service's one missing month (2023-01 to 2024-12)
    assert "Ambulance call-outs for assault, stabbing or shooting (1 month)" in summary
    # no person appears in two sources here: nothing said about overlaps
    assert "The same people" not in summary


def test_stage_report_writes_the_multiagency_report_beside_the_baseline(con, tmp_path):
    from svna import pipeline
    from svna.config import Config

    config = Config.model_validate({"area": {"name": "Test area", "districts": [NORTH, SOUTH]}})
    out = pipeline.stage_report(con, config, tmp_path, "run-2")
    folder = out["assessment"]
    assert (folder / "baseline.html").is_file()
    html = (folder / pipeline.MULTIAGENCY_FILE).read_text(encoding="utf-8")
    assert 'href="baseline.html"' in html and "run-2" in html
    # the exports hold the same suppressed tables
    exported = pd.read_csv(out["exports"] / "partner_comparison.csv", dtype=str,
                           keep_default_na=False)
    south = exported[(exported["geography_code"] == SOUTH)
                     & (exported["source"] == "probation_caseload")]
    assert south[["latest_12", "previous_12", "previous_12_suppressed"]].values.tolist() == [
        ["5", "", "yes"]]


def test_every_source_has_a_label_and_one_place_in_the_order(con):
    sources = rows_of(con, "SELECT source, label, short_label, counts, source_order::INTEGER "
                           "FROM seeds.sources ORDER BY source_order::INTEGER")
    assert [r[4] for r in sources] == list(range(1, 12))
    assert all(r[1] and r[2] for r in sources)
    # the models treat a source as a caseload by this wording: probation alone
    assert [r[0] for r in sources if r[3].startswith("people at")] == ["probation_caseload"]
    labelled = {r[0] for r in sources}
    for table in ("marts.lsoa_source_counts", "assessment.partner_comparison",
                  "assessment.partner_deprivation", "assessment.partner_data_gaps"):
        assert {s for s, in rows_of(con, f"SELECT DISTINCT source FROM {table}")} <= labelled


def monthly_frame(latest: list[int], previous: list[int]) -> pd.DataFrame:
    """partner_monthly rows of one source in one district, 2023-01 to 2024-12."""
    months = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
    return pd.DataFrame({
        "geography_level": "district", "geography_code": NORTH, "source": "youth_justice",
        "supplied_as": "records", "month": months,
        "period": ["previous 12 months"] * 12 + ["latest 12 months"] * 12,
        "records": previous + latest, "violence": previous + latest})


def test_monthly_suppression_holds_within_each_compared_year():
    """partner_comparison publishes each year's sum: one hidden month in a year with the others
    shown would come back by subtraction (97 - 93 = 4 in the demo's social care)."""
    frame = monthly_frame(latest=[4] + [10] * 11, previous=[3] + [20] * 11)
    out = monthly_as_published(frame, sums_hidden())
    hidden = out["violence_suppressed"] == "yes"
    assert hidden.groupby(out["period"]).sum().to_dict() == {
        "latest 12 months": 2, "previous 12 months": 2}  # 2024-01 and one 10; 2023-01 and a 20


def sums_hidden(latest=False, previous=False):
    """partner_comparison and partner_rates as published for Northam's youth justice, hiding
    the latest (both tables) or previous year's sum."""
    def flag(hidden):
        return ["yes" if hidden else ""]
    where = {"geography_level": ["district"], "geography_code": [NORTH],
             "source": ["youth_justice"]}
    return {"partner_comparison": pd.DataFrame(where | {"latest_12_suppressed": flag(latest),
                                                        "previous_12_suppressed": flag(previous)}),
            "partner_rates": pd.DataFrame(where | {"violence_suppressed": flag(latest)})}


def monthly_as_published(frame, published):
    return exports.suppress_for_publication(
        frame, exports.published_table("partner_monthly"), 5, published)


def test_months_hide_one_where_their_year_is_hidden_elsewhere():
    """partner_comparison hides Northam's latest year (7, secondary suppression): shown, its
    months (7 in January, none after) would give it back."""
    frame = monthly_frame(latest=[7] + [0] * 11, previous=[20] * 12)
    hidden_months = {
        label: set(out.loc[out["violence_suppressed"] == "yes", "month"])
        for label, out in [("hidden", monthly_as_published(frame, sums_hidden(latest=True))),
                           ("shown", monthly_as_published(frame, sums_hidden()))]}
    # 2024-01 alone: the year's sum is hidden, and no table publishes the two years' sum
    # (the previous year's 20s, shown with their sum, say nothing of 2024)
    assert hidden_months == {"hidden": {"2024-01"}, "shown": set()}


def test_no_year_of_published_months_gives_a_hidden_month_back(con):
    monthly, compared = published(con, "partner_monthly"), published(con, "partner_comparison")
    for (code, source, period), rows in monthly.groupby(["geography_code", "source", "period"]):
        count = "latest_12" if period == "latest 12 months" else "previous_12"
        row = compared[(compared["geography_code"] == code) & (compared["source"] == source)]
        if source != "probation_caseload" and row[count].notna().all():
            assert (rows["violence_suppressed"] == "yes").sum() != 1, (code, source, period)
