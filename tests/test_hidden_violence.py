"""Triangulation of police and A&E records: the 'hidden violence' indicator, on a hand-built
fixture where each attendance's match is decided by hand."""

from __future__ import annotations

import pytest

from conftest import build_warehouse, rows_of, write_reference, write_table

A = "E07000101"
L1, L2 = "E01000011", "E01000012"


def offence(ref, lsoa, committed):
    return {"crime_reference": ref, "recorded_date": committed[:10], "committed_from": committed,
            "offence_code": "8N", "lsoa_code": lsoa, "knife_flag": "N", "firearm_flag": "N",
            "domestic_abuse_flag": "N", "outcome_code": "0"}


def attendance(ident, lsoa, day, time, location="street"):
    return {"site_code": "RXX01", "reporting_period_start": "2024-06-01",
            "reporting_period_end": "2024-06-30", "attendance_id": ident, "arrival_date": day,
            "arrival_time": time, "assault_date": day, "assault_time": time,
            "assault_method": "body part", "location_type": location,
            "location_lsoa_code": lsoa, "age_band": "18-24", "sex": "M"}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    raw = tmp_path_factory.mktemp("hidden") / "raw"
    write_reference(raw, [(L1, A, "Alpha", 1500, 2), (L2, A, "Alpha", 1500, 5)])
    write_table(raw / "force_extract" / "offences.csv", "force_offences", [
        offence("C1", L1, "2024-06-01 23:00"),
    ])
    write_table(raw / "partners" / "ae" / "ae_2024-06.csv", "ae_assaults", [
        attendance("A1", L1, "2024-06-02", "00:30"),  # 1 h 30 after C1, same LSOA: matched
        attendance("A2", L1, "2024-06-02", "08:00", "home"),  # 9 h after: no police record
        attendance("A3", L2, "2024-06-01", "23:00"),  # at C1's time but another LSOA: none
        attendance("A4", L1, "2024-06-02", None, "licensed premises"),  # no time: a day of
    ])  # C1's date is enough, matched
    connection = build_warehouse(raw, raw.parent / "w.duckdb", [A])
    yield connection
    connection.close()


def test_attendances_without_a_nearby_police_record(con):
    got = rows_of(con, "SELECT dimension, value, attendances, no_police_record, "
                       "no_police_record_pct FROM assessment.hidden_violence "
                       "ORDER BY dimension, value")
    assert got == [
        ("All", "All attendances", 4, 2, 50.0),  # A2 and A3 of four
        ("Location type", "home", 1, 1, 100.0),
        ("Location type", "licensed premises", 1, 0, 0.0),
        ("Location type", "street", 2, 1, 50.0),
        # A1 (Sunday 00:30) is a weekend night; A3 (Saturday 23:00) too; A2 and A4 are not
        ("Time", "Friday and Saturday nights (22:00-03:00)", 2, 1, 50.0),
        ("Time", "Other times", 2, 1, 50.0),
    ]


def test_triangulation_puts_the_sources_side_by_side(con):
    got = rows_of(con, "SELECT month, force_serious_violence, ae_assaults "
                       "FROM assessment.triangulation WHERE geography_level = 'area'")
    assert got == [("2024-06", 1, 4)]
