"""The partner datasets of the multi-agency needs assessment (A&E ISTV returns, hospital
admissions, ambulance call-outs, youth justice, school exclusions, children's social care,
probation and partners' counts): each declared once, with a GX suite that svna and GX both
accept, and carried end to end on a small hand-built file per dataset.

Each file has three or four rows, one of them bad in a way a warning check catches (so the file
is still used): the validation result must name that row's line and column, the identifiers
must be pseudonyms in the raw layer, and the staging model must type the good rows as worked
out by hand below.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time

import pytest

from svna import datasets, ingest, validate, warehouse
from svna.pseudonymise import key_from_environment, pseudonymiser

from conftest import build_warehouse, write_csv, write_reference

PSEUDONYM = pseudonymiser(key_from_environment())  # conftest sets the key
DECLARED = {d.name: d for d in datasets.load_datasets()}
A, B = "E07000101", "E07000102"
A1, A2, B1 = "E01000011", "E01000012", "E01000021"
LSOAS = [(A1, A, "Alpha", 1500, 1), (A2, A, "Alpha", 1500, 2), (B1, B, "Beta", 2000, 3)]

# The canonical columns, in order, and identifiers.
SPEC = {
    "ae_assaults": (
        ["site_code", "reporting_period_start", "reporting_period_end", "attendance_id",
         "arrival_date", "arrival_time", "assault_date", "assault_time", "assault_method",
         "assault_method_other", "location_type", "location_description",
         "location_lsoa_code", "age_band", "sex"],
        ["attendance_id"]),
    "hospital_admissions": (
        ["admission_id", "person_id", "admission_date", "icd10_cause", "age", "sex",
         "ethnicity", "lsoa_code"],
        ["admission_id", "person_id"]),
    "ambulance_callouts": (
        ["incident_id", "call_datetime", "category", "longitude", "latitude", "lsoa_code"],
        ["incident_id"]),
    "youth_justice": (
        ["person_id", "offence_date", "offence_type", "disposal", "first_time_entrant", "age",
         "sex", "ethnicity", "lsoa_code"],
        ["person_id"]),
    "school_exclusions": (
        ["person_id", "exclusion_date", "exclusion_type", "reason", "school_phase", "age",
         "sex", "ethnicity", "lsoa_code"],
        ["person_id"]),
    "social_care_assessments": (
        ["person_id", "assessment_date", "factor_cce", "factor_gangs",
         "factor_serious_violence", "age", "sex", "ethnicity", "lsoa_code"],
        ["person_id"]),
    "probation_caseload": (
        ["person_id", "snapshot_date", "index_offence", "violent_index_offence", "age", "sex",
         "lsoa_code"],
        ["person_id"]),
    "partner_aggregates": (
        ["source", "measure", "month", "area_code", "count", "suppressed"],
        []),
}
PARTNERS = sorted(SPEC)

# One file per dataset: its rows (the header is line 1) and the bad row's failing check as
# (expectation type, column, line, value).
FILES = {
    "ae_assaults": ([
        ["RXX01", "2024-03-01", "2024-03-31", "ATT-1001", "2024-03-09", "23:40", "2024-03-09",
         "23:15", "knife or sharp object", "", "street", "High Street", A1, "18-24", "M"],
        ["RXX01", "2024-03-01", "2024-03-31", "ATT-1002", "2024-03-10", "01:05", "2024-03-10",
         "", "body part", "", "licensed premises", "The Crown", "", "25-34", "F"],
        ["RXX01", "2024-03-01", "2024-03-31", "ATT-1003", "2024-03-12", "14:00", "2024-03-12",
         "13:30", "machete", "", "home", "", B1, "10-17", "M"],
        ["RXX01", "2024-03-01", "2024-03-31", "ATT-1004", "2024-03-20", "20:10", "2024-03-19",
         "22:00", "other", "vehicle", "other", "car park", A2, "65+", "U"],
    ], ("expect_column_values_to_be_in_set", "assault_method", 4, "machete")),
    "hospital_admissions": ([
        ["ADM-1", "NHS-PERSON-1", "2024-02-03", "X99.1", "19", "M", "B2", A1],
        ["ADM-2", "NHS-PERSON-2", "2024-02-10", "Y00", "34", "F", "W1", A2],
        ["ADM-3", "NHS-PERSON-1", "2024-02-20", "W26", "19", "M", "B2", A1],
    ], ("expect_column_values_to_match_regex", "icd10_cause", 4, "W26")),
    "ambulance_callouts": ([
        ["INC-1", "2024-04-05 22:10", "stabbing", "-0.120000", "51.500000", A1],
        ["INC-2", "2024-04-06 02:30", "assault", "", "", A2],
        ["INC-3", "2024-04-06 03:00", "shooting", "-0.130000", "5.150000", ""],
    ], ("expect_column_values_to_be_between", "latitude", 4, "5.150000")),
    "youth_justice": ([
        ["YJ-1", "2024-01-15", "possession of weapons", "referral order", "Y", "15", "M", "B1",
         A1],
        ["YJ-2", "2024-01-20", "robbery", "youth conditional caution", "N", "16", "M", "W1",
         A2],
        ["YJ-3", "2024-02-01", "violence against the person", "youth caution", "", "9", "F",
         "M1", B1],
    ], ("expect_column_values_to_be_between", "age", 4, "9")),
    "school_exclusions": ([
        ["UPN-A1", "2024-03-04", "suspension",
         "use or threat of use of an offensive weapon or prohibited item", "secondary", "14",
         "M", "W1", A1],
        ["UPN-A2", "2024-03-05", "permanent", "physical assault against a pupil", "secondary",
         "15", "F", "A1", A2],
        ["UPN-A3", "2024-03-06", "expulsion", "physical assault against an adult", "primary",
         "10", "M", "W1", B1],
    ], ("expect_column_values_to_be_in_set", "exclusion_type", 4, "expulsion")),
    "social_care_assessments": ([
        ["CS-1", "2024-05-01", "Y", "N", "Y", "14", "M", "B2", A1],
        ["CS-2", "2024-05-02", "N", "Y", "", "16", "F", "W1", A2],
        ["CS-3", "2024-05-03", "yes", "N", "N", "15", "M", "W3", B1],
    ], ("expect_column_values_to_be_in_set", "factor_cce", 4, "yes")),
    "probation_caseload": ([
        ["PR-1", "2024-06-30", "violence against the person", "Y", "23", "M", A1],
        ["PR-2", "2024-06-30", "theft", "N", "41", "F", B1],
        ["PR-3", "2024-06-30", "robbery", "Y", "30", "M", "E0100002"],
    ], ("expect_column_values_to_match_regex", "lsoa_code", 4, "E0100002")),
    "partner_aggregates": ([
        ["ae_assaults", "assault attendances", "2024-03", A1, "12", "N"],
        ["ae_assaults", "assault attendances", "2024-03", A, "", "Y"],
        ["ambulance_callouts", "stabbing call-outs", "2024-03", A, "3.5", "N"],
    ], ("expect_column_values_to_match_regex", "count", 4, "3.5")),
}


def write_partner_files(raw):
    write_reference(raw, LSOAS)
    for name, (rows, _) in FILES.items():
        write_csv(raw / "partners" / f"{name}_2024.csv", SPEC[name][0], rows)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """The partner files ingested and validated (no activation, no models)."""
    base = tmp_path_factory.mktemp("partners_validated")
    raw = base / "raw"
    write_partner_files(raw)
    declared = datasets.load_datasets()
    con = warehouse.connect(base / "w.duckdb")
    ingest.ingest(con, raw, declared, "r1")
    validate.run_validation(con, declared, "r1")
    yield con
    con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The same files through the whole assess stage."""
    base = tmp_path_factory.mktemp("partners_built")
    raw = base / "raw"
    write_partner_files(raw)
    con = build_warehouse(raw, base / "w.duckdb", [A, B])
    yield con
    con.close()


