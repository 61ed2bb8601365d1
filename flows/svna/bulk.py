"""Many rows into a warehouse table in one statement. DuckDB's executemany runs (and commits)
one INSERT per row, about 9 ms each: thousands of rows took tens of seconds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import duckdb
import pyarrow as pa


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence]) -> None:
    """Append `rows` (one value per column of `table`, in its column order) to `table`.

    The rows become an Arrow table typed like `table`, so None stays NULL and values are
    converted as executemany would; a value of the wrong type raises pyarrow's error."""
    if not rows:
        return
    schema = con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema
    if any(len(row) != len(schema) for row in rows):
        raise ValueError(f"{table}: every row needs {len(schema)} values")
    columns = [pa.array([row[i] for row in rows], type=field.type)
               for i, field in enumerate(schema)]
    view = f"_svna_rows_{uuid.uuid4().hex}"  # unique: areas may share a connection's views
    con.register(view, pa.Table.from_arrays(columns, schema=schema))
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM {view}")
    finally:
        con.unregister(view)
