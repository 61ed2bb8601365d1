"""Validation: the GX suites in expectations/ run on every delivered file.

The suites stay in GX's own JSON form (GX can run them unchanged, see `run_with_gx_pandas`),
but svna evaluates them as one DuckDB query per dataset over the raw layer: GX's SQL
datasource cannot read DuckDB results and its pandas engine is some 30x slower on millions
of rows (benchmarks/validation_engines.py). Results keep GX's field names and semantics:
nulls do not count against map expectations other than not_be_null, and `mostly` applies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import duckdb

from svna.bulk import insert_rows
from svna.datasets import Dataset, normalise_header
from svna.project import EXPECTATIONS_DIR
from svna.warehouse import quote_ident

SAMPLE_ROWS = 20
SAMPLE_CHARS = 200  # a sampled value is cut here: one cell may hold megabytes
# A delivery whose critical failures are a few bad rows keeps its other rows: those rows are
# quarantined (meta.quarantine) and never reach staging. Past this share of its rows the file
# itself is broken and fails, and the last good delivery stays in use.
QUARANTINE_MAX_SHARE = 0.5


class SuiteError(ValueError):
    pass


def sql_literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _set(values) -> str:
    return "[" + ", ".join(sql_literal(v) for v in values) + "]::VARCHAR[]"


def _between(col: str, kw: dict) -> str:
    """Numbers compare as numbers (text that is not one is unexpected); text bounds, such as
    ISO dates, compare as text. GX 1.x's pandas engine cannot run either on a text column
    (it fails the check without counts), so such checks are svna's alone."""
    bounds = [kw.get("min_value"), kw.get("max_value")]
    textual = any(isinstance(b, str) for b in bounds)
    value = col if textual else f"TRY_CAST({col} AS DOUBLE)"
    checks = [] if textual else [f"{value} IS NULL"]
    for bound, strict, lax_op, strict_op in ((bounds[0], kw.get("strict_min"), "<", "<="),
                                             (bounds[1], kw.get("strict_max"), ">", ">=")):
        if bound is not None:
            literal = sql_literal(bound) if textual else float(bound)
            checks.append(f"{value} {strict_op if strict else lax_op} {literal}")
    return " OR ".join(checks) or "false"


def _with_parameters(kwargs: dict, parameters: dict) -> dict:
    """GX's {"$PARAMETER": name} placeholders, filled in at validation time (e.g. today)."""
    return {k: parameters[v["$PARAMETER"]] if isinstance(v, dict) and "$PARAMETER" in v else v
            for k, v in kwargs.items()}


def run_parameters() -> dict:
    return {"today": date.today().isoformat()}


def _lengths_between(col: str, kw: dict) -> str:
    checks = ["false"]
    if kw.get("min_value") is not None:
        checks.append(f"length({col}) < {int(kw['min_value'])}")
    if kw.get("max_value") is not None:
        checks.append(f"length({col}) > {int(kw['max_value'])}")
    return " OR ".join(checks)


# SQL predicates that are true for an unexpected (non-null) value.
COLUMN_MAP = {
    "expect_column_values_to_not_be_null": lambda c, kw: f"{c} IS NULL",
    "expect_column_values_to_match_regex":
        lambda c, kw: f"NOT regexp_matches({c}, {sql_literal(kw['regex'])})",
    "expect_column_values_to_not_match_regex":
        lambda c, kw: f"regexp_matches({c}, {sql_literal(kw['regex'])})",
    "expect_column_values_to_be_in_set":
        lambda c, kw: f"NOT list_contains({_set(kw['value_set'])}, {c})",
    "expect_column_values_to_not_be_in_set":
        lambda c, kw: f"list_contains({_set(kw['value_set'])}, {c})",
    "expect_column_values_to_be_between": lambda c, kw: _between(c, kw),
    "expect_column_value_lengths_to_equal": lambda c, kw: f"length({c}) <> {int(kw['value'])}",
    "expect_column_value_lengths_to_be_between": lambda c, kw: _lengths_between(c, kw),
    # a real calendar date (2024-02-30 matches a date pattern but is no date)
    "expect_column_values_to_match_strftime_format":
        lambda c, kw: f"try_strptime({c}, {sql_literal(kw['strftime_format'])}) IS NULL",
    "expect_column_values_to_be_unique": None,  # a grouped scan: see _unexpected_predicates
}
TABLE_LEVEL = {
    "expect_table_columns_to_match_ordered_list",
    "expect_table_columns_to_match_set",
    "expect_column_to_exist",
    "expect_table_column_count_to_equal",
    "expect_table_row_count_to_be_between",
}
SUPPORTED = set(COLUMN_MAP) | TABLE_LEVEL


