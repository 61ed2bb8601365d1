"""Small-number suppression for published tables built from person-level records: a count
from 1 to threshold-1 could identify someone, so it is hidden, and so is a second count in
the same group whenever one alone would let the hidden one be recovered from the total."""

from __future__ import annotations

import pandas as pd

SUPPRESSED = None  # published as a blank cell, with a flag column saying why


def suppress_small_counts(
    frame: pd.DataFrame, count_column: str, threshold: int, group_columns: list[str],
    share_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Blank counts 1..threshold-1 (primary) and, in any group with exactly one blanked cell,
    the smallest other non-zero count too (secondary). Adds `<count>_suppressed`."""
    out = frame.copy()
    counts = out[count_column]
    primary = (counts > 0) & (counts < threshold)
    secondary = pd.Series(False, index=out.index)
    for _, group in out[primary].groupby(group_columns, dropna=False, sort=False):
        members = out.index[
            (out[group_columns] == group.iloc[0][group_columns]).all(axis=1)
        ]
        hidden = primary[members]
        if hidden.sum() == 1:
            candidates = counts[members][(~hidden) & (counts[members] > 0)]
            if not candidates.empty:
                secondary[candidates.idxmin()] = True
    flag = primary | secondary
    out[count_column] = counts.astype("Int64").mask(flag, SUPPRESSED)
    for column in share_columns:
        out[column] = out[column].mask(flag, SUPPRESSED)
    out[f"{count_column}_suppressed"] = flag.map({True: "yes", False: ""})
    return out
