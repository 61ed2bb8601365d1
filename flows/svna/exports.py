"""Exports: every published assessment table as tidy CSV, with a data dictionary, both
generated from sql/assessment/schema.yml so the documentation cannot drift from the tables."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
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


def suppress_for_publication(frame, table: Published, threshold: int,
                             published: dict[str, pd.DataFrame] | None = None):
    """The table's suppression rule from schema.yml applied (unchanged if it has none).
    `count` may name several counts (a period and the one before): each is suppressed in turn
    over the same groups, and the shares are hidden wherever any of them is. `complement`
    ({count: whole}) says that whole - count is a count of people too: where it is small, the
    count is hidden, since the published whole would give the difference away.
    `totals_elsewhere` names the tables that publish a grouping's totals (a decile's LSOAs add
    up to the decile's row of partner_deprivation): `published` must hold them, suppressed."""
    rule = table.suppress
    if not rule:
        return frame
    unknown_totals = _totals_hidden_elsewhere(table, published or {})
    totals = None
    if "totals" in rule:
        (column, value), = rule["totals"]["total_when"].items()
        totals = (rule["totals"]["cells"], frame[column] == value)
    counts = rule["count"] if isinstance(rule["count"], list) else [rule["count"]]
    out = frame
    for count in counts:
        also_hidden = None
        if count in rule.get("complement", {}):
            difference = pd.to_numeric(out[rule["complement"][count]]) - pd.to_numeric(out[count])
            also_hidden = ((difference > 0) & (difference < threshold)).fillna(False).to_numpy(
                dtype=bool)
        out = suppress_small_counts(out, count, threshold, rule["groups"],
                                    tuple(rule.get("shares", ())), totals, also_hidden,
                                    unknown_totals)
    if "reference" in rule:  # ratios to a hidden reference row would give its count back
        ref = rule["reference"]
        hidden = out[f"{counts[0]}_suppressed"] == "yes"
        lost = out.loc[hidden & (out[ref["column"]] == ref["value"]), rule["groups"]]
        at_risk = out[rule["groups"]].apply(tuple, axis=1).isin(lost.apply(tuple, axis=1))
        for column in ref["dependents"]:
            out[column] = out[column].mask(at_risk)
    return out


def _totals_hidden_elsewhere(table: Published, published: dict[str, pd.DataFrame]
                             ) -> dict[tuple[str, ...], set[tuple]]:
    """For each grouping whose totals other tables publish, the groups whose total every
    table publishing it hides (one that shows it makes it known). An entry maps the
    grouping's columns to the other table's `columns`, in order, but for those `fixed` to a
    value (a period's total is published as a column of its own)."""
    hidden_everywhere: dict[tuple[str, ...], dict[tuple, bool]] = {}
    for entry in table.suppress.get("totals_elsewhere", []):
        if entry["table"] not in published:
            raise ExportError(f"{table.name}: suppressing it needs {entry['table']} as "
                              "published (schema.yml totals_elsewhere)")
        other, grouping = published[entry["table"]], tuple(entry["groups"])
        seen = hidden_everywhere.setdefault(grouping, {})
        if other.empty:
            continue
        for column, value in entry.get("where", {}).items():
            other = other[other[column] == value]
        fixed = entry.get("fixed", {})
        mapped = iter(entry.get("columns", [c for c in grouping if c not in fixed]))
        keys = pd.DataFrame({c: fixed[c] if c in fixed else other[next(mapped)].to_numpy()
                             for c in grouping}, index=other.index)
        hidden = other[f"{entry['count']}_suppressed"] == "yes"
        for key, is_hidden in zip(keys.itertuples(index=False, name=None), hidden, strict=True):
            seen[key] = seen.get(key, True) and bool(is_hidden)
    return {grouping: {key for key, hidden in seen.items() if hidden}
            for grouping, seen in hidden_everywhere.items()}


def totals_elsewhere(table: Published) -> list[str]:
    """The tables whose suppressed form `table`'s suppression needs."""
    return [entry["table"] for entry in (table.suppress or {}).get("totals_elsewhere", [])]


def suppress_tables(frames: dict[str, pd.DataFrame], threshold: int) -> dict[str, pd.DataFrame]:
    """Each frame (named after its published table) as it may be published; a table whose
    totals another publishes goes after it."""
    tables = {t.name: t for t in published_tables() if t.name in frames}
    done: dict[str, pd.DataFrame] = {}

    def suppress(name: str) -> pd.DataFrame:
        if name not in done:
            for other in totals_elsewhere(tables[name]):
                if other in frames:  # else suppress_for_publication says what is missing
                    suppress(other)
            frame = frames[name]  # a table the warehouse lacks has no columns: nothing to hide
            done[name] = frame if frame.columns.empty else suppress_for_publication(
                frame, tables[name], threshold, done)
        return done[name]

    return {name: suppress(name) for name in frames}


def publishable_frame(con: duckdb.DuckDBPyConnection, table: Published, threshold: int):
    """The table as it may be published: documented columns only, suppression applied."""
    names = [table.name, *totals_elsewhere(table)]
    return _documented(suppress_tables(_read(con, names), threshold)[table.name], table)


def _read(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, pd.DataFrame]:
    return {name: con.execute(f"SELECT * FROM assessment.{name}").df() for name in names}


def _documented(frame: pd.DataFrame, table: Published) -> pd.DataFrame:
    undocumented = [c for c in frame.columns if c not in table.columns]
    missing = [c for c in table.columns if c not in frame.columns]
    if undocumented or missing:
        raise ExportError(
            f"assessment.{table.name} does not match sql/assessment/schema.yml: "
            f"undocumented {undocumented}, documented but absent {missing}")
    return frame[list(table.columns)]


def write_exports(con: duckdb.DuckDBPyConnection, out_dir: Path, threshold: int) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written, dictionary = [], []
    tables = published_tables()
    # suppressed together, once: a table holding another's totals is needed for both
    safe = suppress_tables(_read(con, [table.name for table in tables]), threshold)
    for table in tables:
        frame = _documented(safe[table.name], table)
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
