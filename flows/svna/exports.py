"""Exports: every published assessment table as tidy CSV, with a data dictionary, both
generated from sql/assessment/schema.yml so the documentation cannot drift from the tables."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from svna.project import SQL_DIR
from svna.suppression import suppress_small_counts


@dataclass(frozen=True)
class Published:
    name: str
    description: str
    columns: dict[str, str]
    suppress: dict | None


class ExportError(RuntimeError):
    pass


@functools.cache
def published_tables(sql_dir: Path = SQL_DIR) -> tuple[Published, ...]:
    """schema.yml's entries, read once per process (every table's suppression asks)."""
    spec = yaml.safe_load((sql_dir / "assessment" / "schema.yml").read_text(encoding="utf-8"))
    return tuple(Published(name, " ".join(t["description"].split()), dict(t["columns"]),
                           t.get("suppress"))
                 for name, t in spec["tables"].items())


def published_table(name: str) -> Published:
    return next(t for t in published_tables() if t.name == name)


def rule_counts(rule: dict) -> list[str]:
    """A suppression rule's count columns (`count` names one, or a list)."""
    return rule["count"] if isinstance(rule["count"], list) else [rule["count"]]


def suppress_for_publication(frame, table: Published, threshold: int,
                             published: dict[str, pd.DataFrame] | None = None,
                             forced: dict[str, np.ndarray] | None = None):
    """The table's suppression rule from schema.yml applied (unchanged if it has none).
    `count` may name several counts (a period and the one before): each is suppressed in turn
    over the same groups, and the shares are hidden wherever any of them is. `complement`
    ({count: whole}) says that whole - count is a count of people too: where it is small, the
    count is hidden, since the published whole would give the difference away.
    `totals_elsewhere` names the tables that publish a grouping's totals (a decile's LSOAs add
    up to the decile's row of partner_deprivation): `published` must hold them, suppressed.
    `forced` ({count: flags by row}) hides cells whatever their count: those another table
    publishes too and hides (`same_counts`, applied by `suppress_tables`)."""
    rule = table.suppress
    if not rule:
        return frame
    unknown_totals = _totals_hidden_elsewhere(table, published or {})
    totals = None
    if "totals" in rule:
        (column, value), = rule["totals"]["total_when"].items()
        totals = (rule["totals"]["cells"], frame[column] == value)
    counts = rule_counts(rule)
    out = frame
    for count in counts:
        also_hidden = np.zeros(len(frame), dtype=bool)
        if count in (forced or {}):
            also_hidden |= forced[count]
        if count in rule.get("complement", {}):
            difference = pd.to_numeric(out[rule["complement"][count]]) - pd.to_numeric(out[count])
            also_hidden |= ((difference > 0) & (difference < threshold)).fillna(False).to_numpy(
                dtype=bool)
        out = suppress_small_counts(out, count, threshold, rule["groups"],
                                    tuple(rule.get("shares", ())), totals, also_hidden,
                                    unknown_totals)
    if "reference" in rule:  # ratios to a hidden reference row would give its count back
        ref = rule["reference"]
        hidden = (out[[f"{count}_suppressed" for count in counts]] == "yes").any(axis=1)
        lost = out.loc[hidden & (out[ref["column"]] == ref["value"]), rule["groups"]]
        at_risk = out[rule["groups"]].apply(tuple, axis=1).isin(lost.apply(tuple, axis=1))
        for column in ref["dependents"]:
            out[column] = out[column].mask(at_risk)
    return out


def _totals_hidden_elsewhere(table: Published, published: dict[str, pd.DataFrame]
                             ) -> dict[tuple[str, ...], set[tuple]]:
    """For each grouping whose totals other tables publish, the groups whose total every
    table publishing it hides (one that shows it makes it known)."""
    hidden_everywhere: dict[tuple[str, ...], dict[tuple, bool]] = {}
    for entry in table.suppress.get("totals_elsewhere", []):
        if entry["table"] not in published:
            raise ExportError(f"{table.name}: suppressing it needs {entry['table']} as "
                              "published (schema.yml totals_elsewhere)")
        other = published[entry["table"]]
        seen = hidden_everywhere.setdefault(tuple(entry["groups"]), {})
        if other.empty:
            continue
        keys = total_keys(entry, other)
        hidden = other.loc[keys.index, f"{entry['count']}_suppressed"] == "yes"
        for key, is_hidden in zip(keys.itertuples(index=False, name=None), hidden, strict=True):
            seen[key] = seen.get(key, True) and bool(is_hidden)
    return {grouping: {key for key, hidden in seen.items() if hidden}
            for grouping, seen in hidden_everywhere.items()}