@dataclass(frozen=True)
class Suite:
    name: str
    expectations: tuple[dict, ...]
    sha256: str
    raw: dict = field(repr=False, compare=False, hash=False, default_factory=dict)


@cache
def load_suite(name: str, expectations_dir: Path = EXPECTATIONS_DIR) -> Suite:
    path = expectations_dir / f"{name}.json"
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except FileNotFoundError:
        raise SuiteError(f"{path}: no GX suite for dataset '{name}'") from None
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from None
    for i, exp in enumerate(raw.get("expectations", [])):
        if exp.get("type") not in SUPPORTED:
            raise SuiteError(
                f"{path}: expectation {i} has type {exp.get('type')!r}, which svna's DuckDB "
                f"validator does not evaluate; supported: {', '.join(sorted(SUPPORTED))}"
            )
        if exp.get("kwargs", {}).get("row_condition"):
            raise SuiteError(f"{path}: expectation {i}: row_condition is not supported")
    return Suite(name, tuple(raw.get("expectations", [])),
                 hashlib.sha256(text.encode()).hexdigest(), raw)


def severity(exp: dict) -> str:
    return str(exp.get("severity") or "critical").lower()


@dataclass
class Result:
    expectation: dict
    success: bool
    element_count: int
    unexpected_count: int = 0
    unexpected_percent: float = 0.0
    sample: list[dict] = field(default_factory=list)  # [{line, value}] or [{detail}]

    @property
    def column(self) -> str | None:
        return self.expectation.get("kwargs", {}).get("column")


def _mostly_ok(unexpected: int, denominator: int, mostly) -> bool:
    if denominator == 0:
        return True
    return (1 - unexpected / denominator) >= (1.0 if mostly is None else float(mostly))


def _table_result(exp: dict, header: list[str], row_count: int) -> Result:
    kw = exp.get("kwargs", {})
    kind = exp["type"]
    detail = ""
    if kind == "expect_table_columns_to_match_ordered_list":
        want = kw["column_list"]
        ok = header == want
        if not ok:
            missing = [c for c in want if c not in header]
            extra = [c for c in header if c not in want]
            detail = "; ".join(filter(None, [
                missing and f"missing column(s): {', '.join(missing)}",
                extra and f"unexpected column(s): {', '.join(extra)}",
                not missing and not extra and f"columns out of order: {', '.join(header)}",
            ]))
    elif kind == "expect_table_columns_to_match_set":
        want = set(kw["column_set"])
        got = set(header)
        ok = got == want if kw.get("exact_match", True) else want <= got
        detail = "" if ok else f"missing {sorted(want - got)}, unexpected {sorted(got - want)}"
    elif kind == "expect_column_to_exist":
        ok = kw["column"] in header
        detail = "" if ok else f"no column '{kw['column']}'"
    elif kind == "expect_table_column_count_to_equal":
        ok = len(header) == int(kw["value"])
        detail = "" if ok else f"{len(header)} columns, expected {kw['value']}"
    else:  # expect_table_row_count_to_be_between
        low, high = kw.get("min_value"), kw.get("max_value")
        ok = (low is None or row_count >= low) and (high is None or row_count <= high)
        expected = (f"between {low} and {high}" if low is not None and high is not None
                    else f"at least {low}" if low is not None else f"at most {high}")
        detail = "" if ok else f"{row_count} data rows, expected {expected}"
    sample = [{"line": 1, "value": detail}] if detail else []
    return Result(exp, ok, row_count, 0 if ok else 1, 0.0 if ok else 100.0, sample)


def _map_expectations(suite: Suite) -> list[tuple[int, dict]]:
    return [(i, e) for i, e in enumerate(suite.expectations) if e["type"] in COLUMN_MAP]


