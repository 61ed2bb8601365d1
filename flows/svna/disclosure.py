"""An audit of what the published tables give away: for each hidden count, the least and the
most it can be given every count shown and every relation schema.yml declares between them
(a group adds up to its total, districts to their area, a total or a count published in
another table). Suppression hides cells relation by relation; this checks the relations
together, by linear programming, as an attacker with all the tables would (`svna audit`).
`cells_to_hide`, its fast linear-algebra cousin, lets suppression free what they pin down.

A group's total counts as known (as suppression assumes) unless another table publishes it
(`totals_elsewhere`): then it is that table's cell, shown or hidden; but not a lone cell's,
nor that of a group keyed by a blank (the months in no compared period). A declared relation is
used only where the true counts satisfy it (an area with records in no district does not
add up from its districts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from svna.exports import (
    linked_cells,
    published_tables,
    read_tables,
    rule_counts,
    suppress_tables,
    total_keys,
)
from svna.suppression import group_positions
from svna.warehouse import WAREHOUSE_FILE

if TYPE_CHECKING:
    from svna.config import Config

Cell = tuple[str, str, int]  # table, count column, row position


@dataclass(frozen=True)
class Exposure:
    """A hidden count an attacker can narrow to [low, high]: to one number (`exact`), or
    below the threshold (known to be small). A count from the threshold up is hidden only to
    protect others: worked out, it discloses nothing by itself (`small` says which)."""
    table: str
    count: str
    row: dict
    value: int
    small: bool
    exact: bool
    low: float
    high: float


def audit(frames: dict[str, pd.DataFrame], threshold: int,
          published: dict[str, pd.DataFrame] | None = None) -> list[Exposure]:
    """The hidden counts of `published` (default: `frames` suppressed together, as the exports
    are) whose range is a single number, or lies below `threshold` (a small count, known to
    be small). `frames` are the tables before suppression, with the same rows."""
    published = published or suppress_tables(frames, threshold)
    relations = Relations(frames)
    hidden = relations.hidden(published)
    exposures = []
    for component in _components(relations.equations, hidden):
        exposures += _bounds(component, relations.equations, hidden, relations.value, published,
                             threshold)
    return exposures


class Relations:
    """Every declared relation the true counts of `frames` keep, built once (suppression asks
    again after each round of hiding)."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.value = _Counts(frames)
        self.equations = _relations(frames, self.value)
        self.cells = list(dict.fromkeys(c for cells, _ in self.equations for c in cells))

    def hidden(self, published: dict[str, pd.DataFrame]) -> dict[Cell, int]:
        """The cells blank when published (suppressed, or hidden with another count as a share
        of it), numbered."""
        shown = _Counts(published)
        blank = [c for c in self.cells if np.isnan(shown(c)) and not np.isnan(self.value(c))]
        return {cell: i for i, cell in enumerate(blank)}


class _Counts:
    """The counts of `frames` by cell, NaN where blank; each column read once."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames, self.columns = frames, {}

    def __call__(self, cell: Cell) -> float:
        table, count, row = cell
        if (table, count) not in self.columns:
            self.columns[table, count] = pd.to_numeric(self.frames[table][count]).to_numpy(
                dtype=float, na_value=np.nan)
        return self.columns[table, count][row]


def _relations(frames: dict[str, pd.DataFrame], value: _Counts) -> list:
    """(cells with coefficients, constant): sum of coefficient x count = constant, for each
    relation the true counts satisfy."""
    tables = {t.name: t for t in published_tables() if t.suppress and t.name in frames}

    def relation(cells: list[tuple[Cell, int]], constant: float = 0.0):
        cells = [(cell, c) for cell, c in cells if not np.isnan(value(cell))]
        if cells and abs(sum(c * value(cell) for cell, c in cells) - constant) < 1e-9:
            return {cell: c for cell, c in cells}, constant
        return None

    found = []
    for name, table in tables.items():
        frame, rule = frames[name], table.suppress
        if frame.empty or frame.columns.empty:
            continue
        groupings = rule["groups"] if isinstance(rule["groups"][0], list) else [rule["groups"]]
        for count in rule_counts(rule):
            for grouping in groupings:
                found += _group_relations(frames, value, name, count, grouping, rule,
                                          relation)
            if "totals" in rule:
                (column, total_value), = rule["totals"]["total_when"].items()
                is_total = (frame[column] == total_value).to_numpy()
                for rows in group_positions(frame, rule["totals"]["cells"]).values():
                    found.append(relation([((name, count, int(r)), 1 if is_total[r] else -1)
                                           for r in rows]))
    for link in linked_cells(frames):
        (a, b), (count_a, count_b), (rows_a, rows_b) = link.tables, link.counts, link.rows
        found += [relation([((a, count_a, int(i)), 1), ((b, count_b, int(j)), -1)])
                  for i, j in zip(rows_a, rows_b, strict=True)]
    return [r for r in found if r is not None]


def _group_relations(frames, value, name, count, grouping, rule, relation):
    """Each group adds up to its total: a constant, or the cells of the tables publishing it."""
    frame = frames[name]
    elsewhere: dict[tuple, list[tuple[Cell, int]]] = {}
    for entry in rule.get("totals_elsewhere", []):
        other = frames.get(entry["table"])
        if entry["groups"] != grouping or other is None or other.empty:
            continue
        keys = total_keys(entry, other)
        for position, key in zip(keys.index, keys.itertuples(index=False, name=None),
                                 strict=True):
            elsewhere.setdefault(tuple(str(k) for k in key), []).append(
                ((entry["table"], entry["count"], int(position)), -1))
    out = []
    for key, rows in group_positions(frame, grouping).items():
        parts = [((name, count, int(r)), 1) for r in rows]
        totals = elsewhere.get(tuple(str(k) for k in key))
        if totals:
            out += [relation(parts + [total]) for total in totals]
        # a lone cell's "known total" would be the cell itself; the months of no period
        # (partner_monthly's blank period) have no published total
        elif len(parts) > 1 and not any(pd.isna(k) for k in key):
            out.append(relation(parts, np.nansum([value(cell) for cell, _ in parts])))
    return out


def _components(equations, hidden: dict[Cell, int]) -> list[list[int]]:
    """The equations in groups that share no hidden cell: each is solved on its own."""
    parent = list(range(len(equations)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[Cell, int] = {}
    for i, (cells, _) in enumerate(equations):
        for cell in cells:
            if cell in hidden:
                parent[root(i)] = root(first.setdefault(cell, i))
    groups: dict[int, list[int]] = {}
    for i, (cells, _) in enumerate(equations):
        if any(cell in hidden for cell in cells):
            groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _system(component, equations, hidden, value) -> tuple[list[Cell], csr_matrix, list]:
    """A component's hidden cells, and its equations over them (the shown cells moved right)."""
    cells = sorted({c for i in component for c in equations[i][0] if c in hidden},
                   key=hidden.get)
    column = {cell: j for j, cell in enumerate(cells)}
    rows, cols, data, rhs = [], [], [], []
    for k, i in enumerate(component):
        coefficients, constant = equations[i]
        rhs.append(constant - sum(c * value(cell) for cell, c in coefficients.items()
                                  if cell not in hidden))
        for cell, c in coefficients.items():
            if cell in hidden:
                rows.append(k)
                cols.append(column[cell])
                data.append(c)
    return cells, csr_matrix((data, (rows, cols)), shape=(len(component), len(cells))), rhs


