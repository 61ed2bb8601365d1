"""`svna status`: the last runs, what each source covers, each file's validation state and
what is overdue, read from the published warehouse without changing anything.

The overdue rule (README, "Running on a schedule"): a source is overdue when
  * it is delivered month by month (police.uk: the month is in the file name) and its latest
    month is older than the latest month of any other such source (a force's outcomes file
    missing for a month whose street file arrived), or
  * its latest month of data is more than `max_lag_months` calendar months before this month
    (default 3: police.uk publishes a month about four to eight weeks after it ends).
Sources without months (reference tables, the victims and suspects linked to offences) are
never overdue."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

import duckdb

from svna.config import Config
from svna.run_summary import ops_query, table_exists
from svna.warehouse import WAREHOUSE_FILE, quote_ident

DEFAULT_MAX_LAG_MONTHS = 3
MONTH = re.compile(r"^\d{4}-\d{2}$")
ATTENTION = ("failed", "not_loaded", "unrecognised", "warning")


class StatusError(RuntimeError):
    pass


@dataclass
class Source:
    dataset: str
    part: str  # the force for police.uk files, else ""
    months: list[str] = field(default_factory=list)
    files_in_use: int = 0
    last_delivered: str | None = None  # the newest file's modification date
    overdue: str | None = None  # why, when it is

    @property
    def name(self) -> str:
        return f"{self.dataset} ({self.part})" if self.part else self.dataset

    @property
    def last_month(self) -> str | None:
        return self.months[-1] if self.months else None

    @property
    def gaps(self) -> list[str]:
        """Months missing between the first and the latest."""
        if not self.months:
            return []
        present = set(self.months)
        return [m for m in _month_range(self.months[0], self.months[-1]) if m not in present]


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month_range(first: str, last: str) -> list[str]:
    return [f"{i // 12:04d}-{i % 12 + 1:02d}"
            for i in range(_month_index(first), _month_index(last) + 1)]


def _key_parts(delivery_key: str | None) -> dict[str, str]:
    """'force=x|month=2025-01' -> {'force': 'x', 'month': '2025-01'}."""
    return dict(p.split("=", 1) for p in (delivery_key or "").split("|") if "=" in p)


def _data_months(con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
    """The months of a dataset's rows in use: its staging model's `month` column, else its
    first date or timestamp column."""
    if not table_exists(con, "staging", dataset):
        return []
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
        "'staging' AND table_name = ? ORDER BY ordinal_position", [dataset]).fetchall()
    names = [c for c, _ in columns]
    if "month" in names:
        expression = "month"
    else:
        dates = [c for c, t in columns if t == "DATE" or t.startswith("TIMESTAMP")]
        if not dates:
            return []
        expression = f"strftime({quote_ident(dates[0])}, '%Y-%m')"
    months = con.execute(f"SELECT DISTINCT {expression} FROM staging.{quote_ident(dataset)}"
                         ).fetchall()
    return sorted(m for (m,) in months if m and MONTH.match(m))


def _sources(con, files: list[dict]) -> tuple[list[Source], set[tuple[str, str]]]:
    """Each dataset (police.uk: each dataset and force) with its months, and which of them
    are delivered month by month."""
    by_source: dict[tuple[str, str], Source] = {}
    keyed_by_month = set()
    for f in files:
        if not f["dataset"]:
            continue
        parts = _key_parts(f["delivery_key"])
        source = by_source.setdefault((f["dataset"], parts.get("force", "")),
                                      Source(f["dataset"], parts.get("force", "")))
        delivered = datetime.fromtimestamp(f["mtime_ns"] / 1e9, UTC).date().isoformat() \
            if f["mtime_ns"] else None
        if delivered and (source.last_delivered is None or delivered > source.last_delivered):
            source.last_delivered = delivered
        if f["active"]:
            source.files_in_use += 1
            if "month" in parts:
                keyed_by_month.add((f["dataset"], source.part))
                source.months.append(parts["month"])
    for key, source in by_source.items():
        if key in keyed_by_month:
            source.months = sorted(set(source.months))
        else:
            source.months = _data_months(con, source.dataset) if source.files_in_use else []
    return sorted(by_source.values(), key=lambda s: (s.dataset, s.part)), keyed_by_month


def _mark_overdue(sources: list[Source], monthly: set[tuple[str, str]], today: date,
                  max_lag_months: int) -> None:
    latest_monthly = max((s.last_month for s in sources
                          if (s.dataset, s.part) in monthly and s.last_month), default=None)
    this_month = _month_index(f"{today:%Y-%m}")
    for s in sources:
        if not s.last_month:
            continue
        reasons = []
        if (s.dataset, s.part) in monthly and latest_monthly and s.last_month < latest_monthly:
            reasons.append(f"latest month {s.last_month}, other monthly files reach "
                           f"{latest_monthly}")
        lag = this_month - _month_index(s.last_month)
        if lag > max_lag_months:
            reasons.append(f"latest month {s.last_month} is {lag} months before {today:%Y-%m} "
                           f"(expected within {max_lag_months})")
        s.overdue = "; ".join(reasons) or None


def status(config: Config, today: date | None = None,
           max_lag_months: int = DEFAULT_MAX_LAG_MONTHS, runs: int = 10) -> dict:
    """What an analyst asks before and after a run, as plain data (see render())."""
    from svna.pipeline import pending_files

    warehouse = config.paths.processed / WAREHOUSE_FILE
    if not warehouse.exists():
        raise StatusError(f"no warehouse at {warehouse}: run `svna refresh` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        recent = ops_query(con, "recent_runs", limit=runs)
        files = ops_query(con, "latest_files")
        sources, monthly = _sources(con, files)
    finally:
        con.close()
    _mark_overdue(sources, monthly, today or datetime.now(UTC).date(), max_lag_months)
    verdicts: dict[str, dict[str, int]] = {}
    for f in files:
        f["verdict"] = f["validation"] or f["status"]
        counts = verdicts.setdefault(f["dataset"] or "(unrecognised)", {})
        counts[f["verdict"]] = counts.get(f["verdict"], 0) + 1
    return {
        "area": config.label, "warehouse": str(warehouse), "runs": recent,
        "sources": [asdict(s) | {"name": s.name, "last_month": s.last_month, "gaps": s.gaps}
                    for s in sources],
        "files": files, "validation": verdicts,
        "overdue": [s.name for s in sources if s.overdue],
        "pending": pending_files(config) if config.paths.raw.is_dir() else [],
    }


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def render(report: dict) -> str:
    """The status as text for a terminal."""
    out = [f"svna status: {report['area']} ({report['warehouse']})", "", "Last runs:"]
    for r in report["runs"] or [{"run_id": "none yet", "started_at": None,
                                 "finished_at": None, "status": ""}]:
        out.append(f"  {r['run_id']:<28} {r['status']:<10} started {_when(r['started_at'])}"
                   f", finished {_when(r['finished_at'])}")
    out += ["", "Sources (months of data in use):"]
    for s in report["sources"]:
        months = (f"{s['months'][0]} to {s['last_month']} ({len(s['months'])} months"
                  + (f", missing {', '.join(s['gaps'])}" if s["gaps"] else "") + ")"
                  if s["months"] else "no months")
        out.append(f"  {s['name']:<40} {months}; {s['files_in_use']} file(s) in use, last "
                   f"delivered {s['last_delivered'] or '-'}"
                   + (f"  OVERDUE: {s['overdue']}" if s["overdue"] else ""))
    out += ["", "Validation (latest version of each file):"]
    for dataset, counts in sorted(report["validation"].items()):
        out.append(f"  {dataset:<40} " + ", ".join(f"{n} {v.replace('_', ' ')}"
                                                    for v, n in sorted(counts.items())))
    attention = [f for f in report["files"] if f["verdict"] in ATTENTION]
    if attention:
        out += ["", "Files needing attention:"]
        out += [f"  {f['verdict']:<12} {f['path']}: "
                + "; ".join(x for x in (f["message"], f["failed_checks"]) if x)
                for f in attention]
    out += ["", "Overdue: " + (", ".join(report["overdue"]) or "nothing")]
    pending = report["pending"]
    out.append(f"New files not yet read: {len(pending)}" + (
        f" ({', '.join(pending[:5])}{', …' if len(pending) > 5 else ''})" if pending else ""))
    return "\n".join(out) + "\n"

