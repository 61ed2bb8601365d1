"""The data owners' validation report: for every file delivered, whether it was used, and
for each failed check the rows (file, line, column, value) that failed it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import jinja2

from svna.datasets import Dataset
from svna.validate import sql_literal

TEMPLATES = Path(__file__).parent / "templates"

DESCRIBE = {
    "expect_table_columns_to_match_ordered_list": "has exactly the published columns, in order",
    "expect_table_columns_to_match_set": "has exactly the published columns",
    "expect_column_to_exist": "has the column",
    "expect_table_column_count_to_equal": "has the expected number of columns",
    "expect_table_row_count_to_be_between": "has a plausible number of rows",
    "expect_column_values_to_not_be_null": "is filled in",
    "expect_column_values_to_match_regex": "has the expected format",
    "expect_column_values_to_not_match_regex": "avoids a known bad format",
    "expect_column_values_to_be_in_set": "uses the published categories",
    "expect_column_values_to_not_be_in_set": "avoids forbidden values",
    "expect_column_values_to_be_between": "is a number in the plausible range",
    "expect_column_value_lengths_to_equal": "has the expected length",
    "expect_column_value_lengths_to_be_between": "has a plausible length",
    "expect_column_values_to_be_unique": "is unique within the file",
    "expect_column_values_to_match_strftime_format": "is a real date in the expected format",
    "svna_file_is_readable": "can be read",
    "svna_columns_as_published": "has the published column names, in order",
}


def _files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        "SELECT file_id, path, dataset, status, validation, active, rows_read, rows_loaded, "
        "rows_rejected, message, size_bytes, sha256, run_id FROM meta.files "
        "QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1 "
        "ORDER BY dataset NULLS LAST, path"
    ).fetchall()
    keys = ["file_id", "path", "dataset", "status", "validation", "active", "rows_read",
            "rows_loaded", "rows_rejected", "message", "size_bytes", "sha256", "run_id"]
    files = [dict(zip(keys, r, strict=True)) for r in rows]
    results = con.execute(
        "SELECT file_id, expectation_type, column_name, kwargs, severity, success, "
        "element_count, unexpected_count, unexpected_percent, sample "
        "FROM meta.validation_results "
        "ORDER BY file_id, success, severity, expectation_type, column_name, kwargs"
    ).fetchall()
    by_file: dict[int, list[dict]] = {}
    for fid, kind, column, kwargs, sev, ok, elements, unexpected, pct, sample in results:
        by_file.setdefault(fid, []).append({
            "type": kind, "check": DESCRIBE.get(kind, kind), "column": column,
            "kwargs": json.loads(kwargs), "severity": sev, "success": ok,
            "element_count": elements, "unexpected_count": unexpected,
            "unexpected_percent": pct, "sample": json.loads(sample or "[]"),
        })
    rejects = con.execute(
        "SELECT file_id, line, column_name, error, raw_text FROM meta.rejects "
        "ORDER BY file_id, line").fetchall()
    rejects_by_file: dict[int, list[tuple]] = {}
    for fid, *rest in rejects:
        rejects_by_file.setdefault(fid, []).append(tuple(rest))
    for f in files:
        f["results"] = by_file.get(f["file_id"], [])
        f["rejects"] = rejects_by_file.get(f["file_id"], [])[:50]
        f["verdict"] = (f["validation"] or ("unrecognised" if f["status"] == "unrecognised"
                                            else f["status"]))
    # what needs the data owner's attention first
    attention = ["failed", "not_loaded", "warning", "unrecognised", "duplicate", "passed"]
    return sorted(files, key=lambda f: attention.index(f["verdict"])
                  if f["verdict"] in attention else 0)


def write_validation_report(con: duckdb.DuckDBPyConnection, out_dir: Path,
                            datasets: tuple[Dataset, ...], run_id: str,
                            generated_at: str) -> Path:
    """index.html for people; validation_results.json (GX result fields) and manifest.csv
    for machines."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = _files(con)
    owners = {d.name: d for d in datasets}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    html = env.get_template("validation.html.j2").render(
        files=files, datasets=owners, run_id=run_id, generated_at=generated_at,
        counts={v: sum(1 for f in files if f["verdict"] in kinds) for v, kinds in (
            ("passed", {"passed"}), ("warning", {"warning"}),
            # a file that could not be read at all (an image, a locked workbook) is not used
            ("failed", {"failed", "not_loaded"}), ("duplicate", {"duplicate"}),
            ("unrecognised", {"unrecognised"}))},
    )
    (out_dir / "index.html").write_text(html, encoding="utf-8")
    machine = [{
        "file": f["path"], "dataset": f["dataset"], "sha256": f["sha256"],
        "status": f["verdict"], "used": bool(f["active"]), "message": f["message"],
        "success": f["verdict"] in ("passed", "warning"),
        "results": [{"expectation_config": {"type": r["type"], "kwargs": r["kwargs"],
                                            "severity": r["severity"]},
                     "success": r["success"],
                     "result": {"element_count": r["element_count"],
                                "unexpected_count": r["unexpected_count"],
                                "unexpected_percent": r["unexpected_percent"],
                                "partial_unexpected_list": [s.get("value") for s in r["sample"]],
                                "unexpected_rows": r["sample"]}}
                    for r in f["results"]],
    } for f in files]
    con.execute(  # the manifest of every file version ever delivered, for analysts
        "COPY (SELECT file_id, path, size_bytes, sha256, dataset, delivery_key, run_id, status, "
        "validation, active, rows_read, rows_loaded, rows_rejected, message FROM meta.files "
        f"ORDER BY file_id) TO {sql_literal(str(out_dir / 'manifest.csv'))} (HEADER)")
    (out_dir / "validation_results.json").write_text(
        json.dumps({"run_id": run_id, "generated_at": generated_at, "files": machine},
                   indent=1, default=str), encoding="utf-8")
    return out_dir / "index.html"