def total_keys(entry: dict, other: pd.DataFrame) -> pd.DataFrame:
    """The rows of `other` that publish a `totals_elsewhere` entry's totals, as the key
    columns of the grouping (indexed as in `other`): mapped from the entry's `columns`, in
    order, but for those `fixed` to a value (a period's total has a column of its own)."""
    for column, value in entry.get("where", {}).items():
        other = other[other[column] == value]
    grouping, fixed = entry["groups"], entry.get("fixed", {})
    mapped = iter(entry.get("columns", [c for c in grouping if c not in fixed]))
    return pd.DataFrame({c: fixed[c] if c in fixed else other[next(mapped)].to_numpy()
                         for c in grouping}, index=other.index)


def totals_elsewhere(table: Published) -> list[str]:
    """The tables whose suppressed form `table`'s suppression needs."""
    return [entry["table"] for entry in (table.suppress or {}).get("totals_elsewhere", [])]


def _same_counts() -> list[tuple[Published, dict]]:
    """Every `same_counts` entry with the table declaring it: cells that two tables publish
    (searches by ethnic group in stop_search and disproportionality)."""
    return [(table, entry) for table in published_tables()
            for entry in (table.suppress or {}).get("same_counts", [])]


def needed_tables(names: list[str]) -> list[str]:
    """`names` and every table their suppression needs: those publishing their totals or the
    same counts (either way round), and theirs in turn."""
    tables = {t.name: t for t in published_tables()}
    links = [(here.name, entry["table"]) for here, entry in _same_counts()]
    needed, todo = [], list(names)
    while todo:
        name = todo.pop(0)
        if name in needed:
            continue
        needed.append(name)
        todo += totals_elsewhere(tables[name])
        todo += [b for a, b in links if a == name] + [a for a, b in links if b == name]
    return needed


@dataclass(frozen=True)
class Link:
    """Rows of two tables holding the same count, or one holding the sum of the other's:
    `rows[0][i]` and `rows[1][i]` are a pair."""
    tables: tuple[str, str]
    counts: tuple[str, str]
    rows: tuple[np.ndarray, np.ndarray]


def linked_cells(frames: dict[str, pd.DataFrame]) -> list[Link]:
    """The cells of `frames` that `same_counts` links: a cell of one table may pair with
    several of the other, whose sum it is (triangulation's A&E: records and counts)."""
    links = []
    for here, entry in _same_counts():
        there = entry["table"]
        if here.name not in frames and there not in frames:
            continue
        for name, other in ((here.name, there), (there, here.name)):
            if other not in frames:
                raise ExportError(f"{name}: suppressing it needs {other} as well (schema.yml "
                                  "same_counts: both publish some of the same counts)")
        count_here = entry.get("as", rule_counts(here.suppress)[0])
        ours, theirs = frames[here.name], frames[there]
        if ours.empty or theirs.empty or ours.columns.empty or theirs.columns.empty:
            continue
        selected = np.ones(len(theirs), dtype=bool)
        for column, value in entry.get("there", {}).items():
            selected &= (theirs[column].astype(str) == str(value)).to_numpy()
        position: dict[tuple, list[int]] = {}
        for i, key in enumerate(ours[list(entry["match"])].astype(str).itertuples(
                index=False, name=None)):
            position.setdefault(key, []).append(i)
        pairs = [(i, j) for j, row in zip(np.flatnonzero(selected), theirs[selected].astype(
                     str).to_dict("records"), strict=True)
                 for i in position.get(tuple(template.format(**row)
                                             for template in entry["match"].values()), [])]
        if pairs:
            rows = np.array(pairs).T
            links.append(Link((here.name, there), (count_here, entry["count"]),
                               (rows[0], rows[1])))
    return links


def suppress_tables(frames: dict[str, pd.DataFrame], threshold: int) -> dict[str, pd.DataFrame]:
    """Each frame (named after its published table) as it may be published. A count two tables
    publish (`same_counts`) is hidden in both where either hides it; a small hidden count
    the relations between all the tables pin down is freed by hiding one beside it
    (`disclosure.cells_to_hide`); then all are suppressed again, until nothing changes (each
    round hides more, so it ends)."""
    from svna.disclosure import Relations, cells_to_hide  # they read this module's rules

    links = linked_cells(frames)
    forced: dict[str, dict[str, np.ndarray]] = {}
    relations = None
    while True:
        out = _suppress_once(frames, threshold, forced)
        if _hide_where_either_hides(out, links, forced):
            continue
        relations = relations or Relations(frames)
        extra = cells_to_hide(relations, out, threshold)
        if not extra:
            return out
        for name, count, row in extra:
            _forced_flags(forced, frames, name, count)[row] = True


def _suppress_once(frames: dict[str, pd.DataFrame], threshold: int,
                   forced: dict[str, dict[str, np.ndarray]]) -> dict[str, pd.DataFrame]:
    """One round: a table whose totals another publishes goes after it."""
    tables = {t.name: t for t in published_tables() if t.name in frames}
    done: dict[str, pd.DataFrame] = {}

    def suppress(name: str) -> pd.DataFrame:
        if name not in done:
            for other in totals_elsewhere(tables[name]):
                if other in frames:  # else suppress_for_publication says what is missing
                    suppress(other)
            frame = frames[name]  # a table the warehouse lacks has no columns: nothing to hide
            done[name] = frame if frame.columns.empty else suppress_for_publication(
                frame, tables[name], threshold, done, forced.get(name))
        return done[name]

    return {name: suppress(name) for name in frames}


