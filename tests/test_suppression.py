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