def _unexpected_predicates(ds: Dataset, suite: Suite) -> list[tuple[int, str, str]]:
    """(expectation index, quoted column, SQL true for an unexpected row) per map expectation."""
    unknown = [e["kwargs"]["column"] for _, e in _map_expectations(suite)
               if e["kwargs"]["column"] not in ds.columns]
    if unknown:
        raise SuiteError(f"suite {suite.name}: column(s) {unknown} not in dataset {ds.name}")
    out = []
    for i, exp in _map_expectations(suite):
        col = quote_ident(exp["kwargs"]["column"])
        if exp["type"] == "expect_column_values_to_be_unique":
            pred = (f"({col}, _file_id) IN (SELECT ({col}, _file_id) FROM {ds.raw_table} "
                    f"WHERE list_contains(?, _file_id) GROUP BY ALL HAVING count(*) > 1)")
        else:
            pred = COLUMN_MAP[exp["type"]](col, _with_parameters(exp["kwargs"], run_parameters()))
        if exp["type"] != "expect_column_values_to_not_be_null":
            pred = f"{col} IS NOT NULL AND ({pred})"
        out.append((i, col, pred))
    return out


def build_validation_query(ds: Dataset, suite: Suite) -> tuple[str, int]:
    """One aggregate query over the raw table giving, per file, the row count and for every
    map expectation its non-null and unexpected counts; and how many times it takes the list
    of file ids as a parameter. Duplicates are found by a grouped scan per unique check."""
    aggregates, joins = ["count(*) AS element_count"], []
    for i, col, pred in _unexpected_predicates(ds, suite):
        aggregates.append(f"count({col}) AS nonnull{i}")
        exp = suite.expectations[i]
        if exp["type"] == "expect_column_values_to_be_unique":
            joins.append(
                f"LEFT JOIN (SELECT _file_id, sum(n) AS dup{i} FROM (SELECT _file_id, {col}, "
                f"count(*) AS n FROM {ds.raw_table} WHERE list_contains(?, _file_id) AND "
                f"{col} IS NOT NULL GROUP BY ALL HAVING count(*) > 1) GROUP BY _file_id) "
                f"AS d{i} USING (_file_id)")
            aggregates.append(f"coalesce(any_value(d{i}.dup{i}), 0) AS unexpected{i}")
        else:
            aggregates.append(f"count_if({pred}) AS unexpected{i}")
    sql = (f"SELECT _file_id, {', '.join(aggregates)} FROM {ds.raw_table} "
           f"{' '.join(joins)} WHERE list_contains(?, _file_id) GROUP BY _file_id")
    return sql, len(joins) + 1


def _sample_rows(con, ds: Dataset, suite: Suite, ids: list[int], failing: set[int]):
    """The first failing rows, with their lines, of the expectations that failed somewhere."""
    parts, params = [], []
    for i, col, pred in _unexpected_predicates(ds, suite):
        if i not in failing:
            continue
        parts.append(
            f"SELECT * FROM (SELECT {i} AS expectation, _file_id, _line, "
            f"CASE WHEN length({col}) > {SAMPLE_CHARS} THEN left({col}, {SAMPLE_CHARS}) || "
            f"' … (' || length({col}) || ' characters)' ELSE CAST({col} AS VARCHAR) END "
            f"AS value, row_number() OVER (PARTITION BY _file_id ORDER BY _line) AS n "
            f"FROM {ds.raw_table} WHERE list_contains(?, _file_id) AND {pred}) "
            f"WHERE n <= {SAMPLE_ROWS}")
        params += [ids] * (2 if "GROUP BY ALL HAVING" in pred else 1)
    if not parts:
        return []
    return con.execute(" UNION ALL ".join(parts), params).fetchall()


def header_as_read(ds: Dataset, header: list[str]) -> tuple[list[str], str]:
    """A loaded file's columns as ingest read them (by name), and what differs from the
    published header: the table is judged as read, a difference is a warning."""
    by_name = {normalise_header(c): c for c in ds.columns}
    read = [by_name.get(normalise_header(h)) for h in header]
    if None in read or sorted(read) != sorted(ds.columns):
        return header, ""
    respelled = [f"'{h}' as '{c}'" for h, c in zip(header, read, strict=True) if h != c]
    notes = []
    if respelled:
        notes.append("column name(s) spelled differently, read as the published ones: "
                     + ", ".join(respelled))
    if read != list(ds.columns):
        notes.append("columns in a different order from the published one, read by name: "
                     + ", ".join(header))
    return list(ds.columns), "; ".join(notes)


