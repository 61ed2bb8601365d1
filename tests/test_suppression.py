"""Small-number suppression: primary cells and the secondary cell that protects them."""

import pandas as pd
import pytest

from svna.exports import ExportError, published_table, suppress_for_publication, suppress_tables
from svna.suppression import suppress_small_counts


def frame(rows):
    return pd.DataFrame(rows, columns=["geo", "dimension", "value", "n"])


def test_counts_below_threshold_are_blanked_and_zero_is_kept():
    out = suppress_small_counts(frame([
        ("A", "age", "10-17", 3), ("A", "age", "18-24", 40), ("A", "age", "25-34", 0),
        ("A", "age", "over 34", 2), ("A", "age", "under 10", 12),
    ]), "n", 5, ["geo", "dimension"])
    assert out["n"].isna().tolist() == [True, False, False, True, False]
    assert out.loc[2, "n"] == 0  # a true zero discloses nobody
    assert out["n_suppressed"].tolist() == ["yes", "", "", "yes", ""]


def test_a_lone_suppressed_cell_takes_the_smallest_other_count_with_it():
    out = suppress_small_counts(frame([
        ("A", "age", "10-17", 4), ("A", "age", "18-24", 40), ("A", "age", "25-34", 9),
        ("B", "age", "10-17", 30), ("B", "age", "18-24", 31),
    ]), "n", 5, ["geo", "dimension"])
    # In A, 4 alone would be recoverable from the total: 9 (the smallest other) goes too.
    assert out["n"].isna().tolist() == [True, False, True, False, False]


def test_threshold_is_configurable_and_shares_follow_the_counts():
    data = frame([("A", "x", "a", 7), ("A", "x", "b", 8), ("A", "x", "c", 50)])
    data["share"] = [10.8, 12.3, 76.9]
    out = suppress_small_counts(data, "n", 10, ["geo", "dimension"], share_columns=("share",))
    assert out["n"].isna().tolist() == [True, True, False]
    assert out["share"].isna().tolist() == [True, True, False]
    unchanged = suppress_small_counts(data, "n", 5, ["geo", "dimension"])
    assert unchanged["n"].tolist() == [7, 8, 50]


def test_ratios_to_a_hidden_reference_row_are_hidden_too():
    table = pd.DataFrame({
        "measure": ["Victims"] * 3 + ["Suspects"] * 2,
        "ethnic_group": ["White", "Black", "Asian", "White", "Black"],
        "events": [3, 40, 50, 400, 90], "denominator": [1000] * 5,
        "rate": [3.0, 40.0, 50.0, 400.0, 90.0], "rri": [1.0, 13.3, 16.7, 1.0, 0.23],
        "rri_lower": [None, 4.1, 5.2, None, 0.18], "rri_upper": [None, 43.0, 53.0, None, 0.29],
        "reliable": [False, False, False, True, True]})
    out = suppress_for_publication(table, published_table("disproportionality"), 5)
    # White victims (3) are hidden, and 40 with them (a lone hidden cell); 50 is shown, but its
    # index 16.7 = (50 / 1000) / (3 / 1000) would give the 3 back: the indices go too
    assert out["events_suppressed"].tolist() == ["yes", "yes", "", "", ""]
    assert out.loc[2, "events"] == 50 and out.loc[:2, "rri"].isna().all()
    assert out.loc[4, "rri"] == 0.23  # the suspects' reference is shown: their index too


# --- counts that two tables publish (schema.yml same_counts) -----------------------------

def outcome22_tables() -> dict[str, pd.DataFrame]:
    """Suspects with a final outcome by ethnic group and outcome, and outcome 22's share by
    group in disproportionality: the same outcomes 22, and the group totals as denominators."""
    suspects = pd.DataFrame([
        ("White", "Charge or summons", 100), ("White", "Outcome 22 (diversion)", 50),
        ("White", "No further action or other", 50),
        ("Black", "Charge or summons", 20), ("Black", "Outcome 22 (diversion)", 6),
        ("Black", "Other out-of-court", 3), ("Black", "No further action or other", 30),
        ("Asian", "Charge or summons", 32), ("Asian", "Outcome 22 (diversion)", 8),
        ("Mixed", "Charge or summons", 18), ("Mixed", "Outcome 22 (diversion)", 12),
    ], columns=["value", "outcome_group", "suspects"]).assign(dimension="Ethnic group")
    suspects["share_pct"] = 0.0
    measure = "Outcome 22 among suspects with a final outcome"
    groups = pd.DataFrame({"ethnic_group": ["White", "Black", "Asian", "Mixed"],
                           "events": [50, 6, 8, 12], "denominator": [200, 59, 40, 30]})
    groups = groups.assign(measure=measure, rate=100 * groups["events"] / groups["denominator"],
                           rate_unit="% of suspects", rri=1.0, rri_lower=None, rri_upper=None,
                           reliable=True)
    return {"suspect_outcomes": suspects, "disproportionality": groups}


