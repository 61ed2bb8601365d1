"""Small-number suppression for published tables built from person-level records: a count
from 1 to threshold-1 could identify someone, so it is hidden (primary suppression), and so
is any further count that would let a hidden one be worked out by subtraction (secondary)."""

from __future__ import annotations

import pandas as pd


def suppress_small_counts(
    frame: pd.DataFrame, count_column: str, threshold: int,
    group_columns: list[str] | list[list[str]], share_columns: tuple[str, ...] = (),
    totals: tuple[list[str], pd.Series] | None = None,
) -> pd.DataFrame:
    """Blank counts 1..threshold-1; then, until nothing changes, wherever a set of cells that
    adds up to a known total has exactly one hidden cell, hide its smallest other non-zero one.

    Cells add up within each group of `group_columns` (its total is published or derivable;
    give a list of such column lists when a table adds up in several directions) and, with
    `totals=(cell_columns, is_total)`, across rows sharing `cell_columns`, where the
    `is_total` row is the sum of the others (an area and its districts). There the other
    district goes first, so that the area's figures survive. Adds `<count>_suppressed`.
    """
    groupings = group_columns if group_columns and isinstance(group_columns[0], list) \
        else [group_columns]
    counts = frame[count_column]
    hidden = (counts > 0) & (counts < threshold)

    def hide_a_second(cells: pd.Index) -> bool:
        others = cells[~hidden[cells] & (counts[cells] > 0)]
        if hidden[cells].sum() != 1 or others.empty:
            return False
        hidden[counts[others].idxmin()] = True
        return True

    changed = True
    while changed:
        changed = False
        for grouping in groupings:
            for _, group in frame.groupby(grouping, dropna=False, sort=False):
                changed |= hide_a_second(group.index)
        if totals is None:
            continue
        cell_columns, is_total = totals
        for _, cell in frame.groupby(cell_columns, dropna=False, sort=False):
            total = cell.index[is_total[cell.index]]
            parts = cell.index[~is_total[cell.index]]
            if hidden[total].all() or hidden[parts].sum() != 1:
                continue  # a hidden total protects its parts; one hidden part is one too few
            if not hide_a_second(parts):
                hidden[total] = True
            changed = True
    out = frame.copy()
    out[count_column] = counts.astype("Int64").mask(hidden)
    for column in share_columns:
        out[column] = out[column].mask(hidden)
    out[f"{count_column}_suppressed"] = hidden.map({True: "yes", False: ""})
    return out
