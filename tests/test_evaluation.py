"""Evaluation of interventions: synthetic series with a known injected effect (seeded draws)
must be recovered within the intervals, no effect must give no claim, diverging pre-trends
must stop a causal reading, small numbers must be flagged; and the SQL series end to end on a
tiny warehouse whose counts are worked out by hand below."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from svna import demo
from svna.config import Config, ConfigError, load_config
from svna.evaluation import (
    Estimate,
    conservative_cov,
    describe_change,
    did_effect,
    evaluate,
    its_effects,
)

from conftest import (
    REPO,
    STREET_HEADER,
    build_warehouse,
    rows_of,
    street_row,
    write_csv,
    write_reference,
    write_table,
)

START = 24  # the intervention starts in the 25th of 36 months (2022-01 .. 2024-12)


def months(count: int, first_year: int = 2022) -> list[str]:
    return [f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(count)]


def synthetic(seed: int, *, effect: float = 1.0, treated_base: float = 60.0,
              comparison_base: float = 300.0, treated_drift: float = 0.0,
              n_months: int = 36, start: int = START, overdispersion: float | None = None,
              ) -> pd.DataFrame:
    """Treated and comparison monthly counts in the shape of assessment.intervention_series:
    a shared season (peak in July, +-20%) and a shared rise of 1% a month; the treated series
    drifts by `treated_drift` a month of its own and is multiplied by `effect` from `start`.
    Poisson draws, or gamma-Poisson with shape `overdispersion` (variance mu + mu^2/shape)."""
    rng = np.random.default_rng(seed)
    labels = months(n_months)
    t = np.arange(n_months)
    month_of_year = np.array([int(m[5:]) for m in labels])
    shared = np.exp(0.01 * t) * (1 + 0.2 * np.cos(2 * np.pi * (month_of_year - 7) / 12))
    post = t >= start
    means = {"treated": treated_base * shared * np.exp(treated_drift * t)
             * np.where(post, effect, 1.0),
             "comparison": comparison_base * shared}
    frames = []
    for role, mu in means.items():
        if overdispersion:
            mu = rng.gamma(overdispersion, mu / overdispersion)
        frames.append(pd.DataFrame({
            "role": role, "month": labels, "month_index": t,
            "period": np.where(post, "post", "pre"), "events": rng.poisson(mu),
            "lsoas": 3 if role == "treated" else 30,
            "population": 5000.0 if role == "treated" else 50000.0,
            "lsoas_with_population": 3 if role == "treated" else 30}))
    return pd.concat(frames, ignore_index=True)


INTERVENTION = {"name": "Test scheme", "measure": "serious_violence", "comparison": "rest",
                "start_month": "2024-01", "end_month": None}


def rows(series: pd.DataFrame) -> tuple[dict, dict]:
    its, did = evaluate(INTERVENTION, series, [])
    assert its["method"] == "interrupted time series"
    assert did["method"] == "difference in differences"
    return its, did


# ---- known effects recovered -----------------------------------------------------------------

def test_an_injected_fall_of_30_percent_is_recovered_by_both_methods():
    # one seed; the coverage test below checks the intervals over 100 (about 5 in 100 seeds,
    # e.g. 7, give an interval that just misses the truth, as a 95% interval should)
    its, did = rows(synthetic(seed=1, effect=0.7))
    for row in (its, did):
        assert row["ci_lower"] < 0.7 < row["ci_upper"], row
        assert row["ci_upper"] < 1  # and the fall is detected
        assert "was consistent with a fall of" in row["verdict"]
        assert not row["small_numbers"] and row["flags"] == ""
    assert its["level_ci_lower"] < 0.7 < its["level_ci_upper"]  # the truth is a step ...
    assert its["trend_ci_lower"] < 1 < its["trend_ci_upper"]  # ... with no change of trend
    assert did["pretrend_check"] == "passed"
    assert "No difference in trend was detected before the start" in did["verdict"]
    assert "cannot be read" not in did["verdict"]
    assert its["pretrend_check"] == "not applicable"


def test_the_counts_and_periods_are_reported():
    series = synthetic(seed=1, effect=0.7)
    its, did = rows(series)
    treated = series[series["role"] == "treated"]
    pre = treated.loc[treated["period"] == "pre", "events"]
    assert its["pre_months"] == 24 and its["post_months"] == 12
    assert its["treated_events_pre"] == did["treated_events_pre"] == pre.sum()
    assert its["treated_mean_pre"] == round(pre.mean(), 2)
    assert its["treated_lsoas"] == 3 and its["comparison_lsoas"] == 30


@pytest.mark.parametrize("overdispersion", [None, 20.0])
def test_intervals_cover_the_true_effect_at_about_the_stated_rate(overdispersion):
    """Over 100 seeds a 95% interval should miss the truth about 5 times; under 88 hits would
    be 3 standard errors short: intervals too narrow, claiming too much. Gamma-Poisson with
    shape 20 makes the treated counts about 4 times as variable as Poisson."""
    hits = {"its": 0, "did": 0}
    for seed in range(100):
        data = synthetic(seed, effect=0.7, overdispersion=overdispersion)
        treated, comparison = (data[data["role"] == role] for role in ("treated", "comparison"))
        its, did = its_effects(treated)["effect"], did_effect(treated, comparison)["effect"]
        hits["its"] += its.lower <= 0.7 <= its.upper
        hits["did"] += did.lower <= 0.7 <= did.upper
    assert hits["its"] >= 88 and hits["did"] >= 88, hits


# ---- no effect: no claim ---------------------------------------------------------------------

def test_no_effect_gives_an_interval_including_1_and_no_claim():
    its, did = rows(synthetic(seed=11, effect=1.0))
    for row in (its, did):
        assert row["ci_lower"] < 1 < row["ci_upper"], row
        assert "showed no detectable change" in row["verdict"]
        assert "the data could not rule out a fall of" in row["verdict"]
        assert "consistent with" not in row["verdict"]


# ---- diverging before the start: no causal reading ------------------------------------------

def test_diverging_pre_trends_refuse_a_causal_reading():
    # the treated series falls 2% a month of its own from the first month (a rate ratio of
    # 0.98^12 = 0.785 a year), with no intervention effect at all
    its, did = rows(synthetic(seed=3, effect=1.0, treated_drift=math.log(0.98)))
    assert did["pretrend_check"] == "failed"
    assert did["pretrend_p_value"] < 0.05
    assert did["pretrend_ci_lower"] < 0.785 < did["pretrend_ci_upper"]
    assert "already diverging before the start" in did["verdict"]
    assert "cannot be read as an effect of the intervention" in did["verdict"]
    assert "consistent with" not in did["verdict"]


# ---- small numbers ---------------------------------------------------------------------------

def test_few_events_and_a_short_pre_period_are_flagged():
    # 3 events a month, 8 months before the start and 4 after
    its, did = rows(synthetic(seed=5, treated_base=3.0, n_months=12, start=8))
    for row in (its, did):
        assert row["small_numbers"]
        assert "few events" in row["flags"]
        assert "short pre-period: 8 months (under 12)" in row["flags"]
        assert "short post-period: 4 months (under 6)" in row["flags"]
        assert row["verdict"].startswith("Caution: few events")


def test_no_events_after_the_start_is_not_estimated():
    series = synthetic(seed=5, treated_base=3.0)
    series.loc[(series["role"] == "treated") & (series["period"] == "post"), "events"] = 0
    its, did = rows(series)
    assert its["verdict"].startswith("Not estimated: no events")
    assert did["verdict"].startswith("Not estimated: no events")
    assert its.get("rate_ratio") is None and did.get("rate_ratio") is None


# ---- the words and the arithmetic ------------------------------------------------------------

def test_wording_follows_the_interval():
    # log RR = ln 0.8, SE 0.1: limits 0.8 x exp(-+1.96 x 0.1) = 0.8 x 0.8220 = 0.6576 and
    # 0.8 x 1.2165 = 0.9732, i.e. falls of 34% and 2.7%
    assert describe_change(Estimate(math.log(0.8), 0.1)) == \
        "was consistent with a fall of 20% (95% CI 2.7% to 34%)"
    # RR 1.25, SE 0.05: limits 1.25 x 0.9066 = 1.1333 and 1.25 x 1.1030 = 1.3788
    assert describe_change(Estimate(math.log(1.25), 0.05)) == \
        "was consistent with a rise of 25% (95% CI 13% to 38%)"
    # RR 1, SE 0.1: limits 0.8220 and 1.2165: a fall of 18% or a rise of 22% not ruled out
    assert describe_change(Estimate(0.0, 0.1)) == ("showed no detectable change; the data "
                                                   "could not rule out a fall of 18% or a rise "
                                                   "of 22%")


def test_the_combined_covariance_is_never_narrower_than_either():
    rng = np.random.default_rng(0)
    a, b = (m @ m.T for m in rng.normal(size=(2, 4, 4)))
    combined = conservative_cov(a, b)
    for c in rng.normal(size=(50, 4)):
        assert c @ combined @ c >= max(c @ a @ c, c @ b @ c) - 1e-9


# ---- config ----------------------------------------------------------------------------------

AREA = {"name": "Test area", "districts": ["E07000101"]}


def test_interventions_config_is_checked(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "area: {name: Test area, districts: [E07000101]}\n"
        "interventions:\n"
        "  - {name: A, start: 2024-13, covers: {lsoas: [E01000001]}, measure: serious_violence}\n"
        "  - {name: B, start: 2024-05, end: 2024-01, covers: {lsoas: [X]}, measure: stabbings,\n"
        "     comparison: nearby}\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "interventions.0.start" in message and "YYYY-MM" in message
    assert "interventions.1.covers" in message and "['X']" in message
    assert "interventions.1.measure" in message and "stabbings" in message
    assert "interventions.1.comparison" in message and "nearby" in message


def test_an_intervention_compared_with_itself_or_named_twice_is_refused():
    one = {"name": "A", "start": "2024-01", "covers": {"lsoas": ["E01000001"]},
           "measure": "serious_violence", "comparison": {"lsoas": ["E01000001"]}}
    with pytest.raises(ValueError, match="both covered and in the comparison"):
        Config.model_validate({"area": AREA, "interventions": [one]})
    two = {**one, "comparison": "matched"}
    with pytest.raises(ValueError, match="named twice"):
        Config.model_validate({"area": AREA, "interventions": [two, two]})


# ---- end to end: the SQL series on a tiny warehouse ------------------------------------------
A, B, OUT = "E07000101", "E07000102", "E07000199"  # two districts of the area, one outside
L1, L2, L3, L4, X1 = "E01000001", "E01000002", "E01000003", "E01000004", "E01000009"
SV = "Violence and sexual offences"

# serious violence records per LSOA, January to June 2024 (robbery in L3 for variety)
STREET_SV = {
    L1: [1, 2, 3, 1, 0, 1],  # treated; pre (Jan-Mar) mean 2, slope 1 a month: trend 1/2
    L2: [2, 2, 2, 2, 2, 2],  # decile 1, flat: trend 0
    L3: [2, 4, 6, 6, 6, 6],  # decile 1, mean 4, slope 2: trend 2/4 = 1/2, as L1
    L4: [1, 2, 3, 3, 3, 3],  # trend 1/2 too, but decile 5
    X1: [0, 0, 1, 0, 0, 0],  # outside the area
}


def _street_files(raw):
    serial = 0
    for index, month in enumerate(months(6, 2024)):
        rows = []
        for lsoa, counts in STREET_SV.items():
            for _ in range(counts[index]):
                serial += 1
                crime_type = "Robbery" if lsoa == L3 and serial % 2 else SV
                rows.append(street_row(f"c{serial}", month, lsoa, crime_type))
        if month == "2024-01":
            rows.append(list(rows[0]))  # the same Crime ID again: counted once
            rows.append(street_row("", month, L1, "Anti-social behaviour"))  # no crime at all
            rows.append(street_row("nl1", month, None, SV))  # no location: in no LSOA
        if month == "2024-02":
            rows.append(street_row("b1", month, L4, "Burglary"))  # crime, not violence
        write_csv(raw / "police_uk" / month / f"{month}-test-street.csv", STREET_HEADER, rows)


def _offence(ref, lsoa, day, knife="N"):
    return {"crime_reference": ref, "recorded_date": day, "committed_from": f"{day} 22:00",
            "offence_code": "8N", "lsoa_code": lsoa, "knife_flag": knife, "firearm_flag": "N",
            "domestic_abuse_flag": "N", "outcome_code": "0"}


def _attendance(ident, lsoa, day):
    return {"site_code": "RXX01", "reporting_period_start": "2024-01-01",
            "reporting_period_end": "2024-03-31", "attendance_id": ident, "arrival_date": day,
            "arrival_time": "23:00", "assault_date": day, "assault_time": "22:30",
            "assault_method": "body part", "location_type": "street",
            "location_lsoa_code": lsoa, "age_band": "18-24", "sex": "M"}


def _scheme(name, start, covers, measure, comparison="rest", **more):
    return {"name": name, "start": start, "covers": covers, "measure": measure,
            "comparison": comparison, **more}


INTERVENTIONS = [
    _scheme("Rest", "2024-04", {"lsoas": [L1]}, "serious_violence"),
    _scheme("Matched", "2024-04", {"lsoas": [L1]}, "serious_violence", "matched",
            matches_per_lsoa=1),
    _scheme("Ended", "2024-03", {"districts": [B]}, "all_crime", {"districts": [OUT]},
            end="2024-05"),
    _scheme("Knife", "2024-05", {"lsoas": [L1]}, "knife_enabled"),
    _scheme("Youth", "2024-04", {"lsoas": [L1, "E01000077"]}, "youth_serious_violence"),
    _scheme("A&E", "2024-03", {"lsoas": [L1]}, "ae_assaults"),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    raw = tmp_path_factory.mktemp("evaluation") / "raw"
    write_reference(raw, [(L1, A, "Alpha", 1000, 1), (L2, A, "Alpha", 1000, 1),
                          (L3, A, "Alpha", 1000, 1), (L4, B, "Beta", 2000, 5),
                          (X1, OUT, "Outside", 1500, 1)])
    _street_files(raw)
    fx = raw / "force_extract"
    write_table(fx / "offences.csv", "force_offences", [
        _offence("K1", L1, "2024-02-10", knife="Y"),
        _offence("K2", L1, "2024-05-10", knife="Y"),
        _offence("K3", L2, "2024-05-11", knife="Y"),
        _offence("Y1", L1, "2024-03-03"),  # victim aged 15: youth serious violence
        _offence("Y2", L1, "2024-04-03"),  # victim aged 40: not youth
    ])
    write_table(fx / "victims.csv", "force_victims", [
        {"crime_reference": "Y1", "person_id": "P1", "age": "15", "sex": "M",
         "ethnicity": "W1", "repeat_victim": "N"},
        {"crime_reference": "Y2", "person_id": "P2", "age": "40", "sex": "F",
         "ethnicity": "W1", "repeat_victim": "N"},
    ])
    write_table(raw / "partners" / "ae" / "ae_2024-q1.csv", "ae_assaults", [
        _attendance("A1", L1, "2024-01-05"),
        _attendance("A2", L1, "2024-03-05"),
        _attendance("A3", L2, "2024-03-06"),
    ])
    connection = build_warehouse(raw, raw.parent / "w.duckdb", [A, B],
                                 interventions=INTERVENTIONS)
    yield connection
    connection.close()


def series(con, name, role):
    return rows_of(con, "SELECT month, period, events, lsoas, population "
                        "FROM assessment.intervention_series "
                        "WHERE intervention = ? AND role = ? ORDER BY month", [name, role])


def test_units_rest_matched_and_listed(con):
    got = rows_of(con, "SELECT intervention, role, lsoa21_code FROM "
                       "assessment.intervention_units ORDER BY intervention_id, role DESC, 3")
    assert got == [
        ("Rest", "treated", L1),
        ("Rest", "comparison", L2), ("Rest", "comparison", L3), ("Rest", "comparison", L4),
        # decile 1 like L1: L2 (trend 0) and L3 (trend 1/2, as L1's): L3 is nearer
        ("Matched", "treated", L1), ("Matched", "comparison", L3),
        ("Ended", "treated", L4), ("Ended", "comparison", X1),  # outside the area: as named
        ("Knife", "treated", L1),
        ("Knife", "comparison", L2), ("Knife", "comparison", L3), ("Knife", "comparison", L4),
        ("Youth", "treated", L1),  # E01000077 is in no lookup
        ("Youth", "comparison", L2), ("Youth", "comparison", L3), ("Youth", "comparison", L4),
        ("A&E", "treated", L1),
        ("A&E", "comparison", L2), ("A&E", "comparison", L3), ("A&E", "comparison", L4),
    ]


def test_serious_violence_series_against_the_rest_of_the_area(con):
    # treated L1: Jan 1 (its repeated Crime ID once, ASB and the unlocated record not at all)
    assert series(con, "Rest", "treated") == [
        ("2024-01", "pre", 1, 1, 1000), ("2024-02", "pre", 2, 1, 1000),
        ("2024-03", "pre", 3, 1, 1000), ("2024-04", "post", 1, 1, 1000),
        ("2024-05", "post", 0, 1, 1000), ("2024-06", "post", 1, 1, 1000)]
    # L2 + L3 + L4: Jan 2+2+1 = 5, Feb 2+4+2 = 8, Mar 2+6+3 = 11, then 2+6+3 = 11 (X1 is
    # outside the area); population 1000 + 1000 + 2000
    assert series(con, "Rest", "comparison") == [
        ("2024-01", "pre", 5, 3, 4000), ("2024-02", "pre", 8, 3, 4000),
        ("2024-03", "pre", 11, 3, 4000), ("2024-04", "post", 11, 3, 4000),
        ("2024-05", "post", 11, 3, 4000), ("2024-06", "post", 11, 3, 4000)]
    assert [r[2] for r in series(con, "Matched", "comparison")] == [2, 4, 6, 6, 6, 6]  # L3


def test_all_crime_series_stops_at_the_end(con):
    # L4: violence 1, 2, 3, 3, 3 plus the February burglary; June is after the end
    assert [(r[0], r[1], r[2]) for r in series(con, "Ended", "treated")] == [
        ("2024-01", "pre", 1), ("2024-02", "pre", 3), ("2024-03", "post", 3),
        ("2024-04", "post", 3), ("2024-05", "post", 3)]
    assert [r[2] for r in series(con, "Ended", "comparison")] == [0, 0, 1, 0, 0]  # X1


def test_force_extract_and_ae_series(con):
    # the extract covers February (K1) to May (K2, K3): knives in L1 in February and May,
    # in the rest (L2) in May
    assert [(r[0], r[2]) for r in series(con, "Knife", "treated")] == [
        ("2024-02", 1), ("2024-03", 0), ("2024-04", 0), ("2024-05", 1)]
    assert [r[2] for r in series(con, "Knife", "comparison")] == [0, 0, 0, 1]
    # Y1 (victim 15) in March; Y2's victim is 40; K1 and K2 have no victim recorded
    assert [(r[0], r[2]) for r in series(con, "Youth", "treated")] == [
        ("2024-02", 0), ("2024-03", 1), ("2024-04", 0), ("2024-05", 0)]
    # A&E from January (A1) to March (A2 in L1, A3 in L2)
    assert [(r[0], r[1], r[2]) for r in series(con, "A&E", "treated")] == [
        ("2024-01", "pre", 1), ("2024-02", "pre", 0), ("2024-03", "post", 1)]
    assert [r[2] for r in series(con, "A&E", "comparison")] == [0, 0, 1]


def test_effects_table_has_two_rows_each_with_counts_and_flags(con):
    got = con.execute("SELECT * FROM assessment.intervention_effects").df()
    assert len(got) == 2 * len(INTERVENTIONS)
    rest = got[got["intervention"] == "Rest"].set_index("method")
    for method in ("interrupted time series", "difference in differences"):
        row = rest.loc[method]
        # L1: 1 + 2 + 3 = 6 before, 1 + 0 + 1 = 2 after (under 5: suppressed, and so is its
        # mean); the rest 5 + 8 + 11 = 24 before, 3 x 11 = 33 after
        assert row["treated_events_pre"] == 6 and pd.isna(row["treated_events_post"])
        assert (row["comparison_events_pre"], row["comparison_events_post"]) == (24, 33)
        assert (row["pre_months"], row["post_months"]) == (3, 3)
        assert row["treated_mean_pre"] == 2.0 and pd.isna(row["treated_mean_post"])
        assert row["small_numbers"]
        assert "few events: under 10 a month in the covered LSOAs" in row["flags"]  # 8 in 6
        assert "short pre-period: 3 months (under 12)" in row["flags"]
        assert "totals under 5 suppressed" in row["flags"]
    # 3 months before the start are too few for the pre-trend model (3 month effects, group,
    # slope on 6 observations): no check, so no reading as an effect
    assert rest.loc["difference in differences", "pretrend_check"] == "not tested"
    assert "too short to check" in rest.loc["difference in differences", "verdict"]
    assert "cannot be read as an effect" in rest.loc["difference in differences", "verdict"]
    youth = got[got["intervention"] == "Youth"]
    assert youth["flags"].str.contains("codes in no lookup, left out: E01000077").all()
    knife = got[(got["intervention"] == "Knife")].set_index("method")
    # 4 months cannot carry the time series' 4 parameters and a dispersion
    assert knife.loc["interrupted time series", "verdict"].startswith(
        "Not estimated: too few months")
    assert not got["verdict"].isna().any()


def test_no_interventions_leaves_an_empty_table_with_its_columns(tmp_path):
    raw = tmp_path / "raw"
    write_reference(raw, [(L1, A, "Alpha", 1000, 1)])
    write_csv(raw / "police_uk" / "2024-01" / "2024-01-test-street.csv", STREET_HEADER,
              [street_row("c1", "2024-01", L1, SV)])
    connection = build_warehouse(raw, tmp_path / "w.duckdb", [A])
    try:
        assert rows_of(connection, "SELECT count(*) FROM assessment.intervention_effects") \
            == [(0,)]
        columns = [r[0] for r in rows_of(connection,
                                          "DESCRIBE assessment.intervention_effects")]
        import yaml

        from svna.project import SQL_DIR
        spec = yaml.safe_load((SQL_DIR / "assessment" / "schema.yml").read_text())["tables"]
        assert columns == list(spec["intervention_effects"]["columns"])
        for table in ("intervention_units", "intervention_series"):
            built = [r[0] for r in rows_of(connection, f"DESCRIBE assessment.{table}")]
            documented = [c for c in spec[table]["columns"] if not c.endswith("_suppressed")]
            assert built == documented, table
    finally:
        connection.close()


# ---- the demo's built-in intervention --------------------------------------------------------

def test_demo_config_names_the_lsoas_where_the_demo_builds_its_effect():
    seed = 20240601  # generate_demo_data's default, which `svna demo` uses
    lsoas = demo._build_geography(np.random.default_rng(seed), random.Random(seed))
    scheme = load_config(REPO / "config" / "demo.yaml").interventions[0]
    assert sorted(scheme.covers.lsoas) == sorted(x.code for x in demo.demo_intervention_lsoas(
        lsoas))
    assert scheme.start == demo.DEMO_INTERVENTION_START
    assert scheme.measure == "serious_violence"


def test_demo_intervention_drops_a_fifth_of_the_treated_violence_and_nothing_else():
    lsoas = demo._build_geography(np.random.default_rng(1), random.Random(1))
    treated = demo.demo_intervention_lsoas(lsoas)[0].code
    other = next(x.code for x in lsoas if x.district.name == "Eastmere")

    def row(crime_id, month, lsoa, crime_type=SV):
        return [crime_id, month, "F", "F", "0", "0", "On or near X", lsoa, "n", crime_type,
                "Under investigation", ""]

    street = {
        "2024-12": [row(f"pre{i}", "2024-12", treated) for i in range(200)],  # before: kept
        "2025-02": [row(f"t{i}", "2025-02", treated) for i in range(1000)]
        + [row(f"b{i}", "2025-02", treated, "Burglary") for i in range(200)]  # not violence
        + [row(f"o{i}", "2025-02", other) for i in range(200)],  # not covered
    }
    outcomes = {"2025-02": [[r[0], "2025-02"] for r in street["2025-02"]]}
    demo._apply_demo_intervention(1, lsoas, street, outcomes)
    kept = {r[0] for rows in street.values() for r in rows}
    dropped = 1000 - sum(i.startswith("t") for i in kept)
    # each of 1000 dropped with probability 0.2: 200, sd sqrt(1000 x 0.2 x 0.8) = 12.6
    assert 150 < dropped < 250
    assert sum(i.startswith(("pre", "b", "o")) for i in kept) == 600
    assert {r[0] for r in outcomes["2025-02"]} == {i for i in kept if not i.startswith("pre")}


def test_demo_files_with_the_intervention_lose_only_its_prevented_records(tmp_path,
                                                                           monkeypatch):
    """The same demo with and without the built-in effect: the street files from its start lose
    serious violence records placed in its LSOAs (about a fifth of them), the outcome files
    lose those crimes' outcomes, and every other byte is the same."""
    import csv

    with_it = tmp_path / "with"
    demo.generate_demo_data(with_it, months=14, end_month="2025-12")
    monkeypatch.setattr(demo, "_apply_demo_intervention", lambda *args: None)
    without = tmp_path / "without"
    demo.generate_demo_data(without, months=14, end_month="2025-12")
    files = sorted(p.relative_to(without).as_posix() for p in without.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(with_it).as_posix() for p in with_it.rglob("*")
                           if p.is_file())
    scheme = load_config(REPO / "config" / "demo.yaml").interventions[0]
    with (with_it / "reference" / "lsoa11_to_lsoa21_to_lad.csv").open(encoding="utf-8-sig") as f:
        to_2021 = {r["LSOA11CD"]: r["LSOA21CD"] for r in csv.DictReader(f)}
    violence = {"Violence and sexual offences", "Robbery", "Possession of weapons"}

    def lines(root, name):
        return (root / name).read_text(encoding="utf-8").splitlines()

    def removed(old, new):  # new must be old with lines taken out, in the same order
        kept, gone = iter(new), []
        following = next(kept, None)
        for line in old:
            if line == following:
                following = next(kept, None)
            else:
                gone.append(line)
        assert following is None, "a line was changed or added"
        return gone

    prevented, treated_kept = set(), 0
    def touched(name, kind):
        return name.startswith("police_uk/") and name.split("/")[1] >= scheme.start \
            and name.endswith(kind)

    for name in (n for n in files if touched(n, "-street.csv")):
        old, new = lines(without, name), lines(with_it, name)
        for row in csv.reader(removed(old, new)):
            assert row[9] in violence and to_2021.get(row[7], row[7]) in scheme.covers.lsoas
            prevented.add(row[0])
        treated_kept += sum(1 for row in csv.reader(new[1:]) if row[9] in violence
                            and to_2021.get(row[7], row[7]) in scheme.covers.lsoas)
    outcomes_gone = set()
    for name in files:
        if touched(name, "-outcomes.csv"):
            gone = removed(lines(without, name), lines(with_it, name))
            outcomes_gone |= {row[0] for row in csv.reader(gone)}
        elif not touched(name, "-street.csv"):
            assert (without / name).read_bytes() == (with_it / name).read_bytes(), name
    assert outcomes_gone and outcomes_gone <= prevented
    share = len(prevented) / (len(prevented) + treated_kept)
    assert 0.15 < share < 0.25, share  # 1 - DEMO_INTERVENTION_RATE_RATIO = 0.2
