"""The force extract analyses (sql/marts/fct_*.sql, sql/assessment/force_*.sql and friends) on
small hand-built fixtures.

Every expected value is worked out by hand from the fixture and the spec (the staging
declarations, the config, the seeds and sql/assessment/schema.yml); the arithmetic sits beside
it. Nothing re-runs the models' logic in Python. Exact Poisson limits are the published
(Garwood) table values:

    n   lower    upper          n   lower    upper
    0   0        3.68888        5   1.62348  11.66833
    1   0.02532  5.57164        7   2.81436  14.42268
    2   0.24221  7.22469       10   4.79539  18.39036
    4   1.08987 10.24159       12   6.20058  20.96159

Three raw folders, built once per module:

* ``offences``: 20 crimes (D01..D20) chosen one per rule of the serious violence definition, a
  crime delivered twice, unplaceable crimes, victims and suspects delivered twice and orphans.
  Built with the default config and with an ``alt`` config that turns every switch.
* ``people``: blocks of victims and suspects of serious violence for youth violence, repeat
  people, suspect outcomes, disproportionality and recording completeness. Built with the
  default config and with ``age_bands: [0, 16, 25]``.
* ``spc``: 15 months of a hand-built monthly series with one month far above the rest.

Geography (write_reference): Alpha (E07000101, two LSOAs of 30,000) and Beta (E07000102, one
LSOA of 40,000) form the area, 100,000 residents; Gamma (E07000103, 50,000) lies outside.
"""

from __future__ import annotations

import os
from pathlib import Path
from unittest.mock import ANY

import pytest

from svna import datasets
from svna.config import Config
from svna.pseudonymise import key_from_environment, pseudonymiser
from svna.stats import relative_rate_index

from conftest import (
    build_warehouse,
    differs_from_rebuild,
    rows_of,
    write_csv,
    write_reference,
    write_table,
)

A, B, C = "E07000101", "E07000102", "E07000103"
A1, A2, B1, C1 = "E01000011", "E01000012", "E01000021", "E01000031"
UNKNOWN_LSOA = "E01999999"  # a well-formed code no lookup knows
AREA = "test-area"  # slug of "Test area"
LSOAS = [(A1, A, "Alpha", 30000, 1), (A2, A, "Alpha", 30000, 2), (B1, B, "Beta", 40000, 3),
         (C1, C, "Gamma", 50000, 4)]
BASE_MTIME = 1_700_000_000

SV = "Serious violence"
KNIFE = "Knife or sharp instrument serious violence"
HOMICIDE = "Homicide"
UNDER_25 = "Serious violence with a victim under 25"

COLUMNS = {d.name: list(d.columns) for d in datasets.load_datasets()}
PSEUDONYM = pseudonymiser(key_from_environment())  # conftest sets the key




def offence(ref, recorded, code, lsoa=A1, committed="", knife="N", firearm="N", da="N",
            outcome="0") -> dict:
    return {"crime_reference": ref, "recorded_date": recorded, "committed_from": committed,
            "offence_code": code, "lsoa_code": lsoa, "knife_flag": knife,
            "firearm_flag": firearm, "domestic_abuse_flag": da, "outcome_code": outcome}


def person(ref, pid, age, sex="M", ethnicity="W1", **extra) -> dict:
    return {"crime_reference": ref, "person_id": pid,
            "age": "" if age is None else str(age), "sex": sex, "ethnicity": ethnicity,
            **extra}


# --- Census 2021 in the published layouts ---------------------------------------------------
# TS021 by district: (code, label, observation). Area by broad group (first word of the label;
# Roma is White; -8 "Does not apply" is left out; Gamma is not in the area):
#   White = 45,000 + 1,000 (Roma) + 2,000 + 30,000 + 2,000 = 80,000
#   Asian = 6,000 + 2,000 = 8,000     Black = 3,000 + 2,000 = 5,000
#   Mixed = 2,000 + 2,000 = 4,000     Other = 1,000 + 2,000 = 3,000      (total 100,000)
TS021 = {
    A: [(-8, "Does not apply", 500),
        (13, "White: English, Welsh, Scottish, Northern Irish or British", 45000),
        (16, "White: Roma", 1000),
        (17, "White: Other White", 2000),
        (3, "Asian, Asian British or Asian Welsh: Indian", 6000),
        (6, "Black, Black British, Black Welsh, Caribbean or African: African", 3000),
        (9, "Mixed or Multiple ethnic groups: White and Asian", 2000),
        (18, "Other ethnic group: Arab", 1000)],
    B: [(-8, "Does not apply", 0),
        (13, "White: English, Welsh, Scottish, Northern Irish or British", 30000),
        (14, "White: Irish", 2000),
        (4, "Asian, Asian British or Asian Welsh: Pakistani", 2000),
        (7, "Black, Black British, Black Welsh, Caribbean or African: Caribbean", 2000),
        (11, "Mixed or Multiple ethnic groups: White and Black Caribbean", 2000),
        (19, "Other ethnic group: Any other ethnic group", 2000)],
    C: [(13, "White: English, Welsh, Scottish, Northern Irish or British", 40000),
        (6, "Black, Black British, Black Welsh, Caribbean or African: African", 10000)],
}
# TS007: every single year 0..100 has 100 residents in Alpha, 50 in Beta, 1,000 in Gamma.
TS007_PER_AGE = {A: 100, B: 50, C: 1000}
NAMES = {A: "Alpha", B: "Beta", C: "Gamma"}


def write_common(raw: Path) -> None:
    write_reference(raw, LSOAS)
    ref = raw / "reference"
    write_csv(ref / "census2021_ts021_ethnicity.csv", COLUMNS["ref_census_ethnicity"],
              [[lad, NAMES[lad], code, label, obs]
               for lad, rows in TS021.items() for code, label, obs in rows], crlf=False)
    write_csv(ref / "census2021_ts007_age.csv", COLUMNS["ref_census_age"],
              [[lad, NAMES[lad], age, f"Aged {age} years", per]
               for lad, per in TS007_PER_AGE.items() for age in range(101)], crlf=False)


def pin_mtimes(raw: Path, later: dict[str, int]) -> None:
    """Every file delivered at the same time except those in `later` (seconds added)."""
    for path in raw.rglob("*.csv"):
        t = BASE_MTIME + later.get(path.relative_to(raw).as_posix(), 0)
        os.utime(path, (t, t))


def build(raw: Path, db: Path, **settings):
    """The pipeline without reports, with config settings beyond the area."""
    return build_warehouse(raw, db, [A, B], **settings)