def rows_of(con, table, columns, order="line"):
    return con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()


# --- declarations and suites ------------------------------------------------------------------

@pytest.mark.parametrize("name", PARTNERS)
def test_declared_once_with_the_canonical_columns(name):
    ds = DECLARED[name]
    columns, identifiers = SPEC[name]
    assert list(ds.columns) == columns
    assert list(ds.identifiers) == identifiers
    assert ds.file_key.pattern == "(?P<file>.+)"
    assert ds.owner and ds.description
    assert ds.delivery_key("partners/a.csv") != ds.delivery_key("partners/b.csv")
    assert [d.name for d in datasets.load_datasets()].count(name) == 1


@pytest.mark.parametrize("name", PARTNERS)
def test_suite_loads_in_svna_and_gx_and_its_query_runs(name, tmp_path):
    from great_expectations.core import ExpectationSuite

    ds = DECLARED[name]
    suite = validate.load_suite(ds.suite_name)
    gx_suite = ExpectationSuite(**suite.raw)
    assert len(gx_suite.expectations) == len(suite.expectations) > 0
    first = suite.expectations[0]
    assert first["type"] == "expect_table_columns_to_match_ordered_list"
    assert first["kwargs"]["column_list"] == list(ds.columns)
    assert first["severity"] == "critical"
    assert {validate.severity(e) for e in suite.expectations} == {"critical", "warning"}
    sql, uses = validate.build_validation_query(ds, suite)
    con = warehouse.connect(tmp_path / "w.duckdb")
    ingest.ensure_raw_tables(con, (ds,))
    assert con.execute(sql, [[]] * uses).fetchall() == []  # it compiles and runs


