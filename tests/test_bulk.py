"""svna.bulk.insert_rows: the rows executemany would have inserted, in one statement."""

from __future__ import annotations

import duckdb
import pytest

from svna.bulk import insert_rows


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER, name VARCHAR, share DOUBLE, ok BOOLEAN, n BIGINT)")
    yield con
    con.close()


def test_rows_keep_their_values_and_nulls(con):
    rows = [[1, "a", 0.5, True, 10], [2, None, 3, False, None], [3, "c", None, None, 2**40]]
    insert_rows(con, "t", rows)
    # the integer 3 in a DOUBLE column arrives as 3.0, as executemany would cast it
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [
        (1, "a", 0.5, True, 10), (2, None, 3.0, False, None), (3, "c", None, None, 2**40)]


def test_many_rows_are_appended_after_existing_ones(con):
    con.execute("INSERT INTO t VALUES (0, 'old', 0, true, 0)")
    insert_rows(con, "t", [[i, f"r{i}", i / 2, i % 2 == 0, i * i] for i in range(1, 10_001)])
    # 10,000 new rows + 1 old; sum of ids 1..10000 = 10000 * 10001 / 2 = 50,005,000
    assert con.execute("SELECT count(*), sum(id), count(*) FILTER (ok) FROM t").fetchone() == (
        10_001, 50_005_000, 5_001)   # 5,000 even ids + the old row


def test_no_rows_is_a_no_op(con):
    insert_rows(con, "t", [])
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_a_row_of_the_wrong_width_is_refused(con):
    with pytest.raises(ValueError, match="t: every row needs 5 values"):
        insert_rows(con, "t", [[1, "a", 0.5, True]])
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