# ============================================================================================
# Fixture 1: offences — the serious violence definition, redelivery, data quality, rates,
# time profile and outcomes.
# ============================================================================================
# id: code, flags, place, recorded, committed_from, outcome.  SV = default / alt config
OFFENCES_FIRST = [  # force_extract/offences_2024-06.csv, delivered first
    # homicide, Monday 2024-03-04 (day 64 of 2024, which began on a Monday) 22:30; charged
    offence("D01", "2024-03-05", "1", A1, "2024-03-04 22:30", outcome="1"),          # Y / Y
    # manslaughter written 4/1; Beta; Saturday 2024-06-08 (day 160: 159 % 7 = 5) 02:15
    offence("D02", "2024-06-10", "4/1", B1, "2024-06-08 02:15"),                      # Y / Y
    # assault with injury; Wednesday 2024-04-10 (day 101: 100 % 7 = 2) 14:05; outcome 8
    offence("D03", "2024-04-10", "8N", A2, "2024-04-10 14:05", outcome="8"),         # Y / Y
    # assault without injury, no flag: never serious violence
    offence("D04", "2024-04-11", "105A", A1, "2024-04-11 09:00", outcome="18"),      # N / N
    # assault without injury with a knife: the flag rule; Wednesday 2024-05-01 (day 122) 23:59
    offence("D05", "2024-05-01", "105A", A1, "2024-05-01 23:59", knife="Y"),         # Y / N
    # robbery of personal property; date only (00:00), Thursday 2024-05-02; penalty notice
    offence("D06", "2024-05-02", "34B", B1, "2024-05-02", outcome="6"),              # Y / N
    # the first version of D15: no outcome yet
    offence("D15", "2024-10-05", "5D", A1, "2024-10-05 02:05"),
    # attempted murder before the latest 12 months
    offence("D17", "2023-06-15", "2", A1, "2023-06-14 20:00", outcome="1"),          # Y / Y
]
OFFENCES_SECOND = [  # force_extract/offences_2024-12.csv, delivered later
    # possession of a blade, knife flagged; Sunday 2024-06-30 (day 182: 181 % 7 = 6) 18:00:00
    offence("D07", "2024-07-01", "10D", B1, "2024-06-30 18:00:00", knife="Y",
            outcome="3"),                                                            # Y / Y
    # rape: only with sexual_offences: true
    offence("D08", "2024-07-02", "19C", A1, "2024-07-01 21:00"),                      # N / Y
    # assault with injury flagged domestic abuse; Saturday 2024-08-03 (day 216) 02:40
    offence("D09", "2024-08-03", "8N", A1, "2024-08-03 02:40", da="Y", outcome="16"),  # Y / N
    # harassment: only when include_codes names it
    offence("D10", "2024-08-04", "8L", A1, "2024-08-04 10:00"),                       # N / Y
    # outside the area, no LSOA, an LSOA no lookup knows: serious violence, in no district
    offence("D11", "2024-09-01", "8N", C1, "2024-09-01 10:00"),
    offence("D12", "2024-09-02", "8N", "", "2024-09-02 10:00"),
    offence("D13", "2024-09-03", "8N", UNKNOWN_LSOA, "2024-09-03 10:00"),
    # a code not in the Home Office list (well formed): unknown; included by the alt config
    offence("D14", "2024-10-01", "99Z", A1, "2024-10-01 10:00"),                      # N / Y
    # D15 again, now with outcome 22; Saturday 2024-10-05 (day 279: 278 % 7 = 5) 02:05
    offence("D15", "2024-10-05", "5D", A1, "2024-10-05 02:05", outcome="22"),         # Y / Y
    # an outcome code not in the Home Office list; no committed date
    offence("D16", "2024-11-01", "8N", B1, "", outcome="X9"),                        # Y / Y
    # criminal damage with a firearm: the flag rule; Sunday 2024-12-01 (day 336: 335 % 7 = 6)
    offence("D18", "2024-12-01", "58D", A1, "2024-12-01 12:00", firearm="Y"),        # Y / N
    # assault with injury, domestic abuse flag left blank (not flagged); Monday 2024-12-02
    offence("D19", "2024-12-02", "8N", B1, "2024-12-02 12:30", da=""),               # Y / Y
    # knife and domestic abuse; Saturday 2024-11-30 (day 335: 334 % 7 = 5) 23:10
    offence("D20", "2024-12-03", "8N", A1, "2024-11-30 23:10", knife="Y", da="Y"),   # Y / N
]
VICTIMS_FIRST = [
    person("D15", "PV15", 26, "F"),      # D15's victim, age corrected to 20 in the later file
    person("D15", "PV15B", 45),           # not in the later delivery of D15's victims
    person("D01", "PV01", 30),
]
VICTIMS_SECOND = [
    person("D15", "PV15", 20, "F"),
    person("NOPE-1", "PVX", 33),          # a victim of no crime in the extract
    person("D20", "PV20", 50),
    person("D11", "PV11", 35),           # the victim of a crime outside the area
]
SUSPECTS_FIRST = [person("D15", "PS15", 30, outcome_code="")]
SUSPECTS_SECOND = [
    person("D15", "PS15", 30, outcome_code="8"),  # the suspect's own outcome, latest version
    person("NOPE-2", "PSX", 40, outcome_code=""),  # a suspect of no crime in the extract
    person("D03", "", 25, outcome_code=""),        # no person id
]

# The alt config turns every switch of the definition, each affecting different crimes.
ALT = {
    "serious_violence": {"knife_or_firearm_flagged": False, "domestic_abuse": False,
                         "sexual_offences": True, "include_codes": ["8L", "99Z"],
                         "exclude_codes": ["34B"]},
    "people": {"age_bands": [0, 16, 25], "completeness_threshold": 0.8},
}


@pytest.fixture(scope="module")
def offences_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("offences") / "raw"
    write_common(raw)
    fx = raw / "force_extract"
    write_table(fx / "offences_2024-06.csv", "force_offences", OFFENCES_FIRST)
    write_table(fx / "offences_2024-12.csv", "force_offences", OFFENCES_SECOND)
    write_table(fx / "victims_2024-06.csv", "force_victims",
                [v | {"repeat_victim": "N"} for v in VICTIMS_FIRST])
    write_table(fx / "victims_2024-12.csv", "force_victims",
                [v | {"repeat_victim": "N"} for v in VICTIMS_SECOND])
    write_table(fx / "suspects_2024-06.csv", "force_suspects", SUSPECTS_FIRST)
    write_table(fx / "suspects_2024-12.csv", "force_suspects", SUSPECTS_SECOND)
    pin_mtimes(raw, {f"force_extract/{k}_2024-12.csv": 100
                     for k in ("offences", "victims", "suspects")})
    return raw