# --- ingest and validation --------------------------------------------------------------------

def test_every_partner_file_is_recognised_and_used_with_warnings(validated):
    got = dict(validated.execute(
        "SELECT dataset, validation FROM meta.files WHERE path LIKE 'partners/%'").fetchall())
    assert got == dict.fromkeys(PARTNERS, "warning")


@pytest.mark.parametrize("name", [n for n in PARTNERS if SPEC[n][1]])
def test_identifiers_are_pseudonymised_in_the_raw_layer(validated, name):
    columns, identifiers = SPEC[name]
    rows = FILES[name][0]
    for column in identifiers:
        delivered = [row[columns.index(column)] for row in rows]
        stored = [v for (v,) in validated.execute(
            f"SELECT {column} FROM raw.{name} ORDER BY _line").fetchall()]
        assert stored == [PSEUDONYM(v) for v in delivered]
        assert all(re.fullmatch(r"P[0-9a-f]{20}", v) for v in stored)
        assert not set(delivered) & set(stored)
        hits = validated.execute(
            f"SELECT count(*) FROM raw.{name} WHERE list_contains(?, {column})",
            [delivered]).fetchall()
        assert hits == [(0,)]


def test_aggregates_have_no_identifiers_and_keep_their_values(validated):
    assert DECLARED["partner_aggregates"].identifiers == ()
    assert rows_of(validated, "raw.partner_aggregates", ["area_code", '"count"'], "_line") == [
        (A1, "12"), (A, None), (A, "3.5")]


@pytest.mark.parametrize("name", PARTNERS)
def test_the_bad_row_is_named_by_line_and_column(validated, name):
    kind, column, line, value = FILES[name][1]
    failed = validated.execute(
        "SELECT v.expectation_type, v.column_name, v.severity, v.unexpected_count, v.sample "
        "FROM meta.validation_results AS v JOIN meta.files AS f USING (file_id) "
        "WHERE v.dataset = ? AND NOT v.success", [name]).fetchall()
    assert [(t, c, s, n) for t, c, s, n, _ in failed] == [(kind, column, "warning", 1)]
    assert json.loads(failed[0][4]) == [{"line": line, "value": value}]


# --- staging ----------------------------------------------------------------------------------

def test_staging_tables_are_built_for_every_partner_dataset(built):
    tables = {t for (t,) in built.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
    ).fetchall()}
    assert set(PARTNERS) <= tables
    for name in PARTNERS:
        lines = [n for (n,) in built.execute(f"SELECT line FROM staging.{name} ORDER BY line")
                 .fetchall()]
        assert lines == list(range(2, len(FILES[name][0]) + 2)), name


def column_types(con, table):
    return dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'staging' AND table_name = ?", [table]).fetchall())


def test_staging_ae_assaults(built):
    types = column_types(built, "ae_assaults")
    assert (types["reporting_period_start"], types["arrival_date"], types["arrival_time"],
            types["assault_time"]) == ("DATE", "DATE", "TIME", "TIME")
    got = rows_of(built, "staging.ae_assaults",
                  ["file_id", "site_code", "reporting_period_end", "attendance_id",
                   "arrival_date", "arrival_time", "assault_date", "assault_time",
                   "assault_method", "assault_method_other", "location_type",
                   "location_description", "location_lsoa_code", "age_band", "sex"])
    assert got[0][1:] == ("RXX01", date(2024, 3, 31), PSEUDONYM("ATT-1001"), date(2024, 3, 9),
                          time(23, 40), date(2024, 3, 9), time(23, 15), "knife or sharp object",
                          None, "street", "High Street", A1, "18-24", "M")
    # blank time and LSOA are nulls, not midnight or ''
    assert got[1][7:] == (None, "body part", None, "licensed premises", "The Crown", None,
                          "25-34", "F")
    assert got[3][9:13] == ("vehicle", "other", "car park", A2)


