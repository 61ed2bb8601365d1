"""The refresh: ingest -> validate -> assess -> report, as plain functions on a private copy
of the warehouse that is published only when every step succeeded."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from svna import datasets as datasets_mod
from svna import exports, ingest, models, validate
from svna.config import Config
from svna.evaluation import build_evaluation
from svna.mappings import load_mappings
from svna.project import EXPECTATIONS_DIR, SQL_DIR
from svna.spc import build_spc
from svna.validation_report import write_validation_report
from svna.warehouse import (
    WAREHOUSE_FILE,
    connect,
    first_row,
    publish_dir,
    publish_file,
    working_copy,
)

log = logging.getLogger(__name__)

LOCK_FILE = ".refresh.lock"


class RefreshLocked(RuntimeError):
    pass


@dataclass
class RefreshResult:
    run_id: str
    status: str  # succeeded or unchanged
    report: Path
    validation_report: Path
    exports_dir: Path
    warehouse: Path
    ingest: ingest.IngestSummary | None = None
    validation: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def report_path(config: Config) -> Path:
    return config.paths.reports / "assessments" / config.area.slug / "baseline.html"


def code_fingerprint() -> str:
    """Hash of everything that shapes the outputs besides the data and the config."""
    digest = hashlib.sha256()
    for root in (SQL_DIR, EXPECTATIONS_DIR, Path(__file__).parent):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in
                           p.parts):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, config: Config) -> str:
    """Equal fingerprints, equal outputs: every file version seen (so a new failed file is
    reported too), which are in use, the config and the code."""
    files = first_row(
        con, "SELECT string_agg(concat_ws(':', file_id, sha256, validation, active), ',' "
        "ORDER BY file_id) FROM meta.files")[0]
    payload = json.dumps([files, config.model_dump(mode="json"), code_fingerprint()])
    return hashlib.sha256(payload.encode()).hexdigest()


class _Lock:
    """One refresh at a time per warehouse; a lock left by a dead process is taken over."""

    def __init__(self, processed_dir: Path):
        self.path = processed_dir / LOCK_FILE

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._holder_alive():
                    raise RefreshLocked(
                        f"another refresh is running on {self.path.parent} "
                        f"(process {self.path.read_text().strip()}); try again when it ends"
                    ) from None
                self.path.unlink(missing_ok=True)
                continue
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            return self
        raise RefreshLocked(f"could not take {self.path}")

    def _holder_alive(self) -> bool:
        try:
            pid = int(self.path.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, FileNotFoundError):
            return False
        except PermissionError:
            return True
        return True

    def __exit__(self, *exc):
        self.path.unlink(missing_ok=True)


def stage_ingest(con, config: Config, run_id: str) -> ingest.IngestSummary:
    if not config.paths.raw.is_dir():
        raise FileNotFoundError(f"raw data folder {config.paths.raw} does not exist")
    datasets = datasets_mod.load_datasets()
    mappings = load_mappings(datasets, config.paths.mappings)
    return ingest.ingest(con, config.paths.raw, datasets, run_id, mappings)


def stage_validate(con, config: Config, run_id: str) -> dict:
    tally = validate.run_validation(con, datasets_mod.load_datasets(), run_id)
    tally["active_files"] = ingest.activate(con, config.paths.raw)
    return tally


def stage_assess(con, config: Config) -> list[str]:
    built = models.run_models(con, config)
    build_spc(con)
    build_evaluation(con)
    return [*built, "assessment.spc", "assessment.intervention_effects"]


def stage_report(con, config: Config, work: Path, run_id: str) -> dict[str, Path]:
    """Exports, the validation report and the assessment, written inside the run's folder."""
    from svna.report import render_baseline  # charts pull in altair: only when reporting

    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = {
        "exports": work / "exports",
        "validation": work / "reports" / "validation",
        "assessment": work / "reports" / "assessment",
    }
    exports.write_exports(con, out["exports"], config.suppression.threshold)
    write_validation_report(con, out["validation"], datasets_mod.load_datasets(), run_id,
                            generated_at)
    render_baseline(con, out["assessment"] / "baseline.html", config=config, run_id=run_id,
                    generated_at=generated_at,
                    validation_href="../../validation/index.html")
    return out


def _run_directly(name: str, function, *args):
    return function(*args)


def refresh(config: Config, run_id: str | None = None, force: bool = False,
            stage_runner=_run_directly) -> RefreshResult:
    """The whole refresh. `stage_runner(name, function, *args)` runs each stage: directly by
    default, or as a Prefect task when called from the flow (svna.flows)."""
    run_id = run_id or new_run_id()
    paths = config.paths
    result = RefreshResult(
        run_id, "succeeded", report_path(config), paths.reports / "validation" / "index.html",
        paths.processed / "exports", paths.processed / WAREHOUSE_FILE)

    def stage(name, function, *args):
        started = time.perf_counter()
        value = stage_runner(name, function, *args)
        result.timings[name] = round(time.perf_counter() - started, 3)
        return value

    with _Lock(paths.processed), working_copy(paths.processed, run_id) as work:
        con = connect(work / WAREHOUSE_FILE)
        outputs = {}
        try:
            con.execute("INSERT INTO meta.runs VALUES (?, now(), NULL, 'running', NULL, NULL)",
                        [run_id])
            result.ingest = stage("ingest", stage_ingest, con, config, run_id)
            result.validation = stage("validate", stage_validate, con, config, run_id)
            fingerprint = inputs_fingerprint(con, config)
            last = first_row(
                con, "SELECT fingerprint FROM meta.runs WHERE status IN ('succeeded', 'unchanged') "
                "ORDER BY started_at DESC LIMIT 1")
            if not force and last and last[0] == fingerprint and result.report.exists():
                result.status = "unchanged"
            else:
                stage("assess", stage_assess, con, config)
                outputs = stage("report", stage_report, con, config, work, run_id)
            con.execute(
                "UPDATE meta.runs SET finished_at = now(), status = ?, fingerprint = ? "
                "WHERE run_id = ?", [result.status, fingerprint, run_id])
        finally:
            con.close()
        publish_file(work / WAREHOUSE_FILE, result.warehouse)
        if outputs:
            publish_dir(outputs["exports"], result.exports_dir)
            publish_dir(outputs["validation"], result.validation_report.parent)
            publish_dir(outputs["assessment"], result.report.parent)
    log.info("refresh %s %s: %s", run_id, result.status, result.report)
    return result


def summarise(result: RefreshResult) -> dict:
    """What an analyst wants to read after a run, as plain lines and figures."""
    lines = [f"run {result.run_id}: {result.status}"]
    if result.ingest:
        s = result.ingest
        lines.append(
            f"files: {s.seen} seen, {s.unchanged} unchanged, {len(s.loaded)} loaded "
            f"({s.rows_loaded:,} rows, {s.rows_rejected:,} rejected), {len(s.duplicates)} "
            f"duplicate, {len(s.not_loaded)} not loadable, {len(s.unrecognised)} unrecognised")
        lines += [f"  not loadable: {p}" for p in s.not_loaded]
    if result.validation:
        v = result.validation
        lines.append(f"validation of new files: {v.get('passed', 0)} passed, "
                     f"{v.get('warning', 0)} with warnings, {v.get('failed', 0)} failed; "
                     f"{v.get('active_files', 0)} files in use")
    lines.append("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    lines.append(f"validation report: {result.validation_report}")
    lines.append(f"assessment: {result.report}")
    return {"run_id": result.run_id, "status": result.status, "report": str(result.report),
            "validation_report": str(result.validation_report), "lines": lines,
            "timings": result.timings}