@pytest.fixture(scope="module")
def off(offences_raw):
    con = build(offences_raw, offences_raw.parent / "default.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="module")
def off_alt(offences_raw):
    con = build(offences_raw, offences_raw.parent / "alt.duckdb", **ALT)
    yield con
    con.close()


def test_a_later_delivery_replaces_only_the_crimes_it_names(tmp_path):
    """force_offences_latest and force_people_latest merge by crime: the second delivery
    re-states D15 (new outcome, one victim fewer) and adds others; the first delivery's other
    crimes are not rebuilt (their rows keep a mark), and both tables equal a rebuild."""
    raw = tmp_path / "raw"
    write_common(raw)
    fx = raw / "force_extract"
    write_table(fx / "offences_2024-06.csv", "force_offences", OFFENCES_FIRST)
    write_table(fx / "victims_2024-06.csv", "force_victims",
                [v | {"repeat_victim": "N"} for v in VICTIMS_FIRST])
    write_table(fx / "suspects_2024-06.csv", "force_suspects", SUSPECTS_FIRST)
    pin_mtimes(raw, {})
    con = build(raw, tmp_path / "w.duckdb")
    tables = ("force_offences_latest", "force_people_latest")
    for table in tables:
        con.execute(f"UPDATE marts.{table} SET line = -1")
    con.close()
    write_table(fx / "offences_2024-12.csv", "force_offences", OFFENCES_SECOND)
    write_table(fx / "victims_2024-12.csv", "force_victims",
                [v | {"repeat_victim": "N"} for v in VICTIMS_SECOND])
    write_table(fx / "suspects_2024-12.csv", "force_suspects", SUSPECTS_SECOND)
    pin_mtimes(raw, {f"force_extract/{k}_2024-12.csv": 100
                     for k in ("offences", "victims", "suspects")})
    con = build(raw, tmp_path / "w.duckdb")
    marked = {table: set(rows_of(con, f"SELECT crime_reference FROM marts.{table} "
                                      "WHERE line = -1")) for table in tables}
    assert marked["force_offences_latest"] == {
        (PSEUDONYM(o["crime_reference"]),) for o in OFFENCES_FIRST
        if o["crime_reference"] != "D15"}
    assert marked["force_people_latest"] == {(PSEUDONYM("D01"),)}
    assert crime(con, "D15", "outcome_code") == [("22",)]
    for table in tables:
        assert differs_from_rebuild(con, table, leave_out=("line",)) == []
    con.close()


def crime(con, ref: str, columns: str = "*") -> list[tuple]:
    """A crime of the extract as classified (in the area or not)."""
    return rows_of(con, f"SELECT {columns} FROM marts.force_offences_classified "
                        "WHERE crime_reference = ?", [PSEUDONYM(ref)])


def sv_flags(con) -> dict[str, bool]:
    refs = [f"D{i:02d}" for i in range(1, 21)]
    by_pseudonym = {PSEUDONYM(r): r for r in refs}
    return {by_pseudonym[p]: v for p, v in rows_of(
        con, "SELECT crime_reference, is_serious_violence FROM marts.force_offences_classified")}


def test_every_crime_loaded_and_active(off):
    # 2 offences + 2 victims + 2 suspects files, none failing a critical check
    assert rows_of(off, "SELECT count(*) FROM meta.files WHERE dataset LIKE 'force_%' "
                        "AND active") == [(6,)]
    assert rows_of(off, "SELECT count(*) FROM staging.force_offences") == [(21,)]  # 8 + 13


def test_codes_with_a_slash_are_normalised(off):
    # '4/1' is read as 4.1, manslaughter, a homicide
    assert crime(off, "D02", "offence_code, offence_group, is_homicide") == [
        ("4.1", "homicide", True)]
    assert crime(off, "D03", "offence_code, offence_group") == [("8N", "assault_with_injury")]


def test_default_serious_violence_definition(off):
    assert sv_flags(off) == {
        "D01": True,   # 1 homicide
        "D02": True,   # 4.1 homicide
        "D03": True,   # 8N assault with injury
        "D04": False,  # 105A assault without injury, no flag
        "D05": True,   # 105A with a knife: flagged offences count
        "D06": True,   # 34B robbery
        "D07": True,   # 10D possession of a blade
        "D08": False,  # 19C: sexual offences are not in by default
        "D09": True,   # 8N domestic abuse: counted by default
        "D10": False,  # 8L harassment
        "D11": True, "D12": True, "D13": True,  # 8N, wherever (or not) they are placed
        "D14": False,  # 99Z: not a known code
        "D15": True,   # 5D
        "D16": True,   # 8N
        "D17": True,   # 2 attempted murder
        "D18": True,   # 58D criminal damage with a firearm: flagged
        "D19": True,   # 8N, domestic abuse flag blank
        "D20": True,   # 8N knife and domestic abuse
    }


def test_configured_serious_violence_definition(off_alt):
    flags = sv_flags(off_alt)
    flags.pop("D19")  # test_blank_domestic_abuse_flag_is_not_a_flag
    assert flags == {
        "D01": True, "D02": True, "D03": True,
        "D04": False,
        "D05": False,  # knife_or_firearm_flagged: false, and 105A is no SV code
        "D06": False,  # exclude_codes: [34B]
        "D07": True,   # 10D counts by its code, flag or not
        "D08": True,   # sexual_offences: true
        "D09": False,  # domestic_abuse: false
        "D10": True,   # include_codes: [8L]
        "D11": True, "D12": True, "D13": True,
        "D14": True,   # include_codes: [99Z], a code the seed list lacks
        "D15": True, "D16": True, "D17": True,
        "D18": False,  # firearm flag no longer counts; 58D is no SV code
        "D20": False,  # domestic abuse
    }
    assert rows_of(off_alt, "SELECT offence_group, serious_violence FROM marts.offence_codes "
                            "WHERE code = '99Z'") == [("other", True)]
    assert rows_of(off_alt, "SELECT code, serious_violence AND NOT excluded "
                            "FROM marts.offence_codes "
                            "WHERE code IN ('34B', '8L', '19C', '105A') ORDER BY code") == [
        ("105A", False), ("19C", True), ("34B", False), ("8L", True)]


def test_blank_domestic_abuse_flag_is_not_a_flag(off_alt):
    # D19: 8N, an SV code, domestic_abuse_flag '' — only offences *flagged* are left out
    assert crime(off_alt, "D19", "is_serious_violence") == [(True,)]


def test_knife_serious_violence(off):
    assert crime(off, "D07", "is_knife_serious_violence") == [(True,)]   # 10D, knife Y
    assert crime(off, "D20", "is_knife_serious_violence") == [(True,)]   # 8N, knife Y
    assert crime(off, "D03", "is_knife_serious_violence") == [(False,)]  # 8N, no knife
    assert crime(off, "D18", "is_knife_serious_violence") == [(False,)]  # firearm, no knife


def test_knife_flagged_offence_counted_as_sv_is_knife_sv(off):
    # D05: 105A, knife Y; is_serious_violence is true (test_default_serious_violence_definition)
    assert crime(off, "D05", "is_serious_violence, is_knife_serious_violence") == [
        (True, True)]


def test_knife_sv_is_part_of_sv_when_domestic_abuse_is_left_out(off_alt):
    # D20: 8N, knife Y, domestic abuse Y; alt config has domestic_abuse: false
    assert crime(off_alt, "D20", "is_serious_violence, is_knife_serious_violence") == [
        (False, False)]


def test_crime_delivered_twice_counts_once_with_its_latest_outcome(off):
    assert crime(off, "D15", "outcome_code, outcome_category") == [("22", "diversion")]
    # 20 crimes D01..D20, D15 once
    assert rows_of(off, "SELECT count(*), count(DISTINCT crime_reference) "
                        "FROM marts.force_offences_classified") == [(20, 20)]


def test_the_area_marts_hold_the_area_crimes_and_their_people_only(off):
    """D11 (Gamma), D12 (no LSOA) and D13 (an LSOA no lookup knows) are classified but not
    the area's: the 17 others are, and so are their victims and suspects."""
    outside = {PSEUDONYM(r) for r in ("D11", "D12", "D13")}
    crimes = {ref for ref, in rows_of(off, "SELECT crime_reference FROM marts.fct_offences")}
    everything = {ref for ref, in rows_of(
        off, "SELECT crime_reference FROM marts.force_offences_classified")}
    assert crimes == everything - outside and len(crimes) == 17
    assert rows_of(off, "SELECT count(*) FILTER (WHERE in_area), count(*) FILTER (WHERE lad_code "
                        "IS NULL) FROM marts.fct_offences") == [(17, 0)]
    people = rows_of(off, "SELECT crime_reference, role, person_id FROM marts.fct_people")
    classified = rows_of(off, "SELECT crime_reference, role, person_id "
                              "FROM marts.force_people_classified")
    assert sorted(people) == sorted(p for p in classified if p[0] in crimes)
    assert (PSEUDONYM("D11"), "victim", PSEUDONYM("PV11")) in classified


def test_victims_and_suspects_delivered_twice_count_once(off):
    victims = rows_of(off, "SELECT age, sex, linked FROM marts.fct_people WHERE role = 'victim' "
                           "AND person_id = ?", [PSEUDONYM("PV15")])
    assert victims == [(20, "F", True)]  # the later file's age
    suspects = rows_of(off, "SELECT outcome_code, outcome_category FROM marts.fct_people "
                            "WHERE role = 'suspect' AND person_id = ?", [PSEUDONYM("PS15")])
    # the suspect's own outcome in the later file (8) overrides the crime's (22)
    assert suspects == [("8", "out_of_court_informal")]


def test_victim_left_out_of_a_later_delivery_of_the_crime_is_dropped(off):
    # D15's victims were PV15 and PV15B in the first file, only PV15 in the later one
    assert rows_of(off, "SELECT count(*) FROM marts.fct_people WHERE role = 'victim' AND "
                        "crime_reference = ?", [PSEUDONYM("D15")]) == [(1,)]


def test_force_data_quality(off, off_alt):
    assert rows_of(off, "SELECT check_order, value, detail FROM assessment.force_data_quality "
                        "ORDER BY check_order") == [
        (1, 20, None),     # D01..D20
        (2, 17, None),     # all but D11 (Gamma), D12 (no LSOA), D13 (unknown LSOA)
        (3, 1, "Not counted in any district"),  # D12
        (4, 1, None),      # D13
        (5, 1, "99Z"),     # D14
        (6, 1, "X9"),      # D16
        (7, 1, None),      # PVX of NOPE-1
        (8, 1, None),      # PSX of NOPE-2
        (9, 1, "Cannot be counted as repeat victims or suspects"),  # D03's suspect
    ]
    # include_codes: [99Z] puts it in the list (group 'other')
    assert rows_of(off_alt, "SELECT value FROM assessment.force_data_quality "
                            "WHERE check_order = 5") == [(0,)]


def test_force_reporting_period(off):
    # recorded months 2023-06 (D17) .. 2024-12: 19 months, the latest 12 from 2024-01
    assert rows_of(off, "SELECT * FROM marts.force_reporting_period") == [
        ("2023-06", "2024-12", "2024-01", 19)]


def test_force_monthly_serious_violence_in_the_area(off):
    got = dict(rows_of(off, "SELECT month, offences FROM assessment.force_monthly "
                            "WHERE geography_level = 'area' AND measure = ?", [SV]))
    assert len(got) == 19  # every month 2023-06 .. 2024-12, zeros included
    nonzero = {m: n for m, n in got.items() if n}
    assert nonzero == {
        "2023-06": 1,  # D17
        "2024-03": 1,  # D01
        "2024-04": 1,  # D03 (D04 is not SV)
        "2024-05": 2,  # D05, D06
        "2024-06": 1,  # D02
        "2024-07": 1,  # D07 (D08 is not SV)
        "2024-08": 1,  # D09 (D10 is not SV)
        # 2024-09: D11, D12, D13 are in no district of the area
        "2024-10": 1,  # D15 once (D14 is not SV)
        "2024-11": 1,  # D16
        "2024-12": 3,  # D18, D19, D20
    }
    district = dict(rows_of(off, "SELECT geography_code, sum(offences) FROM "
                                 "assessment.force_monthly WHERE geography_level = 'district' "
                                 "AND measure = ? GROUP BY ALL", [SV]))
    # Alpha: D17 D01 D03 D05 D09 D15 D18 D20 = 8; Beta: D02 D06 D07 D16 D19 = 5
    assert district == {A: 8, B: 5}
    homicide = dict(rows_of(off, "SELECT month, offences FROM assessment.force_monthly "
                                 "WHERE geography_level = 'area' AND measure = ? AND offences > 0",
                            [HOMICIDE]))
    assert homicide == {"2024-03": 1, "2024-06": 1}  # D01, D02
    youth = dict(rows_of(off, "SELECT month, offences FROM assessment.force_monthly "
                              "WHERE geography_level = 'area' AND measure = ? AND offences > 0",
                         [UNDER_25]))
    # D15's victim PV15 is 20 in the latest delivery (26 in the first); PV01 30, PV20 50
    assert youth == {"2024-10": 1}


def rates(con) -> dict[tuple[str, str], tuple]:
    return {(g, m): tuple(rest) for g, m, *rest in rows_of(
        con, "SELECT geography_code, measure, offences, population, rate_per_100k, ci_lower, "
             "ci_upper, period FROM assessment.force_rates")}


def test_force_rates_per_100000_with_exact_intervals(off):
    got = rates(off)
    period = "2024-01 to 2024-12"
    # Homicide: D01 + D02 = 2 in 100,000: 2.0; 0.24221 -> 0.2; 7.22469 -> 7.2
    assert got[(AREA, HOMICIDE)] == (2, 100000, 2.0, 0.2, 7.2, period)
    # SV in the area, 2024: D01 D02 D03 D05 D06 D07 D09 D15 D16 D18 D19 D20 = 12 (D17 is 2023)
    #   12.0; 6.20058 -> 6.2; 20.96159 -> 21.0
    assert got[(AREA, SV)] == (12, 100000, 12.0, 6.2, 21.0, period)
    # Alpha, 60,000: D01 D03 D05 D09 D15 D18 D20 = 7: 7 / 0.6 = 11.67 -> 11.7;
    #   2.81436 / 0.6 = 4.69 -> 4.7; 14.42268 / 0.6 = 24.04 -> 24.0
    assert got[(A, SV)] == (7, 60000, 11.7, 4.7, 24.0, period)
    # Beta, 40,000: D02 D06 D07 D16 D19 = 5: 5 / 0.4 = 12.5; 1.62348 / 0.4 = 4.06 -> 4.1;
    #   11.66833 / 0.4 = 29.17 -> 29.2
    assert got[(B, SV)] == (5, 40000, 12.5, 4.1, 29.2, period)
    # Beta's one homicide, D02: 1 / 0.4 = 2.5;
    #   0.02532 / 0.4 = 0.0633 -> 0.1; 5.57164 / 0.4 = 13.93 -> 13.9
    assert got[(B, HOMICIDE)] == (1, 40000, 2.5, 0.1, 13.9, period)
    # victims under 25: D15 only: 1.0; 0.02532 -> 0.0; 5.57164 -> 5.6
    assert got[(AREA, UNDER_25)] == (1, 100000, 1.0, 0.0, 5.6, period)
    # Gamma is not a geography of the area
    assert {g for g, _ in got} == {AREA, A, B}


def test_time_profile(off):
    hours = {(d, h): n for _, d, h, n in rows_of(
        off, "SELECT * FROM assessment.time_profile WHERE profile = 'hour_by_day'")}
    assert hours == {
        (1, 22): 1,  # D01 Monday 22:30
        (6, 2): 3,   # D02 Saturday 02:15, D09 Saturday 02:40, D15 Saturday 02:05
        (3, 14): 1,  # D03 Wednesday 14:05
        (3, 23): 1,  # D05 Wednesday 23:59
        (4, 0): 1,   # D06 Thursday, a date without a time (read as 00:00)
        (7, 18): 1,  # D07 Sunday 18:00:00
        (7, 12): 1,  # D18 Sunday 12:00
        (1, 12): 1,  # D19 Monday 12:30
        (6, 23): 1,  # D20 Saturday 23:10
    }  # 11 = the 12 SV crimes of 2024 less D16 (no committed date); D17 is before 2024
    months = {(y, m): n for _, y, m, n in rows_of(
        off, "SELECT * FROM assessment.time_profile WHERE profile = 'month_by_year'")}
    assert months == {(2023, 6): 1, (2024, 3): 1, (2024, 4): 1, (2024, 5): 2, (2024, 6): 1,
                      (2024, 7): 1, (2024, 8): 1, (2024, 10): 1, (2024, 11): 1, (2024, 12): 3}


def test_outcomes_force(off):
    got = {c: (n, s, f) for c, n, s, f in rows_of(
        off, "SELECT outcome_category, crimes, share_pct, share_of_finalised_pct "
             "FROM assessment.outcomes_force WHERE geography_level = 'area'")}
    # the 12 SV crimes of 2024 in the area; 5 open: D02 D05 D18 D19 D20; 7 with an outcome
    assert {c: n for c, (n, _, _) in got.items()} == {
        "not_yet": 5,
        "charge_summons": 1,                 # D01 (1)
        "penalty_notice": 1,                 # D06 (6)
        "out_of_court_informal": 1,          # D03 (8)
        "out_of_court_formal": 1,            # D07 (3)
        "no_further_action_evidential": 1,   # D09 (16)
        "diversion": 1,                      # D15 (22, its latest version)
        "unknown": 1,                        # D16 (X9)
    }
    assert got["not_yet"][1] == 41.7     # 5 / 12 = 41.67%
    assert got["diversion"][1:] == (8.3, 14.3)  # 1 / 12 = 8.33%; 1 / 7 = 14.29%
    assert got["charge_summons"][1:] == (8.3, 14.3)
    alpha = dict(rows_of(off, "SELECT outcome_category, crimes FROM assessment.outcomes_force "
                              "WHERE geography_code = ?", [A]))
    # Alpha: D01 charge, D03 informal, D05 open, D09 NFA, D15 diversion, D18 open, D20 open
    assert alpha == {"not_yet": 3, "charge_summons": 1, "out_of_court_informal": 1,
                     "no_further_action_evidential": 1, "diversion": 1}


def test_outcomes_force_share_of_finalised_is_blank_for_open_crimes(off):
    assert rows_of(off, "SELECT share_of_finalised_pct FROM assessment.outcomes_force "
                        "WHERE geography_level = 'area' AND outcome_category = 'not_yet'") == [
        (None,)]


def test_outcome22_monthly(off):
    got = {m: rest for m, *rest in rows_of(off, "SELECT * FROM assessment.outcome22_monthly")}
    assert len(got) == 19  # 2023-06 .. 2024-12
    # month: outcome_22, other_out_of_court, charge_summons, finalised, crimes, % of finalised
    assert got["2023-06"] == [0, 0, 1, 1, 1, 0.0]      # D17 charged
    assert got["2024-01"] == [0, 0, 0, 0, 0, None]     # no crimes
    assert got["2024-03"] == [0, 0, 1, 1, 1, 0.0]      # D01 charged
    assert got["2024-04"] == [0, 1, 0, 1, 1, 0.0]      # D03 community resolution
    assert got["2024-05"] == [0, 1, 0, 1, 2, 0.0]      # D05 open, D06 penalty notice
    assert got["2024-07"] == [0, 1, 0, 1, 1, 0.0]      # D07 adult caution (3)
    assert got["2024-08"] == [0, 0, 0, 1, 1, 0.0]      # D09 outcome 16
    assert got["2024-10"] == [1, 0, 0, 1, 1, 100.0]    # D15: outcome 22 (latest version)
    assert got["2024-12"] == [0, 0, 0, 0, 3, None]     # D18 D19 D20 open


def test_force_tables_have_the_documented_columns(off):
    import yaml

    from svna.project import SQL_DIR
    spec = yaml.safe_load((SQL_DIR / "assessment" / "schema.yml").read_text())["tables"]
    for table in ("force_monthly", "force_rates", "youth_violence", "time_profile",
                  "repeat_people", "outcomes_force", "outcome22_monthly", "suspect_outcomes",
                  "disproportionality", "recording_completeness", "force_data_quality", "spc"):
        documented = [c for c in spec[table]["columns"] if not c.endswith("_suppressed")]
        built = [r[0] for r in rows_of(off, f"DESCRIBE assessment.{table}")]
        assert sorted(built) == sorted(documented), table


# ============================================================================================
# Fixture 2: people — youth violence, repeat people, suspect outcomes, disproportionality,
# recording completeness.
# ============================================================================================
# Victim blocks: one SV crime (8N, recorded on the 10th, no outcome) per victim.
#   (block, crimes, month, lsoa, age, sex, ethnicity)
VICTIM_BLOCKS = [
    ("B1", 7, "2024-05", A1, 30, "M", "W1"),     # White
    ("B2", 4, "2024-05", B1, 40, "F", "W9"),     # White
    ("B3", 6, "2024-06", A1, 15, "M", "B1"),     # Black
    ("B4", 4, "2024-06", B1, 20, "F", "B2"),     # Black
    ("B5", 4, "2024-07", A1, 8, "M", "A1"),      # Asian
    ("B6", 1, "2024-07", B1, None, "M", "O2"),   # Other, age not recorded
    ("B8", 1, "2024-07", A1, 17, "M", ""),       # ethnicity not recorded
    # 2024-08, Alpha: the recording completeness month, 10 victims
    ("B7a", 1, "2024-08", A1, 22, "F", "NS"),    # ethnicity not stated
    ("B7b", 1, "2024-08", A1, None, "U", "W1"),  # sex unknown, age not recorded
    ("B7c", 1, "2024-08", A1, 30, "", "W1"),     # sex blank
    ("B7d", 7, "2024-08", A1, 30, "M", "W1"),
]  # 37 victims: White 7+4+1+1+7 = 20, Black 6+4 = 10, Asian 4, Other 1, NS 1, blank 1
# Suspect blocks: one SV crime (8N, Alpha, 2024-09-10) per suspect.
#   (block, crimes, crime outcome, age, sex, ethnicity, suspect's own outcome)
SUSPECT_BLOCKS = [
    ("SW1", 3, "22", 16, "M", "W1", ""),   # outcome 22 from the crime
    ("SW2", 9, "1", 30, "M", "W1", ""),    # charged
    ("SW3", 2, "0", 30, "M", "W1", ""),    # open: no final outcome
    ("SB1", 5, "0", 16, "M", "B1", "22"),  # own outcome 22 on an open crime
    ("SB2", 5, "16", 30, "F", "B2", ""),   # no further action
    ("SA1", 1, "22", 30, "M", "A1", "1"),  # own outcome: charged, though the crime says 22
]  # 25 suspects: White 14, Black 10, Asian 1
PERSON_OVERRIDES = {  # crime -> person id, where not the crime's own person
    "B7d-2": "V-B7d-1",  # victim of two SV crimes
    "B1-1": "P-BOTH",    # also a suspect (SW2-1)
    "SW2-1": "P-BOTH",
}


@pytest.fixture(scope="module")
def people_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("people") / "raw"
    write_common(raw)
    offences, victims, suspects = [], [], []
    for block, n, month, lsoa, age, sex, eth in VICTIM_BLOCKS:
        for i in range(1, n + 1):
            ref = f"{block}-{i}"
            offences.append(offence(ref, f"{month}-10", "8N", lsoa, f"{month}-09 20:00"))
            victims.append(person(ref, PERSON_OVERRIDES.get(ref, f"V-{ref}"), age, sex, eth,
                                  repeat_victim="N"))
    for block, n, outcome, age, sex, eth, own in SUSPECT_BLOCKS:
        for i in range(1, n + 1):
            ref = f"{block}-{i}"
            offences.append(offence(ref, "2024-09-10", "8N", A1, "2024-09-09 20:00",
                                    outcome=outcome))
            suspects.append(person(ref, PERSON_OVERRIDES.get(ref, f"S-{ref}"), age, sex, eth,
                                   outcome_code=own))
    # V-B1-2 is also the victim of a crime that is not serious violence; V-B2-1 of an SV crime
    # before the latest 12 months (2023-10 .. 2024-09)
    offences.append(offence("NSV1", "2024-05-10", "105A", A1, "2024-05-09 20:00"))
    victims.append(person("NSV1", "V-B1-2", 30, repeat_victim="Y"))
    offences.append(offence("OLD1", "2023-06-10", "8N", A1, "2023-06-09 20:00"))
    victims.append(person("OLD1", "V-B2-1", 39, "F", "W9", repeat_victim="N"))
    fx = raw / "force_extract"
    write_table(fx / "offences_2024.csv", "force_offences", offences)
    write_table(fx / "victims_2024.csv", "force_victims", victims)
    write_table(fx / "suspects_2024.csv", "force_suspects", suspects)
    pin_mtimes(raw, {})
    return raw


@pytest.fixture(scope="module")
def ppl(people_raw):
    con = build(people_raw, people_raw.parent / "default.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="module")
def ppl_alt(people_raw):
    con = build(people_raw, people_raw.parent / "alt.duckdb", **ALT)
    yield con
    con.close()


def test_population_groups_from_the_census(ppl, ppl_alt):
    eth = {(lad, g): n for lad, g, n in rows_of(
        ppl, "SELECT lad_code, \"group\", population FROM marts.population_groups "
             "WHERE dimension = 'ethnic_group'")}
    assert eth == {
        (A, "White"): 48000,  # 45,000 + Roma 1,000 + Other White 2,000
        (A, "Asian"): 6000, (A, "Black"): 3000, (A, "Mixed"): 2000,
        (A, "Other"): 1000,   # Arab; "Does not apply" (500) left out
        (B, "White"): 32000,  # 30,000 + Irish 2,000
        (B, "Asian"): 2000, (B, "Black"): 2000, (B, "Mixed"): 2000, (B, "Other"): 2000,
    }  # Gamma is not in the area
    ages = {(lad, g): n for lad, g, n in rows_of(
        ppl, "SELECT lad_code, \"group\", population FROM marts.population_groups "
             "WHERE dimension = 'age_band'")}
    # default bands 0-9 (10 years), 10-17 (8), 18-24 (7), 25+ (25..100: 76); 100 a year in
    # Alpha, 50 in Beta
    assert ages == {(A, "0-9"): 1000, (A, "10-17"): 800, (A, "18-24"): 700, (A, "25+"): 7600,
                    (B, "0-9"): 500, (B, "10-17"): 400, (B, "18-24"): 350, (B, "25+"): 3800}
    alt = {(lad, g): n for lad, g, n in rows_of(
        ppl_alt, "SELECT lad_code, \"group\", population FROM marts.population_groups "
                 "WHERE dimension = 'age_band'")}
    # [0, 16, 25]: 0-15 (16 years), 16-24 (9), 25+ (76)
    assert alt == {(A, "0-15"): 1600, (A, "16-24"): 900, (A, "25+"): 7600,
                   (B, "0-15"): 800, (B, "16-24"): 450, (B, "25+"): 3800}


def youth(con, geography: str, role: str) -> dict[str, tuple]:
    return {band: rest for band, *rest in rows_of(
        con, "SELECT age_band, people, population, rate_per_1000, ci_lower, ci_upper "
             "FROM assessment.youth_violence WHERE geography_code = ? AND role = ?",
        [geography, role])}


def test_youth_violence_default_bands(ppl):
    got = youth(ppl, AREA, "victim")
    # area populations: 0-9 1,500; 10-17 1,200; 18-24 1,050; 25+ 11,400
    assert got == {
        # B5 (8): 4 / 1.5 = 2.67; 1.08987 / 1.5 = 0.73; 10.24159 / 1.5 = 6.83
        "0-9": [4, 1500, 2.67, 0.73, 6.83],
        # B3 (15) 6 + B8 (17) 1 = 7: 7 / 1.2 = 5.83; 2.81436 / 1.2 = 2.35; 14.42268 / 1.2 = 12.02
        "10-17": [7, 1200, 5.83, 2.35, 12.02],
        # B4 (20) 4 + B7a (22) 1 = 5: 5 / 1.05 = 4.76; 1.62348 / 1.05 = 1.55;
        # 11.66833 / 1.05 = 11.11
        "18-24": [5, 1050, 4.76, 1.55, 11.11],
        # B1 7 + B2 4 + B7c 1 + B7d 7 = 19 (V-B7d-1 once per crime): 19 / 11.4 = 1.67
        "25+": [19, 11400, 1.67, ANY, ANY],
        # B6 and B7b: no age, no population
        "Age not recorded": [2, None, None, None, None],
    }
    beta = youth(ppl, B, "victim")
    # Beta: nobody aged 0-9 (500 residents): 0; 0; 3.68888 / 0.5 = 7.38
    assert beta["0-9"] == [0, 500, 0.0, 0.0, 7.38]
    assert beta["18-24"][:3] == [4, 350, 11.43]  # B4: 4 / 0.35 = 11.43
    assert beta["Age not recorded"][0] == 1      # B6
    suspects = youth(ppl, AREA, "suspect")
    # SW1 (16) 3 + SB1 (16) 5 = 8 of 10-17: 8 / 1.2 = 6.67; SW2 9 + SW3 2 + SB2 5 + SA1 1 = 17
    assert suspects["10-17"][:3] == [8, 1200, 6.67]
    assert suspects["25+"][0] == 17
    assert suspects["0-9"][0] == 0


def test_youth_violence_configured_bands(ppl_alt):
    got = youth(ppl_alt, AREA, "victim")
    # age_bands [0, 16, 25]: populations 0-15 2,400; 16-24 1,350; 25+ 11,400
    assert got == {
        # B5 (8) 4 + B3 (15) 6 = 10: 10 / 2.4 = 4.17; 4.79539 / 2.4 = 2.0; 18.39036 / 2.4 = 7.66
        "0-15": [10, 2400, 4.17, 2.0, 7.66],
        # B8 (17) 1 + B4 (20) 4 + B7a (22) 1 = 6: 6 / 1.35 = 4.44
        "16-24": [6, 1350, 4.44, ANY, ANY],
        "25+": [19, 11400, 1.67, ANY, ANY],
        "Age not recorded": [2, None, None, None, None],
    }


def test_repeat_people(ppl):
    got = {(r, m): (n, s) for r, m, n, s in rows_of(ppl, "SELECT * FROM "
                                                          "assessment.repeat_people")}
    assert got == {
        # 37 victim rows in the latest 12 months; V-B7d-1 is the victim of B7d-1 and B7d-2:
        # 36 people. V-B1-2's other crime is not SV, V-B2-1's is before the window: once.
        ("victim", "People"): (36, 100.0),
        ("victim", "More than once in 12 months"): (1, 2.8),  # 1 / 36 = 2.78%
        ("victim", "Also a suspect"): (1, 2.8),                # P-BOTH
        # 25 suspects, 25 people, none twice
        ("suspect", "People"): (25, 100.0),
        ("suspect", "More than once in 12 months"): (0, 0.0),
        ("suspect", "Also a victim"): (1, 4.0),                # P-BOTH: 1 / 25
    }


def test_suspect_outcomes(ppl):
    got = {(d, v, o): (n, s) for d, v, o, n, s in rows_of(
        ppl, "SELECT * FROM assessment.suspect_outcomes")}
    # 23 suspects with a final outcome (SW3's 2 are open): SW1 3 (22 from the crime, 16, M,
    # White), SW2 9 (charge, 30, M, White), SB1 5 (own 22, 16, M, Black), SB2 5 (16: NFA, 30,
    # F, Black), SA1 1 (own 1 overrides the crime's 22: charge, 30, M, Asian)
    d22, charge, nfa = "Outcome 22 (diversion)", "Charge or summons", \
        "No further action or other"
    assert got == {
        ("Age band", "10-17", d22): (8, 100.0),           # 3 + 5
        ("Age band", "25+", charge): (10, 66.7),          # 9 + 1 of 15
        ("Age band", "25+", nfa): (5, 33.3),              # 5 of 15
        ("Sex", "Male", d22): (8, 44.4),                  # 8 of 18
        ("Sex", "Male", charge): (10, 55.6),              # 10 of 18
        ("Sex", "Female", nfa): (5, 100.0),
        ("Ethnic group", "White", d22): (3, 25.0),        # 3 of 12
        ("Ethnic group", "White", charge): (9, 75.0),
        ("Ethnic group", "Black", d22): (5, 50.0),        # 5 of 10
        ("Ethnic group", "Black", nfa): (5, 50.0),
        ("Ethnic group", "Asian", charge): (1, 100.0),
    }


def dispro(con, measure: str) -> dict[str, tuple]:
    return {g: rest for _, g, *rest in rows_of(
        con, "SELECT measure, ethnic_group, events, denominator, rate, rate_unit, rri, "
             "rri_lower, rri_upper, reliable FROM assessment.disproportionality "
             "WHERE measure = ?", [measure])}


def test_disproportionality_rate_example(ppl):
    got = dispro(ppl, "Victims of serious violence")
    # Black: 10 victims of 5,000 residents = 2.0 per 1,000; White 20 of 80,000 = 0.25
    # RRI = 2.0 / 0.25 = 8.0; se(log) = sqrt(1/10 + 1/20) = sqrt(0.15) = 0.387298;
    # 1.959964 x 0.387298 = 0.759091; e^0.759091 = 2.136333;
    # 8 / 2.136333 = 3.7447 -> 3.74; 8 x 2.136333 = 17.0907 -> 17.09; 10 and 20 events: reliable
    assert got["Black"] == [10, 5000, 2.0, "per 1,000 residents", 8.0, 3.74, 17.09, True]
    # Asian: 4 of 8,000 = 0.5; RRI 2.0; se = sqrt(1/4 + 1/20) = sqrt(0.3) = 0.547723;
    # x 1.959964 = 1.073516; e^1.073516 = 2.925650; 2 / 2.92565 = 0.68; 2 x 2.92565 = 5.85;
    # 4 events: not reliable
    assert got["Asian"] == [4, 8000, 0.5, "per 1,000 residents", 2.0, 0.68, 5.85, False]
    # Other: 1 of 3,000 = 0.333 per 1,000; 0.3333 / 0.25 = 1.33
    assert got["Other"][:5] == [1, 3000, 0.333, "per 1,000 residents", 1.33]
    assert got["White"][:5] == [20, 80000, 0.25, "per 1,000 residents", 1.0]
    assert got["White"][-1] is True
    # nobody Mixed; not stated (B7a) and not recorded (B8) are no group
    assert set(got) == {"White", "Black", "Asian", "Other"}
    suspects = dispro(ppl, "Suspects of serious violence")
    # Black 10 of 5,000 = 2.0; White 14 of 80,000 = 0.175; 2.0 / 0.175 = 11.43
    assert suspects["Black"][:5] == [10, 5000, 2.0, "per 1,000 residents", 11.43]
    assert suspects["White"][:3] == [14, 80000, 0.175]


def test_disproportionality_proportion_example(ppl):
    got = dispro(ppl, "Outcome 22 among suspects with a final outcome")
    # White: 3 (SW1) of 12 final (SW1 3 + SW2 9) = 25%; Black: 5 (SB1, own) of 10 = 50%
    # RRI = 50 / 25 = 2.0; se = sqrt(1/5 - 1/10 + 1/3 - 1/12) = sqrt(0.35) = 0.591608;
    # x 1.959964 = 1.159530; e^1.159530 = 3.188363; 2 / 3.188363 = 0.6273 -> 0.63;
    # 2 x 3.188363 = 6.3767 -> 6.38; 5 and 3 outcomes: not reliable
    assert got["Black"] == [5, 10, 50.0, "% of suspects", 2.0, 0.63, 6.38, False]
    assert got["White"][:5] == [3, 12, 25.0, "% of suspects", 1.0]
    # Asian: SA1's own outcome 1 overrides the crime's 22: 0 of 1; the index is 0 and its
    # log interval undefined
    assert got["Asian"] == [0, 1, 0.0, "% of suspects", 0.0, None, None, False]


def test_disproportionality_agrees_with_svna_stats(ppl):
    rows = rows_of(ppl, "SELECT measure, ethnic_group, events, denominator, rri, rri_lower, "
                        "rri_upper, reliable FROM assessment.disproportionality")
    white = {m: (e, d) for m, g, e, d, *_ in rows if g == "White"}
    assert len(rows) == 10  # victims 4 groups + suspects 3 + outcome 22 3 (no stop and search)
    for measure, group, events, denominator, rri, lower, upper, reliable in rows:
        kind = "proportion" if measure.startswith("Outcome 22") else "rate"
        want = relative_rate_index(events, denominator, *white[measure], kind=kind)
        if group == "White":  # the reference against itself: index 1, no interval
            want.update(lower=None, upper=None)
        r = lambda x: None if x is None else round(x, 2)  # noqa: E731
        assert (rri, lower, upper, reliable) == (
            r(want["rri"]), r(want["lower"]), r(want["upper"]), want["reliable"]), (measure, group)


def completeness(con, geography: str, month: str = "2024-08") -> dict[str, tuple]:
    return {field: rest for field, *rest in rows_of(
        con, "SELECT field, people, recorded, recorded_pct, meets_threshold FROM "
             "assessment.recording_completeness WHERE geography_code = ? AND role = 'victim' "
             "AND month = ?", [geography, month])}


def test_recording_completeness(ppl, ppl_alt):
    # 2024-08, Alpha (the whole area that month): 10 victims B7a..B7d
    for geography in (AREA, A):
        assert completeness(ppl, geography) == {
            # all but B7a ('NS' is not recorded): 9 of 10 = 90.0% >= 0.9
            "Ethnicity": [10, 9, 90.0, True],
            # M or F: B7a F + B7d 7 M = 8; B7b 'U' and B7c blank are not: 80.0% < 0.9
            "Sex": [10, 8, 80.0, False],
            # all but B7b: 9 of 10
            "Age": [10, 9, 90.0, True],
        }
    assert rows_of(ppl, "SELECT count(*) FROM assessment.recording_completeness "
                        "WHERE geography_code = ? AND month = '2024-08'", [B]) == [(0,)]
    # completeness_threshold: 0.8 -> 8 of 10 reaches it
    assert completeness(ppl_alt, AREA)["Sex"] == [10, 8, 80.0, True]


# ============================================================================================
# Fixture 2b: edges of the config — a code both included and excluded, a threshold met exactly
# ============================================================================================
@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """100 SV crimes (8N, Alpha, 2024-01), one victim each: 55 with an ethnicity, 45 'NS';
    and one robbery (34B), a code the config includes twice (once as 34b)."""
    raw = tmp_path_factory.mktemp("edge") / "raw"
    write_common(raw)
    refs = [f"E{i:03d}" for i in range(1, 101)]
    write_table(raw / "force_extract" / "offences.csv", "force_offences",
                [offence(r, "2024-01-10", "8N", A1, "2024-01-09 20:00") for r in refs]
                + [offence("R1", "2024-01-10", "34B", A1, "2024-01-09 20:00")])
    write_table(raw / "force_extract" / "victims.csv", "force_victims",
                [person(r, f"V-{r}", 30, "M", "W1" if i <= 55 else "NS", repeat_victim="N")
                 for i, r in enumerate(refs, start=1)])
    pin_mtimes(raw, {})
    con = build(raw, raw.parent / "edge.duckdb",
                serious_violence={"include_codes": ["34B", "34b"]},
                people={"completeness_threshold": 0.55})
    yield con
    con.close()


def test_a_code_named_twice_does_not_duplicate_crimes(edge):
    # 100 x 8N + 1 x 34B: one row per crime
    assert rows_of(edge, "SELECT count(*), count(DISTINCT crime_reference) "
                         "FROM marts.fct_offences") == [(101, 101)]


def test_a_code_both_included_and_excluded_is_refused_by_the_config():

    with pytest.raises(ValueError, match=r"code\(s\) \['4\.1'\] are both included and excluded"):
        Config.model_validate({"area": {"name": "x", "districts": [A]}, "serious_violence": {
            "include_codes": ["4/1"], "exclude_codes": ["4.1"]}})


def test_completeness_with_a_configured_threshold(edge):
    # 100 victims, all M or F and all with an age: 100%
    assert completeness(edge, AREA, "2024-01")["Sex"] == [100, 100, 100.0, True]
    assert completeness(edge, AREA, "2024-01")["Age"] == [100, 100, 100.0, True]


def test_completeness_exactly_at_the_threshold_meets_it(edge):
    # 55 of 100 with an ethnicity (45 'NS'): 55.0% reaches 0.55
    assert completeness(edge, AREA, "2024-01")["Ethnicity"] == [100, 55, 55.0, True]


# ============================================================================================
# Fixture 3: SPC on a hand-built monthly series
# ============================================================================================
# Serious violence per month, 2023-01 .. 2024-03: 4 and 6 in turn for 13 months, 20, then 6.
SPC_MONTHS = [f"2023-{m:02d}" for m in range(1, 13)] + ["2024-01", "2024-02", "2024-03"]
SPC_VALUES = [4, 6, 4, 6, 4, 6, 4, 6, 4, 6, 4, 6, 4, 20, 6]
# mean = (7 x 4 + 6 x 6 + 20 + 6) / 15 = 90 / 15 = 6.0
# moving ranges: 12 of 2, then |20 - 4| = 16 and |6 - 20| = 14: mean 54 / 14 = 3.857;
# screened above 3.267 x 3.857 = 12.6: 16 and 14 go, the mean moving range is 2.0;
# limits 6 +/- 2.66 x 2 = 0.68 .. 11.32: 20 (2024-02) is beyond; nothing else breaks a rule
# (values equal to the mean break runs; 20 is the only point beyond 6 + 3.55)


@pytest.fixture(scope="module")
def spc_con(tmp_path_factory):
    raw = tmp_path_factory.mktemp("spc") / "raw"
    write_common(raw)
    rows = [offence(f"S{month}-{i}", f"{month}-10", "8N", A1, f"{month}-09 20:00")
            for month, n in zip(SPC_MONTHS, SPC_VALUES, strict=True) for i in range(n)]
    write_table(raw / "force_extract" / "offences.csv", "force_offences", rows)
    pin_mtimes(raw, {})
    con = build(raw, raw.parent / "spc.duckdb")
    yield con
    con.close()


def test_spc_flags_the_point_beyond_the_limits(spc_con):
    got = rows_of(spc_con, "SELECT month, value, mean, upper_limit, lower_limit, "
                           "outside_limits, variation FROM assessment.spc "
                           "WHERE series = 'Serious violence (force extract)' ORDER BY month")
    assert [(m, v) for m, v, *_ in got] == list(zip(SPC_MONTHS, SPC_VALUES, strict=True))
    for _, _, mean, upper, lower, _, _ in got:
        assert mean == pytest.approx(6.0)
        assert upper == pytest.approx(11.32)
        assert lower == pytest.approx(0.68)
    assert [m for m, *_, outside, _ in got if outside] == ["2024-02"]
    assert {m: v for m, *_, v in got if v != "common cause"} == {
        "2024-02": "special cause (high)"}
    knife = rows_of(spc_con, "SELECT count(*), count(*) FILTER (WHERE outside_limits) "
                             "FROM assessment.spc WHERE series LIKE 'Knife%'")
    assert knife == [(15, 0)]  # no knife offences: 15 zeros, nothing special
