"""Small-number suppression for published tables built from person-level records: a count
from 1 to threshold-1 could identify someone, so it is hidden (primary suppression), and so
is any further count that would let a hidden one be worked out by subtraction (secondary)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def suppress_small_counts(
    frame: pd.DataFrame, count_column: str, threshold: int,
    group_columns: list[str] | list[list[str]], share_columns: tuple[str, ...] = (),
    totals: tuple[list[str], pd.Series] | None = None, also_hidden: np.ndarray | None = None,
    unknown_totals: dict[tuple[str, ...], set[tuple]] | None = None,
) -> pd.DataFrame:
    """Blank counts 1..threshold-1, and the cells flagged in `also_hidden` (whatever their
    count: one that would give a small difference away); then, until nothing changes, wherever
    a set of cells that adds up to a known total has exactly one hidden cell, hide its smallest
    other non-zero one (a zero if it has none: else the one count would be the total).

    Cells add up within each group of `group_columns` (its total is published or derivable;
    give a list of such column lists when a table adds up in several directions) and, with
    `totals=(cell_columns, is_total)`, across rows sharing `cell_columns`, where the
    `is_total` row is the sum of the others (an area and its districts). There the other
    district goes first, so that the area's figures survive. `unknown_totals` names, for a
    grouping (its columns), the groups whose total is hidden wherever it is published: that
    total is one hidden cell of its group, so its parts must hide one too. Adds
    `<count>_suppressed`.
    """
    groupings = group_columns if group_columns and isinstance(group_columns[0], list) \
        else [group_columns]
    # row positions and numpy arrays: a table of many districts has thousands of groups
    counts = pd.to_numeric(frame[count_column]).to_numpy(dtype=float, na_value=np.nan)
    hidden = (counts > 0) & (counts < threshold)
    if also_hidden is not None:
        hidden |= also_hidden
    unknown_totals = unknown_totals or {}
    groups = [(positions, key in unknown_totals.get(tuple(grouping), ()))
              for grouping in groupings
              for key, positions in group_positions(frame, grouping).items()]

    def hide_a_second(cells: np.ndarray, total_hidden: bool = False) -> bool:
        if np.count_nonzero(hidden[cells]) + total_hidden != 1:
            return False
        shown = cells[~hidden[cells] & (counts[cells] > 0)]
        if shown.size == 0:  # a lone count would be its group's total: a zero goes instead
            shown = cells[~hidden[cells] & (counts[cells] == 0)][:1]
            if shown.size == 0:
                return False
        hidden[shown[np.argmin(counts[shown])]] = True
        return True

    cells_with_total = []
    if totals is not None:
        cell_columns, is_total = totals
        flags = is_total.to_numpy(dtype=bool)
        cells_with_total = [(cell[flags[cell]], cell[~flags[cell]])
                            for cell in group_positions(frame, cell_columns).values()]
    changed = True
    while changed:
        changed = False
        for cells, total_hidden in groups:
            changed |= hide_a_second(cells, total_hidden)
        for total, parts in cells_with_total:
            if hidden[total].all() or np.count_nonzero(hidden[parts]) != 1:
                continue  # a hidden total protects its parts; one hidden part is one too few
            if not hide_a_second(parts):
                hidden[total] = True
            changed = True
    hidden = pd.Series(hidden, index=frame.index)
    out = frame.copy()
    out[count_column] = frame[count_column].astype("Int64").mask(hidden)
    for column in share_columns:
        out[column] = out[column].mask(hidden)
    out[f"{count_column}_suppressed"] = hidden.map({True: "yes", False: ""})
    return out


def group_positions(frame: pd.DataFrame, columns: list[str]) -> dict[tuple, np.ndarray]:
    """Each group's key (a tuple) and row positions, in frame order (the first smallest cell
    goes first)."""
    if frame.empty:
        return {}
    return {key if isinstance(key, tuple) else (key,): positions for key, positions
            in frame.groupby(columns, dropna=False, sort=False).indices.items()}
