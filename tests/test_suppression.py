"""Small-number suppression: primary cells and the secondary cell that protects them."""

import pandas as pd

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
    from svna.exports import published_table, suppress_for_publication

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
