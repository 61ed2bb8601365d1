"""The validation design, measured: the police.uk street suite (expectations/) evaluated by
svna as DuckDB queries over the raw layer, against Great Expectations' own pandas engine on
the same rows. Rows are the real (or demo) street files repeated to the size asked.

    .venv/bin/python benchmarks/validation_engines.py --rows 5000000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from svna import datasets, demo, ingest, validate, warehouse  # noqa: E402

from _common import REALDATA, peak_rss_mb, reset_peak_rss  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-gx", action="store_true", help="time svna's engine alone")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="svna-valbench-"))
    if (REALDATA / "police-uk" / "cambridgeshire").is_dir():
        street = sorted((REALDATA / "police-uk" / "cambridgeshire").rglob("*-street.csv"))
    else:
        demo.generate_demo_data(base / "demo")
        street = sorted((base / "demo").rglob("*-street.csv"))
    declared = datasets.load_datasets()
    ds = next(d for d in declared if d.name == "police_uk_street")
    suite = validate.load_suite(ds.suite_name)
    con = warehouse.connect(base / "w.duckdb")
    raw = base / "raw"
    raw.mkdir()
    for path in street:
        (raw / path.name).symlink_to(path)
    ingest.ingest(con, raw, declared, "bench")
    have = con.execute("SELECT count(*) FROM raw.police_uk_street").fetchall()[0][0]
    while have < args.rows:  # repeat the delivered rows, as further files, up to the size
        con.execute("INSERT INTO raw.police_uk_street SELECT _file_id + 1000 * ?, * EXCLUDE "
                    "(_file_id) FROM raw.police_uk_street WHERE _file_id < 1000 LIMIT ?",
                    [have // 100_000 + 1, args.rows - have])
        have = con.execute("SELECT count(*) FROM raw.police_uk_street").fetchall()[0][0]
    file_ids = [r[0] for r in con.execute(
        "SELECT DISTINCT _file_id FROM raw.police_uk_street").fetchall()]
    headers = {fid: list(ds.columns) for fid in file_ids}
    print(f"{have:,} rows in {len(file_ids)} files, "
          f"{len(suite.expectations)} expectations in the suite")

    reset_peak_rss()
    started = time.perf_counter()
    ours = validate.validate_loaded(con, ds, suite, headers)
    svna_seconds = time.perf_counter() - started
    print(f"svna (DuckDB, per-file results with failing lines): {svna_seconds:6.2f} s, "
          f"peak RSS {peak_rss_mb():.0f} MB")

    checks = [e for e in suite.expectations if e["type"] in validate.COLUMN_MAP]
    preds = []
    for e in checks:
        col = warehouse.quote_ident(e["kwargs"]["column"])
        if e["type"] == "expect_column_values_to_be_unique":
            preds.append(f"count({col}) - count(DISTINCT {col})")
        else:
            kwargs = validate._with_parameters(e["kwargs"], validate.run_parameters())
            preds.append(f"count_if({validate.COLUMN_MAP[e['type']](col, kwargs)})")
    started = time.perf_counter()
    con.execute(f"SELECT {', '.join(preds)} FROM raw.police_uk_street").fetchall()
    one_query = time.perf_counter() - started
    print(f"the same rules as one plain DuckDB query (whole table):  {one_query:6.2f} s "
          f"-> svna costs {svna_seconds / one_query:.1f}x that")

    if not args.skip_gx:
        frame = con.execute(
            "SELECT " + ", ".join(warehouse.quote_ident(c) for c in ds.columns)
            + " FROM raw.police_uk_street").df()
        reset_peak_rss()
        started = time.perf_counter()
        theirs = validate.run_with_gx_pandas(frame, suite)
        gx_seconds = time.perf_counter() - started
        print(f"GX pandas engine (whole table, one batch):              {gx_seconds:6.2f} s, "
              f"peak RSS {peak_rss_mb():.0f} MB -> {gx_seconds / svna_seconds:.0f}x svna")
        total = {}
        for results in ours.values():
            for r in results:
                if r.column:
                    key = (r.expectation["type"], r.column)
                    total[key] = total.get(key, 0) + r.unexpected_count
        # uniqueness is counted differently, and dates compared as text are svna's alone
        differ = [t for t in theirs if t["column"] and t["type"] not in (
                  "expect_column_values_to_be_unique", "expect_column_values_to_be_between")
                  and total.get((t["type"], t["column"])) != t["unexpected_count"]]
        print("unexpected counts agree with GX:", "yes" if not differ else json.dumps(differ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