def _hide_where_either_hides(out: dict[str, pd.DataFrame], links: list[Link],
                             forced: dict[str, dict[str, np.ndarray]]) -> bool:
    """Force, into each table, the linked cells the other hides and it shows; whether any."""
    grown = False
    for link in links:
        hidden = [(out[name][f"{count}_suppressed"] == "yes").to_numpy()[rows]
                  for name, count, rows in zip(link.tables, link.counts, link.rows, strict=True)]
        either = hidden[0] | hidden[1]
        for name, count, rows, shown in zip(link.tables, link.counts, link.rows,
                                            (~hidden[0], ~hidden[1]), strict=True):
            missing = rows[either & shown]
            if missing.size:
                _forced_flags(forced, out, name, count)[missing] = True
                grown = True
    return grown


def _forced_flags(forced: dict[str, dict[str, np.ndarray]], frames: dict[str, pd.DataFrame],
                  name: str, count: str) -> np.ndarray:
    """The flags, by row, of the cells of `name`'s `count` hidden whatever their value."""
    return forced.setdefault(name, {}).setdefault(count, np.zeros(len(frames[name]), dtype=bool))


def publishable_frame(con: duckdb.DuckDBPyConnection, table: Published, threshold: int):
    """The table as it may be published: documented columns only, suppression applied."""
    names = needed_tables([table.name])
    return _documented(suppress_tables(read_tables(con, names), threshold)[table.name], table)


def read_tables(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, pd.DataFrame]:
    return {name: con.execute(f"SELECT * FROM assessment.{name}").df() for name in names}


def _documented(frame: pd.DataFrame, table: Published) -> pd.DataFrame:
    undocumented = [c for c in frame.columns if c not in table.columns]
    missing = [c for c in table.columns if c not in frame.columns]
    if undocumented or missing:
        raise ExportError(
            f"assessment.{table.name} does not match sql/assessment/schema.yml: "
            f"undocumented {undocumented}, documented but absent {missing}")
    return frame[list(table.columns)]


def publication(con: duckdb.DuckDBPyConnection, threshold: int) -> dict[str, pd.DataFrame]:
    """Every published table as it may be published: suppressed together, once (a table
    holding another's totals is needed for both), for the exports and both documents."""
    return suppress_tables(read_tables(con, [t.name for t in published_tables()]), threshold)


def as_published(names: list[str], frames: dict[str, pd.DataFrame], threshold: int,
                 published: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """`names` and the tables their suppression needs, as published: copies of `published`'s
    (publication()) when given, else suppressed here from `frames`."""
    needed = needed_tables(names)
    if published is not None:
        return {name: published[name].copy() for name in needed}
    return suppress_tables({name: frames[name] for name in needed}, threshold)


def write_exports(con: duckdb.DuckDBPyConnection, out_dir: Path, threshold: int,
                  published: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The published tables as CSVs, with their data dictionary; `published`: publication()'s
    tables when the caller has them already."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written, dictionary = [], []
    if published is None:
        published = publication(con, threshold)
    for table in published_tables():
        frame = _documented(published[table.name], table)
        path = out_dir / f"{table.name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
        types = column_types(con, table.name)
        for column, description in table.columns.items():
            dictionary.append([f"{table.name}.csv", column, types.get(column, "text"),
                               description])
    with (out_dir / "data_dictionary.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "column", "type", "description"])
        writer.writerows(dictionary)
    (out_dir / "README.md").write_text(_dictionary_markdown(threshold), encoding="utf-8")
    return written + [out_dir / "data_dictionary.csv", out_dir / "README.md"]


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Each column's type in plain words, from the warehouse's declared type: the same every
    run (pandas would call a column that happens to be blank 'object')."""
    declared = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE "
                           "schema_name = 'assessment' AND table_name = ?", [table]).fetchall()
    return {column: _plain_type(data_type) for column, data_type in declared}


def _plain_type(data_type: str) -> str:
    if data_type == "BOOLEAN":
        return "boolean"
    if "INT" in data_type:
        return "integer"
    if data_type.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL")):
        return "number"
    if data_type == "DATE":
        return "date"
    if data_type.startswith("TIMESTAMP"):
        return "date and time"
    return "text"


def _dictionary_markdown(threshold: int) -> str:
    lines = ["# svna exports: data dictionary", "",
             "Tidy CSV files, one row per observation, UTF-8, comma-separated. Blank = no value.",
             f"Person-level tables hide counts from 1 to {threshold - 1} (suppression).", ""]
    for table in published_tables():
        lines += [f"## {table.name}.csv", "", table.description, "",
                  "| column | description |", "| --- | --- |"]
        lines += [f"| {c} | {d} |" for c, d in table.columns.items()]
        lines.append("")
    return "\n".join(lines)