def validate_loaded(
    con: duckdb.DuckDBPyConnection, ds: Dataset, suite: Suite, files: dict[int, list[str]]
) -> dict[int, list[Result]]:
    """Evaluate a suite on loaded files (file_id -> delivered header) in one pass."""
    if not files:
        return {}
    ids = sorted(files)
    counts_sql, uses = build_validation_query(ds, suite)
    exps = _map_expectations(suite)
    counts = {row[0]: row for row in con.execute(counts_sql, [ids] * uses).fetchall()}
    failing = {i for n, (i, _) in enumerate(exps)
               if any(row[3 + 2 * n] for row in counts.values())}
    samples: dict[tuple[int, int], list[dict]] = {}
    for exp_i, fid, line, value, _ in _sample_rows(con, ds, suite, ids, failing):
        samples.setdefault((fid, exp_i), []).append({"line": line, "value": value})
    results: dict[int, list[Result]] = {}
    for fid in ids:
        row = counts.get(fid)
        elements = row[1] if row else 0
        header, difference = header_as_read(ds, files[fid])
        out = [_table_result(e, header, elements) for e in suite.expectations
               if e["type"] in TABLE_LEVEL]
        if difference:
            out.append(Result({"type": "svna_columns_as_published", "kwargs": {},
                               "severity": "warning"}, False, elements, 1, 100.0,
                              [{"line": 1, "value": difference}]))
        for n, (i, exp) in enumerate(exps):
            nonnull = row[2 + 2 * n] if row else 0
            unexpected = row[3 + 2 * n] if row else 0
            denominator = elements if exp["type"] == "expect_column_values_to_not_be_null" \
                else nonnull
            pct = 100.0 * unexpected / denominator if denominator else 0.0
            out.append(Result(exp, _mostly_ok(unexpected, denominator, exp["kwargs"].get("mostly")),
                              elements, unexpected, pct, samples.get((fid, i), [])))
        results[fid] = out
    return results


def validate_header_only(suite: Suite, header: list[str] | None) -> list[Result]:
    """For files that could not be loaded: the table-level expectations, judged on the header."""
    return [_table_result(e, header or [], 0) for e in suite.expectations
            if e["type"] in TABLE_LEVEL and e["type"] != "expect_table_row_count_to_be_between"]


def quarantine_rows(con: duckdb.DuckDBPyConnection, ds: Dataset, suite: Suite, file_id: int,
                    results: list[Result]) -> Result | None:
    """Quarantine the rows of a loaded file that fail its critical value checks, when those
    checks are all it fails and the rows are few; returns the note saying so, or None when the
    file as a whole must fail (a table-level or uniqueness failure, or too many bad rows)."""
    broken = [r for r in results if not r.success and severity(r.expectation) == "critical"]
    if not broken or any(r.expectation["type"] not in COLUMN_MAP
                         or r.expectation["type"] == "expect_column_values_to_be_unique"
                         for r in broken):
        return None
    failing = {id(r.expectation) for r in broken}
    checks = [(col, pred, exp) for (i, col, pred), exp in zip(
        _unexpected_predicates(ds, suite), (e for _, e in _map_expectations(suite)),
        strict=True) if id(exp) in failing]
    unions = " UNION ALL ".join(
        f"SELECT _line, {sql_literal(exp['type'])}, {sql_literal(exp['kwargs']['column'])} "
        f"FROM {ds.raw_table} WHERE _file_id = {int(file_id)} AND ({pred})"
        for col, pred, exp in checks)
    rows = con.execute(unions).fetchall()
    lines = sorted({line for line, *_ in rows})
    if len(lines) > QUARANTINE_MAX_SHARE * max(broken[0].element_count, 1):
        return None
    insert_rows(con, "meta.quarantine",
                [[file_id, line, kind, column] for line, kind, column in rows])
    return Result({"type": "svna_rows_quarantined", "kwargs": {}, "severity": "warning"},
                  False, broken[0].element_count, len(lines),
                  100.0 * len(lines) / max(broken[0].element_count, 1),
                  [{"line": line, "value": "failed a critical check: left out, the rest of "
                                           "the file is used"} for line in lines[:SAMPLE_ROWS]])