def cells_to_hide(relations: Relations, published: dict[str, pd.DataFrame],
                  threshold: int) -> set[Cell]:
    """For each small hidden count the relations pin down (linear algebra: the check
    suppression can afford every run, where `audit` solves linear programs), the smallest
    count shown beside it in one of them: hiding it frees the first. Empty when nothing is
    pinned, or nothing beside a pinned count is left to hide (`svna audit` reports those)."""
    value, equations = relations.value, relations.equations
    hidden = relations.hidden(published)
    out = set()
    for component in _components(equations, hidden):
        cells, matrix, _ = _system(component, equations, hidden, value)
        dense = matrix.toarray()
        _, singular, vt = np.linalg.svd(dense)
        rank = int((singular > 1e-9 * max(singular.max(initial=0), 1)).sum())
        free = vt[rank:].T  # the directions the hidden counts can move in together
        for j in np.flatnonzero(np.abs(free).sum(axis=1) < 1e-9):
            if 0 < value(cells[j]) < threshold:  # a larger one hid only to protect others
                beside = [c for i in component if cells[j] in equations[i][0]
                          for c in equations[i][0] if c not in hidden and value(c) > 0]
                if beside:
                    out.add(min(beside, key=value))
    return out


def _bounds(component, equations, hidden, value, published, threshold) -> list[Exposure]:
    cells, matrix, rhs = _system(component, equations, hidden, value)
    out = []
    for j, cell in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[j] = 1.0
        low, high = (linprog(sign * objective, A_eq=matrix, b_eq=rhs, bounds=(0, None),
                             method="highs") for sign in (1, -1))
        if low.status != 0 or high.status != 0:  # unbounded (or no solution): nothing learnt
            continue
        lowest, highest = low.fun, -high.fun
        true = value(cell)
        exact = highest - lowest < 1 - 1e-6
        if true > 0 and (exact or highest < threshold - 1e-6):  # a known 0 is nobody
            table, count, row = cell
            labels = {c: v for c, v in published[table].iloc[row].items()
                      if isinstance(v, str) and not c.endswith("_suppressed")}
            out.append(Exposure(table, count, labels, int(true), true < threshold, exact,
                                round(lowest, 6), round(highest, 6)))
    return out


def audit_published(config: Config, threshold: int) -> dict[str, list[Exposure]]:
    """The audit of each area's published warehouse (the last good refresh)."""
    from svna.pipeline import area_warehouse_path

    names = [t.name for t in published_tables()]
    out = {}
    for area in config.area_list:
        path = area_warehouse_path(config, area) if config.many_areas \
            else config.paths.processed / WAREHOUSE_FILE
        if not path.exists():
            raise FileNotFoundError(f"{path}: no published warehouse yet (run svna refresh)")
        with duckdb.connect(str(path), read_only=True) as con:
            frames = read_tables(con, names)
        out[area.name] = audit(frames, threshold)
    return out


def render(found: dict[str, list[Exposure]], threshold: int) -> str:
    lines = []
    for area, exposures in found.items():
        exact = [e for e in exposures if e.exact and e.small]
        larger = sum(e.exact and not e.small for e in exposures)
        lines.append(f"{area}: {len(exact)} small hidden count(s) can be worked out exactly at "
                     f"threshold {threshold}; {larger} larger one(s) hidden to protect others "
                     f"can; {sum(not e.exact for e in exposures)} narrowed to below the "
                     "threshold (known to be small, not which)")
        lines += [f"  {e.table}.{e.count} = {e.value}: "
                  + ", ".join(f"{k} {v}" for k, v in e.row.items()) for e in exact]
    return "\n".join(lines) + "\n"