def hidden(frame: pd.DataFrame, count: str, *keys: str) -> set[tuple]:
    rows = frame[frame[f"{count}_suppressed"] == "yes"]
    return set(rows[list(keys)].itertuples(index=False, name=None))


def test_a_count_two_tables_publish_is_hidden_in_both():
    frames = outcome22_tables()
    # each alone: Black's other out-of-court (3) takes its outcome 22 (6) with it in
    # suspect_outcomes, but disproportionality shows that 6 and Black's 59 suspects with a
    # final outcome, so 59 - 20 - 6 - 30 gives the 3 back
    alone = suppress_for_publication(frames["disproportionality"],
                                     published_table("disproportionality"), 5)
    assert not hidden(alone, "events", "ethnic_group")
    stop_search = pd.DataFrame(columns=["geography_level", "geography_code", "geography_name",
                                        "geography_order", "dimension", "value", "searches",
                                        "share_pct"])
    out = suppress_tables({**frames, "stop_search": stop_search}, 5)
    # together: Black's 6 hides in disproportionality, which then hides its smallest other,
    # Asian's 8; that is hidden in suspect_outcomes too, whose Asian row then hides 32
    assert hidden(out["suspect_outcomes"], "suspects", "value", "outcome_group") == {
        ("Black", "Other out-of-court"), ("Black", "Outcome 22 (diversion)"),
        ("Asian", "Outcome 22 (diversion)"), ("Asian", "Charge or summons")}
    assert hidden(out["disproportionality"], "events", "ethnic_group") == {("Black",), ("Asian",)}
    assert out["disproportionality"]["rate"].isna().tolist() == [False, True, True, False]
    with pytest.raises(ExportError, match="needs stop_search"):
        suppress_tables(frames, 5)


def test_a_small_denominator_of_suspects_is_hidden():
    frames = outcome22_tables()
    groups = frames["disproportionality"]
    groups.loc[3, ["events", "denominator", "rate"]] = [0, 3, 0.0]  # 3 Mixed suspects, none 22
    out = suppress_for_publication(groups, published_table("disproportionality"), 5)
    # the 3 is a count of people: hidden, and the rate with it; a second denominator hides
    # too (the smallest other, Asian's 40), else the total of suspects would give it back
    assert hidden(out, "denominator", "ethnic_group") == {("Mixed",), ("Asian",)}
    assert out.loc[3, "events"] == 0 and pd.isna(out.loc[3, "rate"])
    assert out.loc[0, "denominator"] == 200


def test_a_headline_hidden_in_the_table_it_comes_from_is_hidden():
    # an area's 30 records, 3 of them in its one district (the rest placed in none): the 3
    # can only be protected by hiding the area's 30
    geo = pd.DataFrame({"geography_level": ["area", "district"],
                        "geography_code": ["Area", "E07000001"],
                        "geography_name": ["Area", "North"], "geography_order": [0, 1],
                        "source": "ae_assaults"})
    rates = geo.assign(violence=[30, 3], period="2024-01 to 2024-12", population=1000,
                       rate_per_1000=0.0, ci_lower=0.0, ci_upper=0.0)
    comparison = geo.assign(latest_12=[30, 3], previous_12=[40, 20], pct_change=0.0,
                            ratio=1.0, ratio_ci_lower=0.5, ratio_ci_upper=2.0)
    headline = pd.DataFrame({"measure": ["partner_ae_assaults"], "events": [30],
                             "value": [30.0], "ci_lower": [20.0], "ci_upper": [40.0]})
    out = suppress_tables({"partner_rates": rates, "partner_comparison": comparison,
                           "headlines": headline, "since_last": headline.assign(change=1.0),
                           "hidden_violence": pd.DataFrame()}, 5)  # not built: no A&E data
    assert out["partner_rates"]["violence_suppressed"].tolist() == ["yes", "yes"]
    assert out["headlines"]["events_suppressed"].tolist() == ["yes"]
    assert out["since_last"]["events_suppressed"].tolist() == ["yes"]
    assert out["headlines"]["value"].isna().all()


def test_a_lone_count_hides_a_zero_beside_it():
    """Decile 1 hides Eastby's 6 to protect Westby's 1; Eastby's only other LSOA has none, so
    the 6 would be Eastby's whole total (and 7 - 6 give the 1 back): its 0 is hidden too."""
    lsoas = pd.DataFrame({"lad": ["East", "East", "West", "West", "West"],
                          "decile": [1, 2, 1, 2, 2], "n": [6, 0, 1, 8, 4]})
    out = suppress_small_counts(lsoas, "n", 5, [["lad"], ["decile"]])
    assert out["n_suppressed"].tolist() == ["yes"] * 5
    assert out["n"].isna().all()