def file_status(results: list[Result], rows_rejected: int = 0) -> str:
    failed = {severity(r.expectation) for r in results if not r.success}
    if "critical" in failed:
        return "failed"
    return "warning" if failed or rows_rejected else "passed"


def run_validation(con: duckdb.DuckDBPyConnection, datasets: tuple[Dataset, ...],
                   run_id: str) -> dict[str, int]:
    """Validate every file not yet validated against its suite as it is now; record results."""
    tally = {"passed": 0, "warning": 0, "failed": 0}
    for ds in datasets:
        suite = load_suite(ds.suite_name)
        pending = con.execute(
            "SELECT file_id, status, header, rows_rejected, message FROM meta.files "
            "WHERE dataset = ? AND status IN ('loaded', 'not_loaded') "
            "AND (validation IS NULL OR suite_sha IS DISTINCT FROM ?)",
            [ds.name, suite.sha256],
        ).fetchall()
        loaded = {fid: json.loads(h) for fid, st, h, *_ in pending if st == "loaded"}
        results = validate_loaded(con, ds, suite, loaded)
        file_ids = [fid for fid, *_ in pending]
        con.execute("DELETE FROM meta.quarantine WHERE file_id IN (SELECT unnest(?::INTEGER[]))",
                    [file_ids])
        recorded, verdicts = [], []
        for fid, status, header, rejected, message in pending:
            if status == "loaded":
                res = results[fid]
                verdict = file_status(res, rejected or 0)
                note = quarantine_rows(con, ds, suite, fid, res) if verdict == "failed" else None
                if note:
                    res.append(note)
                    verdict = "warning"
            else:
                res = validate_header_only(suite, json.loads(header) if header else None)
                verdict = "failed"
                if message and all(r.success for r in res):
                    res.append(Result({"type": "svna_file_is_readable", "kwargs": {},
                                       "severity": "critical"}, False, 0, 1, 100.0,
                                      [{"line": None, "value": message}]))
            recorded += _result_rows(run_id, fid, ds.name, res)
            verdicts.append(verdict)
            tally[verdict] += 1
        _record(con, file_ids, recorded, verdicts, suite.sha256)
    return tally


def _result_rows(run_id: str, file_id: int, dataset: str, results: list[Result]) -> list[list]:
    """meta.validation_results rows of one file."""
    return [[run_id, file_id, dataset, r.expectation["type"], r.column,
             json.dumps(r.expectation.get("kwargs", {}), sort_keys=True),
             severity(r.expectation), r.success, r.element_count, r.unexpected_count,
             r.unexpected_percent, json.dumps(r.sample, default=str)] for r in results]


def _record(con, file_ids: list[int], rows: list[list], verdicts: list[str],
            suite_sha: str) -> None:
    """Replace the files' results and set their verdicts: a few statements for all files (one
    statement per row or file cost about 9 ms each)."""
    if not file_ids:
        return
    con.execute("DELETE FROM meta.validation_results "
                "WHERE file_id IN (SELECT unnest(?::INTEGER[]))", [file_ids])
    insert_rows(con, "meta.validation_results", rows)
    con.execute("UPDATE meta.files SET validation = v.verdict, suite_sha = ? "
                "FROM (SELECT unnest(?::INTEGER[]) AS file_id, "
                "unnest(?::VARCHAR[]) AS verdict) AS v "
                "WHERE meta.files.file_id = v.file_id", [suite_sha, file_ids, verdicts])


def run_with_gx_pandas(frame, suite: Suite) -> list[dict]:
    """Run a suite with Great Expectations' own pandas engine: the reference the DuckDB
    evaluation is checked against, and the slow alternative the benchmark measures."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas("svna")
             .add_dataframe_asset("frame")
             .add_batch_definition_whole_dataframe("whole")
             .get_batch(batch_parameters={"dataframe": frame}))
    gx_suite = ExpectationSuite(**{k: v for k, v in suite.raw.items() if k != "id"})
    outcome = batch.validate(gx_suite, result_format="SUMMARY",
                             expectation_parameters=run_parameters())
    return [{"type": r.expectation_config.type,
             "column": r.expectation_config.kwargs.get("column"),
             "success": bool(r.success),
             "unexpected_count": r.result.get("unexpected_count", 0)} for r in outcome.results]
