"""The multi-agency models (sql/marts/fct_partner_records.sql, partner_reporting_period.sql,
sql/assessment/partner_monthly.sql, partner_rates.sql, cohort_overlaps.sql,
partner_data_gaps.sql) on one small hand-built fixture.

Every expected value is worked out by hand from the fixture and the spec (the staging
declarations sql/staging/<partner>.yml, the default config and sql/assessment/schema.yml); the
arithmetic sits beside it. Exact Poisson 95% limits are the published (Garwood) values:

    n   lower    upper          n   lower    upper
    0   0        3.68888        7   2.81436  14.42268
    1   0.02532  5.57164       10   4.79539  18.39036
    2   0.24221  7.22469       11   5.49116  19.68204
    3   0.61867  8.76727       14   7.65393  23.48962

Geography (write_reference): Alpha (E07000101: A1 600 + A2 400 = 1,000 residents) and Beta
(E07000102: B1, 4,000) form the area, 5,000 residents; Gamma (E07000103, C1) lies outside.
L11 is a 2011 LSOA code that the 2011-to-2021 lookup maps to A2.

Default config: age bands 0-9, 10-17, 18-24, 25+; youth is under 25.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svna.pseudonymise import key_from_environment, pseudonymiser

from conftest import build_warehouse, rows_of, write_reference, write_table

A, B, C = "E07000101", "E07000102", "E07000103"
A1, A2, B1, C1 = "E01000011", "E01000012", "E01000021", "E01000031"
L11 = "E01000099"           # a 2011 code, mapped to A2 by the 2011-to-2021 lookup
UNKNOWN_LSOA = "E01999999"  # a well-formed code no lookup knows
AREA = "test-area"          # slug of "Test area"
LSOAS = [(A1, A, "Alpha", 600, 1), (A2, A, "Alpha", 400, 2), (B1, B, "Beta", 4000, 3),
         (C1, C, "Gamma", 5000, 4)]
LSOA11 = [(L11, A2, A, "Alpha"), (A1, A1, A, "Alpha"), (B1, B1, B, "Beta"),
          (C1, C1, C, "Gamma")]
BASE_MTIME = 1_700_000_000

PSEUDONYM = pseudonymiser(key_from_environment())  # conftest sets the key




def pin_mtimes(raw: Path) -> None:
    for path in raw.rglob("*.csv"):
        os.utime(path, (BASE_MTIME, BASE_MTIME))


# --- the partners' records --------------------------------------------------------------------
def ae(aid, assault_date, lsoa, band, arrival=None, method="knife or sharp object"):
    return {"site_code": "RXX01", "reporting_period_start": "2024-01-01",
            "reporting_period_end": "2024-12-31", "attendance_id": aid,
            "arrival_date": arrival or assault_date, "arrival_time": "21:00",
            "assault_date": assault_date, "assault_time": "20:30", "assault_method": method,
            "location_type": "street", "location_lsoa_code": lsoa, "age_band": band,
            "sex": "M"}


# A&E: every attendance is violence. Months 2024-03 and 2024-05. (A blank assault date fails
# the file's critical check, so the arrival-date fallback is not exercised here.)
AE = [ae("AE1", "2024-03-05", A1, "10-17"),
      ae("AE2", "2024-03-20", A2, "25-34", arrival="2024-03-21"),
      ae("AE3", "2024-05-01", "", "65+"),                   # blank LSOA: not placed
      ae("AE4", "2024-05-02", C1, "18-24")]                 # outside the area


def hosp(hid, pid, cause, lsoa, age=30, eth="W1"):
    return {"admission_id": hid, "person_id": pid, "admission_date": "2024-02-10",
            "icd10_cause": cause, "age": str(age), "sex": "M", "ethnicity": eth,
            "lsoa_code": lsoa}


# Admissions: violence only for an ICD-10 category X85..Y09 (all 2024-02).
HOSP = [hosp("H1", "HP1", "X99", A1),              # assault by sharp object: yes
        hosp("H2", "HP2", "W19", A1, eth=""),      # a fall: no
        hosp("H3", "HP3", "X85", B1),              # first assault code: yes
        hosp("H4", "HP4", "Y09.1", B1),            # last assault code, 4th char: yes
        hosp("H5", "HP5", "X84", B1, eth=""),      # intentional self-harm: no
        hosp("H6", "HP6", "Y10", B1)]              # event of undetermined intent: no


def amb(iid, when, lsoa, cat="assault"):
    return {"incident_id": iid, "call_datetime": when, "category": cat, "longitude": "0.1",
            "latitude": "52.2", "lsoa_code": lsoa}


# Ambulance: every call-out is violence. 10 in Alpha in 2024-12 (6 in A1, 4 in A2), one in
# Beta, one the lookups cannot place, and one in Alpha in 2023-12 (before the latest 12 months).
AMB = ([amb(f"AM{i}", "2024-12-01 10:00", A1) for i in range(1, 7)]
       + [amb(f"AM{i}", "2024-12-02 11:00", A2, "stabbing") for i in range(7, 11)]
       + [amb("AM11", "2024-12-31 23:30", B1, "shooting"),
          amb("AM12", "2024-12-15 12:00", UNKNOWN_LSOA),
          amb("AM13", "2023-12-05 09:00", A1)])


def yj(pid, date, otype, lsoa, age, eth="W1"):
    return {"person_id": pid, "offence_date": date, "offence_type": otype,
            "disposal": "referral order", "first_time_entrant": "Y", "age": str(age),
            "sex": "M", "ethnicity": eth, "lsoa_code": lsoa}


# Youth justice: violence for violence against the person, robbery, possession of weapons.
YJ = [yj("P1", "2024-06-01", "violence against the person", A1, 15),
      yj("P2", "2024-06-02", "Robbery", L11, 16),               # 2011 code -> A2 (Alpha)
      yj("P3", "2024-06-03", "possession of weapons", B1, 17, eth=""),
      yj("P4", "2024-06-04", "theft", B1, 16),                   # not violence
      yj("P9", "2024-07-01", "drugs", B1, 14),                   # not violence
      yj("P6", "2024-08-01", "sexual offences", B1, 17)]         # not violence


def sx(pid, date, reason, lsoa, age, eth="W1"):
    return {"person_id": pid, "exclusion_date": date, "exclusion_type": "suspension",
            "reason": reason, "school_phase": "secondary", "age": str(age), "sex": "M",
            "ethnicity": eth, "lsoa_code": lsoa}


# Exclusions: violence only for the two physical assault reasons and the weapon reason.
SX = [sx("P1", "2024-09-01", "physical assault against a pupil", A1, 15),
      sx("P1", "2024-09-15", "persistent disruptive behaviour", A1, 15),   # not violence
      sx("P7", "2024-09-02", "physical assault against an adult", B1, 13),
      sx("P8", "2024-09-03",
         "use or threat of use of an offensive weapon or prohibited item", B1, 14),
      sx("P9", "2024-09-04", "verbal abuse or threatening behaviour against a pupil", B1, 14),
      sx("P10", "2024-09-05", "bullying", B1, 12, eth="")]                   # not violence


def sc(pid, cce, gangs, sv, lsoa, age=16):
    return {"person_id": pid, "assessment_date": "2024-10-01", "factor_cce": cce,
            "factor_gangs": gangs, "factor_serious_violence": sv, "age": str(age), "sex": "F",
            "ethnicity": "B1", "lsoa_code": lsoa}


# Social care: violence where any factor is Y.
SC = [sc("P2", "Y", "N", "N", A2),     # 2021 code
      sc("P11", "N", "Y", "N", B1),
      sc("P12", "N", "N", "Y", B1),
      sc("P13", "N", "N", "N", B1),    # no factor: not violence
      sc("P14", "", "", "", B1)]       # blank factors: not violence


def pr(pid, violent, lsoa, age):
    return {"person_id": pid, "snapshot_date": "2024-11-30",
            "index_offence": "violence against the person" if violent == "Y" else "theft",
            "violent_index_offence": violent, "age": str(age), "sex": "M", "lsoa_code": lsoa}


# Probation: violence where violent_index_offence is Y.
PR = [pr("P2", "Y", A1, 18),           # P2's latest record: age 18 -> 18-24
      pr("P20", "N", B1, 30),
      pr("P21", "Y", C1, 40)]          # outside the area


def agg(month, area, count, suppressed="N", source="ae_assaults"):
    return {"source": source, "measure": "assault attendances", "month": month,
            "area_code": area, "count": count, "suppressed": suppressed}


# A&E counts for 2024-04: Beta (district) 7; Alpha by LSOA 3 + 2 (2011 code) = 5; an LSOA and a
# district outside the area; a suppressed (blank) count.
AGG = [agg("2024-04", B, "7"),
       agg("2024-04", A1, "3"),
       agg("2024-04", L11, "2"),
       agg("2024-04", C1, "4"),
       agg("2024-04", C, "6"),
       agg("2024-04", B1, "", "Y")]


def offence(ref, recorded, lsoa):
    return {"crime_reference": ref, "recorded_date": recorded,
            "committed_from": f"{recorded} 20:00", "offence_code": "8N", "lsoa_code": lsoa,
            "knife_flag": "N", "firearm_flag": "N", "domestic_abuse_flag": "N",
            "outcome_code": "0"}


def person(ref, pid, age):
    return {"crime_reference": ref, "person_id": pid, "age": str(age), "sex": "M",
            "ethnicity": "W1"}


# Force extract: P1 a victim (Alpha), P3 a suspect (Beta), P4 a victim of a crime in Gamma.
# Their crimes are recorded before their partner records, so the latest record is a partner's.
OFFENCES = [offence("F1", "2024-01-10", A1), offence("F2", "2024-01-11", B1),
            offence("F3", "2024-01-12", C1)]
VICTIMS = [person("F1", "P1", 14), person("F3", "P4", 15)]
SUSPECTS = [person("F2", "P3", 17)]


def write_partners(raw: Path, force: bool = True) -> None:
    write_reference(raw, LSOAS, LSOA11)
    p = raw / "partners"
    write_table(p / "ae_assaults" / "x.csv", "ae_assaults", AE)
    write_table(p / "hospital_admissions" / "x.csv", "hospital_admissions", HOSP)
    write_table(p / "ambulance_callouts" / "x.csv", "ambulance_callouts", AMB)
    write_table(p / "youth_justice" / "x.csv", "youth_justice", YJ)
    write_table(p / "school_exclusions" / "x.csv", "school_exclusions", SX)
    write_table(p / "social_care_assessments" / "x.csv", "social_care_assessments", SC)
    write_table(p / "probation_caseload" / "x.csv", "probation_caseload", PR)
    write_table(p / "partner_aggregates" / "x.csv", "partner_aggregates", AGG)
    if force:
        fx = raw / "force_extract"
        write_table(fx / "offences.csv", "force_offences", OFFENCES)
        write_table(fx / "victims.csv", "force_victims", VICTIMS)
        write_table(fx / "suspects.csv", "force_suspects", SUSPECTS)
    pin_mtimes(raw)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    raw = tmp_path_factory.mktemp("partners") / "raw"
    write_partners(raw)
    c = build_warehouse(raw, raw.parent / "w.duckdb", [A, B])
    yield c
    c.close()


# The second warehouse: no force extract, youth under 18, and three more files: an A&E return
# that fails its critical check (a blank assault date), an ambulance call-out dated in the
# future, and admissions with malformed ICD-10 causes (a validation warning only).
EXTRA_AE = [ae("AE9", "", A1, "10-17", arrival="2024-03-01")]
EXTRA_AMB = [amb("AM99", "2099-01-01 10:00", A1)]
EXTRA_HOSP = [hosp("H7", "HP7", "X9", A1), hosp("H8", "HP8", "X8Z", A1)]


@pytest.fixture(scope="module")
def con_no_force(tmp_path_factory):
    raw = tmp_path_factory.mktemp("noforce") / "raw"
    write_partners(raw, force=False)
    p = raw / "partners"
    write_table(p / "ae_assaults" / "bad.csv", "ae_assaults", EXTRA_AE)
    write_table(p / "ambulance_callouts" / "future.csv", "ambulance_callouts", EXTRA_AMB)
    write_table(p / "hospital_admissions" / "odd.csv", "hospital_admissions", EXTRA_HOSP)
    pin_mtimes(raw)
    c = build_warehouse(raw, raw.parent / "w.duckdb", [A, B], people={"youth_under": 18})
    yield c
    c.close()


def test_every_file_ingested_and_in_use(con):
    got = dict(rows_of(con, "SELECT dataset, count(*) FILTER (WHERE active) FROM meta.files "
                            "GROUP BY dataset"))
    for ds in ["ae_assaults", "hospital_admissions", "ambulance_callouts", "youth_justice",
               "school_exclusions", "social_care_assessments", "probation_caseload",
               "partner_aggregates", "force_offences", "force_victims", "force_suspects"]:
        assert got.get(ds) == 1, (ds, got)
    assert rows_of(con, "SELECT count(*) FROM meta.rejects") == [(0,)]


# --- (1) which records are violence -----------------------------------------------------------
def test_violence_per_source(con):
    # A&E and ambulance: every record
    assert rows_of(con, "SELECT source, count(*), count(*) FILTER (WHERE is_violence) "
                        "FROM marts.fct_partner_records "
                        "WHERE source IN ('ae_assaults', 'ambulance_callouts') "
                        "GROUP BY source ORDER BY source") == [
        ("ae_assaults", 4, 4), ("ambulance_callouts", 13, 13)]
    by_detail = {(s, d): v for s, d, v in rows_of(
        con, "SELECT source, detail, bool_or(is_violence) FROM marts.fct_partner_records "
             "WHERE source NOT IN ('ae_assaults', 'ambulance_callouts') GROUP BY ALL")}
    assert by_detail == {
        # admissions: the ICD-10 category (3 characters) within X85..Y09
        ("hospital_admissions", "X99"): True, ("hospital_admissions", "W19"): False,
        ("hospital_admissions", "X85"): True, ("hospital_admissions", "Y09"): True,
        ("hospital_admissions", "X84"): False, ("hospital_admissions", "Y10"): False,
        # youth justice: violence, robbery (recorded 'Robbery', lower-cased), weapons
        ("youth_justice", "violence against the person"): True,
        ("youth_justice", "robbery"): True,
        ("youth_justice", "possession of weapons"): True,
        ("youth_justice", "theft"): False, ("youth_justice", "drugs"): False,
        ("youth_justice", "sexual offences"): False,
        # exclusions: the two assault reasons and the weapon reason
        ("school_exclusions", "physical assault against a pupil"): True,
        ("school_exclusions", "physical assault against an adult"): True,
        ("school_exclusions",
         "use or threat of use of an offensive weapon or prohibited item"): True,
        ("school_exclusions", "persistent disruptive behaviour"): False,
        ("school_exclusions", "verbal abuse or threatening behaviour against a pupil"): False,
        ("school_exclusions", "bullying"): False,
        # social care: any of the three factors (concat_ws of nothing is '')
        ("social_care_assessments", "criminal exploitation"): True,
        ("social_care_assessments", "gangs"): True,
        ("social_care_assessments", "serious violence"): True,
        ("social_care_assessments", ""): False,
        # probation: violent_index_offence Y
        ("probation_caseload", "violence against the person"): True,
        ("probation_caseload", "theft"): False,
    }
    # counts of violence: hospital 3 of 6 (X99, X85, Y09); youth 3 of 6; exclusions 3 of 6;
    # social care 3 of 5; probation 2 of 3 (P2, P21)
    assert rows_of(con, "SELECT source, count(*), count(*) FILTER (WHERE is_violence) "
                        "FROM marts.fct_partner_records "
                        "WHERE source NOT IN ('ae_assaults', 'ambulance_callouts') "
                        "GROUP BY source ORDER BY source") == [
        ("hospital_admissions", 6, 3), ("probation_caseload", 3, 2),
        ("school_exclusions", 6, 3), ("social_care_assessments", 5, 3),
        ("youth_justice", 6, 3)]


def test_identifiers_pseudonymised_consistently(con):
    # the same raw id in two sources gets the same keyed pseudonym; raw ids never appear
    ids = {(s, p) for s, p in rows_of(
        con, "SELECT DISTINCT source, person_id FROM marts.fct_partner_records "
             "WHERE person_id IS NOT NULL")}
    assert ("youth_justice", PSEUDONYM("P1")) in ids
    assert ("school_exclusions", PSEUDONYM("P1")) in ids
    assert ("probation_caseload", PSEUDONYM("P2")) in ids
    assert not {p for _, p in ids} & {"P1", "P2", "HP1"}
    assert rows_of(con, "SELECT count(*) FROM marts.fct_partner_records "
                        "WHERE record_id IN ('AE1', 'H1', 'AM1')") == [(0,)]


# --- (2) placement ----------------------------------------------------------------------------
def test_placement(con):
    got = {(s, c): (l21, lad, ia) for s, c, l21, lad, ia in rows_of(
        con, "SELECT DISTINCT source, lsoa_code, lsoa21_code, lad_code, in_area "
             "FROM marts.fct_partner_records WHERE source IN ('youth_justice', 'ae_assaults', "
             "'ambulance_callouts', 'social_care_assessments', 'probation_caseload')")}
    assert got[("youth_justice", L11)] == (A2, A, True)          # 2011 code -> A2, Alpha
    assert got[("social_care_assessments", A2)] == (A2, A, True)  # 2021 code
    assert got[("ae_assaults", C1)] == (C1, C, False)             # placed, outside the area
    assert got[("probation_caseload", C1)] == (C1, C, False)
    assert got[("ae_assaults", None)] == (None, None, False)      # blank LSOA
    assert got[("ambulance_callouts", UNKNOWN_LSOA)] == (None, None, False)
    # A&E event date: the assault date (AE2 arrived 2024-03-21, assaulted 2024-03-20)
    assert rows_of(con, "SELECT event_date::VARCHAR, month, event_time::VARCHAR "
                        "FROM marts.fct_partner_records "
                        "WHERE source = 'ae_assaults' ORDER BY event_date") == [
        ("2024-03-05", "2024-03", "20:30:00"), ("2024-03-20", "2024-03", "20:30:00"),
        ("2024-05-01", "2024-05", "20:30:00"), ("2024-05-02", "2024-05", "20:30:00")]
    # ambulance: the call's date and time (AM11 2024-12-31 23:30)
    assert rows_of(con, "SELECT event_date::VARCHAR, event_time::VARCHAR "
                        "FROM marts.fct_partner_records WHERE source = 'ambulance_callouts' "
                        "AND lsoa21_code = ?", [B1]) == [("2024-12-31", "23:30:00")]


# --- (7) youth flag and age bands -------------------------------------------------------------
def test_youth_flag_and_age_band(con):
    # youth is under 25 (default): a reported band is youth when its upper age is under 25
    got = dict(rows_of(con, "SELECT age_band, bool_and(is_youth) FROM marts.fct_partner_records"
                            " WHERE source = 'ae_assaults' GROUP BY age_band"))
    assert got == {"10-17": True, "18-24": True, "25-34": False, "65+": False}
    # from an age: configured band (0-9, 10-17, 18-24, 25+), youth under 25
    got = set(rows_of(con, "SELECT age, age_band, is_youth FROM marts.fct_partner_records "
                           "WHERE source = 'probation_caseload'"))
    assert got == {(18, "18-24", True), (30, "25+", False), (40, "25+", False)}


def test_youth_flag_under_18(con_no_force):
    # youth_under 18: '10-17' (17 < 18) youth, '18-24' not; age 18 not youth
    got = dict(rows_of(con_no_force, "SELECT age_band, bool_and(is_youth) "
                                     "FROM marts.fct_partner_records "
                                     "WHERE source = 'ae_assaults' GROUP BY age_band"))
    assert got == {"10-17": True, "18-24": False, "25-34": False, "65+": False}
    assert set(rows_of(con_no_force, "SELECT age, is_youth FROM marts.fct_partner_records "
                                     "WHERE source = 'youth_justice' OR "
                                     "source = 'probation_caseload'")) == {
        (14, True), (15, True), (16, True), (17, True), (18, False), (30, False),
        (40, False)}


def test_malformed_icd10_is_not_violence(con_no_force):
    assert rows_of(con_no_force, "SELECT detail, is_violence FROM marts.fct_partner_records "
                                 "WHERE detail IN ('X9', 'X8Z') ORDER BY detail") == [
        ("X8Z", False), ("X9", False)]


def test_failed_and_future_files(con_no_force):
    # the A&E return with a blank assault date failed and is not used: still 4 A&E records
    assert rows_of(con_no_force, "SELECT count(*) FROM marts.fct_partner_records "
                                 "WHERE source = 'ae_assaults'") == [(4,)]
    # the call-out dated 2099 is left out of the reporting period (still 2024-12)...
    assert rows_of(con_no_force, "SELECT * FROM marts.partner_reporting_period") == [
        ("2023-12", "2024-12", "2024-01", "2023-01", "2023-12")]
    got = {r[0]: r[1:] for r in rows_of(
        con_no_force, "SELECT source, records, last_month, files_in_use, files_failed, "
                      "files_with_warnings FROM assessment.partner_data_gaps")}
    assert got["ae_assaults"] == (4, "2024-05", 1, 1, 0)
    # ...but is a record supplied: 13 + 1, last month 2099-01; two files in use
    assert got["ambulance_callouts"][:4] == (14, "2099-01", 2, 0)
    # admissions: x.csv and odd.csv, both with warnings (causes outside X85..Y09)
    assert got["hospital_admissions"] == (8, "2024-02", 2, 0, 2)

# --- (3) partner_monthly ----------------------------------------------------------------------
# (level, code, source, supplied_as, month, records, violence), worked from the fixture:
ALPHA_ROWS = [
    ("ae_assaults", "counts", "2024-04", 5, 5),          # A1 3 + L11 (->A2) 2
    ("ae_assaults", "records", "2024-03", 2, 2),         # AE1 (A1), AE2 (A2)
    ("ambulance_callouts", "records", "2023-12", 1, 1),  # AM13
    ("ambulance_callouts", "records", "2024-12", 10, 10),  # AM1-AM10
    ("hospital_admissions", "records", "2024-02", 2, 1),   # H1 X99 yes, H2 W19 no
    ("probation_caseload", "records", "2024-11", 1, 1),    # P2
    ("school_exclusions", "records", "2024-09", 2, 1),     # P1 assault + disruptive
    ("social_care_assessments", "records", "2024-10", 1, 1),  # P2 cce
    ("youth_justice", "records", "2024-06", 2, 2),         # P1 violence, P2 robbery (L11)
]
BETA_ROWS = [
    ("ae_assaults", "counts", "2024-04", 7, 7),          # district count; B1 suppressed: out
    ("ambulance_callouts", "records", "2024-12", 1, 1),  # AM11
    ("hospital_admissions", "records", "2024-02", 4, 2),  # X85, Y09 yes; X84, Y10 no
    ("probation_caseload", "records", "2024-11", 1, 0),   # P20 N (P21 in Gamma)
    ("school_exclusions", "records", "2024-09", 4, 2),    # P7, P8 yes; P9, P10 no
    ("social_care_assessments", "records", "2024-10", 4, 2),  # P11, P12 yes; P13, P14 no
    ("youth_justice", "records", "2024-06", 2, 1),        # P3 weapons yes, P4 theft no
    ("youth_justice", "records", "2024-07", 1, 0),        # P9 drugs
    ("youth_justice", "records", "2024-08", 1, 0),        # P6 sexual offences
]
AREA_ROWS = [  # Alpha + Beta per source, supplied_as and month
    ("ae_assaults", "counts", "2024-04", 12, 12),        # 5 + 7
    ("ae_assaults", "records", "2024-03", 2, 2),
    ("ambulance_callouts", "records", "2023-12", 1, 1),
    ("ambulance_callouts", "records", "2024-12", 11, 11),  # 10 + 1
    ("hospital_admissions", "records", "2024-02", 6, 3),   # 2 + 4, 1 + 2
    ("probation_caseload", "records", "2024-11", 2, 1),
    ("school_exclusions", "records", "2024-09", 6, 3),
    ("social_care_assessments", "records", "2024-10", 5, 3),
    ("youth_justice", "records", "2024-06", 4, 3),
    ("youth_justice", "records", "2024-07", 1, 0),
    ("youth_justice", "records", "2024-08", 1, 0),
]


def test_partner_monthly(con):
    got = rows_of(con, "SELECT geography_level, geography_code, geography_name, "
                       "geography_order, source, supplied_as, month, records, violence "
                       "FROM assessment.partner_monthly")
    expected = ([("area", AREA, "Test area", 0, *r) for r in AREA_ROWS]
                + [("district", A, "Alpha", 1, *r) for r in ALPHA_ROWS]
                + [("district", B, "Beta", 2, *r) for r in BETA_ROWS])
    assert got == expected  # and in this order (geography_order, source, supplied_as, month)


# --- (4) partner_rates ------------------------------------------------------------------------
def test_partner_reporting_period(con):
    # latest partner record 2024-12-31 (AM11); first 2023-12-05 (AM13); 2024-12 - 11 = 2024-01;
    # the previous 12: 2024-12 - 23 = 2023-01 to 2024-12 - 12 = 2023-12
    assert rows_of(con, "SELECT * FROM marts.partner_reporting_period") == [
        ("2023-12", "2024-12", "2024-01", "2023-01", "2023-12")]


def test_partner_rates(con):
    got = rows_of(con, "SELECT geography_level, geography_code, source, violence, period, "
                       "population, rate_per_1000, ci_lower, ci_upper "
                       "FROM assessment.partner_rates ORDER BY geography_order, source")
    P = "2024-01 to 2024-12"
    # rate = 1000 * n / population; limits = 1000 * table value / population, 2 d.p.
    expected = [
        # area, 5,000 residents
        # 2 + 5 + 7 = 14; 7.65393/5, 23.48962/5
        ("area", AREA, "ae_assaults", 14, P, 5000, 2.8, 1.53, 4.70),
        ("area", AREA, "ambulance_callouts", 11, P, 5000, 2.2, 1.10, 3.94),  # 2023-12 left out
        ("area", AREA, "hospital_admissions", 3, P, 5000, 0.6, 0.12, 1.75),  # .61867/5, 8.76727/5
        ("area", AREA, "probation_caseload", 1, P, 5000, 0.2, 0.01, 1.11),   # .02532/5 = .005064
        ("area", AREA, "school_exclusions", 3, P, 5000, 0.6, 0.12, 1.75),
        ("area", AREA, "social_care_assessments", 3, P, 5000, 0.6, 0.12, 1.75),
        ("area", AREA, "youth_justice", 3, P, 5000, 0.6, 0.12, 1.75),
        # Alpha, 1,000 residents: 10 events -> 10.0, 4.80 to 18.39
        ("district", A, "ae_assaults", 7, P, 1000, 7.0, 2.81, 14.42),   # 2 records + 5 counted
        ("district", A, "ambulance_callouts", 10, P, 1000, 10.0, 4.80, 18.39),
        ("district", A, "hospital_admissions", 1, P, 1000, 1.0, 0.03, 5.57),
        ("district", A, "probation_caseload", 1, P, 1000, 1.0, 0.03, 5.57),
        ("district", A, "school_exclusions", 1, P, 1000, 1.0, 0.03, 5.57),
        ("district", A, "social_care_assessments", 1, P, 1000, 1.0, 0.03, 5.57),
        ("district", A, "youth_justice", 2, P, 1000, 2.0, 0.24, 7.22),
        # Beta, 4,000 residents
        ("district", B, "ae_assaults", 7, P, 4000, 1.75, 0.70, 3.61),  # 2.81436/4, 14.42268/4
        ("district", B, "ambulance_callouts", 1, P, 4000, 0.25, 0.01, 1.39),
        ("district", B, "hospital_admissions", 2, P, 4000, 0.5, 0.06, 1.81),  # .24221/4, 7.22469/4
        ("district", B, "probation_caseload", 0, P, 4000, 0.0, 0.0, 0.92),   # 3.68888/4
        ("district", B, "school_exclusions", 2, P, 4000, 0.5, 0.06, 1.81),
        ("district", B, "social_care_assessments", 2, P, 4000, 0.5, 0.06, 1.81),
        ("district", B, "youth_justice", 1, P, 4000, 0.25, 0.01, 1.39),  # only P3 (2024-06)
    ]
    assert [tuple(float(x) if isinstance(x, float) else x for x in r) for r in got] == \
        [tuple(pytest.approx(x) if isinstance(x, float) else x for x in r) for r in expected]


# --- (5) cohort_overlaps ----------------------------------------------------------------------
def test_cohort_overlaps(con):
    got = rows_of(con, "SELECT source_a, source_b, age_band, people "
                       "FROM assessment.cohort_overlaps")
    assert got == [
        # P3: suspect of F2 (Beta) and youth justice; latest record YJ at 17
        ("police_suspects", "youth_justice", "10-17", 1),
        # P1: victim of F1 (Alpha); latest record an exclusion at 15. P4's crime is in Gamma.
        ("police_victims", "school_exclusions", "10-17", 1),
        ("police_victims", "youth_justice", "10-17", 1),
        # P2 in three sources: each pair, band at the latest record (probation, 18)
        ("probation_caseload", "social_care_assessments", "18-24", 1),
        ("probation_caseload", "youth_justice", "18-24", 1),
        # P1 (two exclusions, counted once) and P9
        ("school_exclusions", "youth_justice", "10-17", 2),
        ("social_care_assessments", "youth_justice", "18-24", 1),
    ]


def test_cohort_overlaps_without_force_extract(con_no_force):
    got = rows_of(con_no_force, "SELECT source_a, source_b, age_band, people "
                                "FROM assessment.cohort_overlaps")
    assert got == [
        ("probation_caseload", "social_care_assessments", "18-24", 1),
        ("probation_caseload", "youth_justice", "18-24", 1),
        ("school_exclusions", "youth_justice", "10-17", 2),
        ("social_care_assessments", "youth_justice", "18-24", 1),
    ]


# --- (6) partner_data_gaps --------------------------------------------------------------------
def test_partner_data_gaps(con):
    got = rows_of(con, "SELECT source, records, first_month, last_month, months_with_records, "
                       "months_missing_within, not_placed, ethnicity_missing, aggregate_rows, "
                       "suppressed_rows, files_in_use, files_failed, files_with_warnings "
                       "FROM assessment.partner_data_gaps ORDER BY source")
    assert got == [
        # 4 records, 2024-03 and 2024-05 (2024-04 missing); AE3 blank LSOA (AE4 in Gamma is
        # placed); no ethnicity held; 6 count rows of which 1 suppressed
        ("ae_assaults", 4, "2024-03", "2024-05", 2, 1, 1, None, 6, 1, 1, 0, 0),
        # 13 records, 2023-12 .. 2024-12 = 13 months, 2 with records -> 11 missing; AM12
        ("ambulance_callouts", 13, "2023-12", "2024-12", 2, 11, 1, None, 0, 0, 1, 0, 0),
        # H2 and H5 without ethnicity; warning: W19, X84, Y10 are no assault causes
        ("hospital_admissions", 6, "2024-02", "2024-02", 1, 0, 0, 2, 0, 0, 1, 0, 1),
        # P21 in Gamma is placed; probation holds no ethnicity; a caseload of snapshots has
        # no missing months (blank)
        ("probation_caseload", 3, "2024-11", "2024-11", 1, None, 0, None, 0, 0, 1, 0, 0),
        ("school_exclusions", 6, "2024-09", "2024-09", 1, 0, 0, 1, 0, 0, 1, 0, 0),   # P10
        ("social_care_assessments", 5, "2024-10", "2024-10", 1, 0, 0, 0, 0, 0, 1, 0, 0),
        # 2024-06, -07, -08: nothing missing; P3 without ethnicity; warning: 'Robbery'
        # is not lower case
        ("youth_justice", 6, "2024-06", "2024-08", 3, 0, 0, 1, 0, 0, 1, 0, 1),
    ]
