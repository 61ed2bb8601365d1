"""The DuckDB warehouse: connections, bookkeeping schema and atomic publication."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from svna.project import SQL_DIR

WAREHOUSE_FILE = "warehouse.duckdb"


def quote_ident(name: str) -> str:
    """Quote a column or table name from a header or config so it is never read as SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def connect(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    init_schema(con)
    return con


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "meta" / "schema.sql").read_text(encoding="utf-8"))


@contextmanager
def working_copy(processed_dir: Path, run_id: str) -> Iterator[Path]:
    """A private copy of the warehouse for one run; published only if the run succeeds.

    A failed or killed run leaves the published warehouse untouched: its copy is removed
    (or, if killed, left in a .run-* folder that the next run clears).
    """
    processed_dir.mkdir(parents=True, exist_ok=True)
    for stale in processed_dir.glob(".run-*"):
        shutil.rmtree(stale, ignore_errors=True)
    work = processed_dir / f".run-{run_id}"
    work.mkdir()
    published = processed_dir / WAREHOUSE_FILE
    if published.exists():
        shutil.copy2(published, work / WAREHOUSE_FILE)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def publish_file(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)


def publish_dir(src: Path, dest: Path) -> None:
    """Swap a freshly built folder in for the published one; never a half-written mix."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(src, dest)
    shutil.rmtree(old, ignore_errors=True)


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first row, or None. Fetches the whole result: DuckDB streams results, and a
    half-read one blocks the next statement on the same connection."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def register_function(con: duckdb.DuckDBPyConnection, name: str, function, argument_types,
                      return_type: str, **options) -> None:
    """A Python function callable from SQL on this connection; registering twice is a no-op."""
    exists = first_row(con, "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?",
                       [name])[0]
    if not exists:
        con.create_function(name, function, argument_types, return_type, **options)