def test_staging_hospital_admissions(built):
    types = column_types(built, "hospital_admissions")
    assert (types["admission_date"], types["age"]) == ("DATE", "INTEGER")
    got = rows_of(built, "staging.hospital_admissions",
                  ["admission_id", "person_id", "admission_date", "icd10_cause",
                   "icd10_category", "age", "sex", "ethnicity", "lsoa_code"])
    assert got[0] == (PSEUDONYM("ADM-1"), PSEUDONYM("NHS-PERSON-1"), date(2024, 2, 3), "X991",
                      "X99", 19, "M", "B2", A1)
    assert got[1][3:5] == ("Y00", "Y00")
    assert got[2][1] == got[0][1]  # the same patient keeps the same pseudonym


def test_staging_ambulance_callouts(built):
    types = column_types(built, "ambulance_callouts")
    assert (types["call_datetime"], types["longitude"]) == ("TIMESTAMP", "DOUBLE")
    got = rows_of(built, "staging.ambulance_callouts",
                  ["incident_id", "call_datetime", "category", "longitude", "latitude",
                   "lsoa_code"])
    assert got[0] == (PSEUDONYM("INC-1"), datetime(2024, 4, 5, 22, 10), "stabbing", -0.12, 51.5,
                      A1)
    assert got[1][3:] == (None, None, A2)


def test_staging_youth_justice(built):
    types = column_types(built, "youth_justice")
    assert (types["offence_date"], types["first_time_entrant"], types["age"]) == (
        "DATE", "BOOLEAN", "INTEGER")
    got = rows_of(built, "staging.youth_justice",
                  ["person_id", "offence_date", "offence_type", "disposal",
                   "first_time_entrant", "age", "sex", "ethnicity", "lsoa_code"])
    assert got[0] == (PSEUDONYM("YJ-1"), date(2024, 1, 15), "possession of weapons",
                      "referral order", True, 15, "M", "B1", A1)
    assert got[1][4] is False
    assert got[2][4:6] == (False, 9)  # a blank flag is not a first-time entrant


def test_staging_school_exclusions(built):
    got = rows_of(built, "staging.school_exclusions",
                  ["person_id", "exclusion_date", "exclusion_type", "reason", "school_phase",
                   "age", "sex", "ethnicity", "lsoa_code"])
    assert got[0] == (PSEUDONYM("UPN-A1"), date(2024, 3, 4), "suspension",
                      "use or threat of use of an offensive weapon or prohibited item",
                      "secondary", 14, "M", "W1", A1)
    assert got[1][2:4] == ("permanent", "physical assault against a pupil")


def test_staging_social_care_assessments(built):
    types = column_types(built, "social_care_assessments")
    assert {types[c] for c in ("factor_cce", "factor_gangs", "factor_serious_violence")} == {
        "BOOLEAN"}
    got = rows_of(built, "staging.social_care_assessments",
                  ["person_id", "assessment_date", "factor_cce", "factor_gangs",
                   "factor_serious_violence", "age", "sex", "ethnicity", "lsoa_code"])
    assert got[0] == (PSEUDONYM("CS-1"), date(2024, 5, 1), True, False, True, 14, "M", "B2", A1)
    assert got[1][2:5] == (False, True, False)  # blank = false


def test_staging_probation_caseload(built):
    got = rows_of(built, "staging.probation_caseload",
                  ["person_id", "snapshot_date", "index_offence", "violent_index_offence", "age",
                   "sex", "lsoa_code"])
    assert got[0] == (PSEUDONYM("PR-1"), date(2024, 6, 30), "violence against the person", True,
                      23, "M", A1)
    assert got[1][3] is False


def test_staging_partner_aggregates(built):
    types = column_types(built, "partner_aggregates")
    assert (types["count"], types["suppressed"], types["month_start"]) == (
        "INTEGER", "BOOLEAN", "DATE")
    got = rows_of(built, "staging.partner_aggregates",
                  ["source", "measure", "month", "month_start", "area_code", "area_type",
                   '"count"', "suppressed"])
    assert got == [
        ("ae_assaults", "assault attendances", "2024-03", date(2024, 3, 1), A1, "lsoa", 12,
         False),
        ("ae_assaults", "assault attendances", "2024-03", date(2024, 3, 1), A, "district", None,
         True),
        ("ambulance_callouts", "stabbing call-outs", "2024-03", date(2024, 3, 1), A,
         "district", None, False),
    ]
