"""What one run did, for people: the files it read, the ones that failed validation and the
headline change, as markdown (a Prefect artifact) from the warehouse the run published."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from svna.project import SQL_DIR

OPS_SQL = SQL_DIR / "ops"
MAX_FILES_LISTED = 50  # a first load of years of data is hundreds of files: list the first


def ops_query(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    """Run sql/ops/<name>.sql with named parameters; rows as dicts, fetched completely."""
    result = con.execute((OPS_SQL / f"{name}.sql").read_text(encoding="utf-8"), params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
        "AND table_name = ?", [schema, table]).fetchall()[0][0])


@dataclass
class RunFacts:
    files: list[dict]
    failed: list[dict]
    headline: list[dict]


def run_facts(con: duckdb.DuckDBPyConnection, run_id: str, headline: bool = True) -> RunFacts:
    files = ops_query(con, "run_files", run_id=run_id)
    failed = [f for f in files if f["validation"] == "failed"]
    changes = (ops_query(con, "headline_changes")
               if headline and table_exists(con, "assessment", "period_comparison") else [])
    return RunFacts(files, failed, changes)


def read_facts(warehouse: Path, run_id: str, headline: bool = True) -> RunFacts:
    """run_facts from a published warehouse, opened read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return run_facts(con, run_id, headline)
    finally:
        con.close()


def _cell(value) -> str:
    """A value safe inside a markdown table cell."""
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)]


def _change_line(row: dict) -> list:
    if row["previous_12"] is None:
        return [row["category"], row["latest_period"], f"{row['latest_12']:,}", "", "",
                "fewer than 24 months of data: no comparison"]
    ratio = row["ratio"]
    lower, upper = row["ratio_ci_lower"], row["ratio_ci_upper"]
    interval = f"{ratio:.2f} ({lower:.2f} to {upper:.2f})" if ratio is not None else ""
    if ratio is None:
        verdict = ""
    elif lower > 1:
        verdict = "a rise beyond chance"
    elif upper < 1:
        verdict = "a fall beyond chance"
    else:
        verdict = "within chance"
    pct = "" if row["pct_change"] is None else f"{row['pct_change']:+.1f}%"
    return [row["category"], row["latest_period"], f"{row['latest_12']:,}",
            f"{row['previous_12']:,} ({row['previous_period']})", pct,
            f"{interval}; {verdict}" if interval else verdict]


def markdown(facts: RunFacts, summary: dict, area: str, flow_run: str | None = None) -> str:
    """The run summary. `summary` is pipeline.summarise's dict (run_id, status, report...)."""
    status = summary["status"]
    lines = [f"# svna {status}: {area}", "",
             f"Run `{summary['run_id']}`" + (f" (flow run {flow_run})" if flow_run else "")
             + "."]
    loaded = [f for f in facts.files if f["status"] == "loaded"]
    lines += ["", "## Files", ""]
    if not facts.files:
        lines.append("No new or changed files: nothing was read.")
    else:
        counts: dict[str, int] = {}
        for f in facts.files:
            counts[f["status"]] = counts.get(f["status"], 0) + 1
        rows = sum(f["rows_loaded"] for f in loaded)
        lines.append(f"{len(facts.files)} file(s) read or checked: "
                     + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(counts.items()))
                     + f"; {rows:,} rows loaded.")
        lines.append("")
        shown = facts.files[:MAX_FILES_LISTED]
        lines += _table(["file", "dataset", "status", "rows loaded", "rows rejected",
                         "validation", "in use"],
                        [[f["path"], f["dataset"] or "", f["status"], f"{f['rows_loaded']:,}",
                          f"{f['rows_rejected']:,}", f["validation"] or "",
                          "yes" if f["active"] else "no"] for f in shown])
        if len(facts.files) > len(shown):
            lines.append(f"\n… and {len(facts.files) - len(shown)} more (see the validation "
                         "report).")
    lines += ["", "## Failed validation", ""]
    if not facts.failed:
        lines.append("No file failed a critical check.")
    else:
        lines.append(f"{len(facts.failed)} file(s) failed a critical check and are not used "
                     "(an earlier good version of the same delivery, if any, stays in use):")
        lines.append("")
        lines += _table(["file", "dataset", "failed checks", "message"],
                        [[f["path"], f["dataset"] or "", f["failed_checks"] or "",
                          f["message"] or ""] for f in facts.failed])
    if status not in ("validated", "no new files"):  # validation alone rebuilds no table
        lines += ["", "## Headline changes", ""]
        if not facts.headline:
            lines.append("No street-level crime in the warehouse yet: no headline change.")
        else:
            lines.append("Latest 12 months against the previous 12 (police.uk street-level "
                         "records); the ratio's exact 95% interval tells chance from change.")
            lines.append("")
            lines += _table(["measure", "latest 12 months", "records", "previous 12 months",
                             "change", "ratio (95% CI)"],
                            [_change_line(r) for r in facts.headline])
    lines += ["", "## Outputs", "", f"- assessment: `{summary['report']}`",
              f"- validation report: `{summary['validation_report']}`"]
    if status == "unchanged":
        lines.append("- nothing changed since the last good run: the outputs were left as "
                     "they were")
    return "\n".join(lines) + "\n"
