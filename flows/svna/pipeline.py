"""The refresh: ingest -> validate -> assess -> report, as plain functions on a private copy
of the warehouse that is published only when every step succeeded. A config of many areas
ingests, validates and builds the models shared by every area once, then assesses and reports
each area in a warehouse of its own that reads the shared one, in parallel (`area_runner`), and
publishes all areas or none."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from svna import datasets as datasets_mod
from svna import exports, ingest, models, validate
from svna.config import Area, Config
from svna.evaluation import build_evaluation
from svna.mappings import load_mappings
from svna.project import EXPECTATIONS_DIR, SQL_DIR
from svna.spc import build_spc
from svna.validation_report import write_validation_report
from svna.warehouse import (
    WAREHOUSE_FILE,
    connect,
    first_row,
    publish,
    quote_ident,
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
    reports: dict[str, Path] = field(default_factory=dict)  # area name -> its baseline report
    built_by: dict[str, str] = field(default_factory=dict)  # area name -> host:process id


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


MULTIAGENCY_FILE = "multiagency.html"


AREAS_DIR = "areas"


def report_path(config: Config, area: Area | None = None) -> Path:
    """The baseline report of `area` (default: the config's only or first area)."""
    area = area or config.area_list[0]
    return config.paths.reports / "assessments" / area.slug / "baseline.html"


def exports_path(config: Config, area: Area | None = None) -> Path:
    """processed/exports for one area; processed/exports/<slug> for each of many."""
    exports_dir = config.paths.processed / "exports"
    return exports_dir / (area or config.area_list[0]).slug if config.many_areas else exports_dir


def area_warehouse_path(config: Config, area: Area) -> Path:
    """Each of many areas keeps its assessment, and its headline history, in a warehouse
    of its own beside the shared one."""
    return config.paths.processed / AREAS_DIR / area.slug / WAREHOUSE_FILE


def published_locations(config: Config, area: Area | None = None) -> dict[str, Path]:
    """Where each folder that stage_report builds is published (one entry per key)."""
    return {"exports": exports_path(config, area),
            "validation": config.paths.reports / "validation",
            "assessment": report_path(config, area).parent}


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
    settings = config.model_dump(mode="json", exclude={"run"})  # how to run, not what
    payload = json.dumps([files, settings, code_fingerprint()])
    return hashlib.sha256(payload.encode()).hexdigest()


class _Lock:
    """One refresh at a time per warehouse: an OS lock on a file in the processed folder.
    The OS releases it when its process ends, however it ends, so a killed run never leaves
    a lock behind; the file holds the holder's process id for the message."""

    POLL_SECONDS = 0.5

    def __init__(self, processed_dir: Path, on_lock: str = "refuse", wait_seconds: float = 0):
        self.path = processed_dir / LOCK_FILE
        self.wait_seconds = wait_seconds if on_lock == "wait" else 0
        self.fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait_seconds
        waiting = False
        while not self._try_take():
            if time.monotonic() >= deadline:
                waited = f" after waiting {self.wait_seconds:g} s" if self.wait_seconds else ""
                raise RefreshLocked(
                    f"another refresh (process {self._holder()}) is running on "
                    f"{self.path.parent}{waited}; try again when it ends")
            if not waiting:
                log.info("waiting up to %g s for the refresh of process %s to end",
                         self.wait_seconds, self._holder())
                waiting = True
            time.sleep(self.POLL_SECONDS)
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.write(self.fd, f"{os.getpid():<20}".encode())  # fixed width: no stale digits
        return self

    def _try_take(self) -> bool:
        """True once this process holds the lock; False while another process does."""
        while True:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR)
            if not _os_lock(fd):
                os.close(fd)
                return False
            try:
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self.fd = fd
                    return True
            except FileNotFoundError:
                pass
            os.close(fd)  # the file was removed by the holder that just ended: take a new one

    def _holder(self) -> str:
        try:
            return self.path.read_text().strip() or "unknown"
        except OSError:
            return "unknown"

    def __exit__(self, *exc):
        try:
            self.path.unlink(missing_ok=True)  # before unlocking: a waiter checks the inode
        except PermissionError:  # Windows cannot remove an open file; it is reused
            pass
        os.close(self.fd)
        self.fd = None


def _os_lock(fd: int) -> bool:
    """Take the OS lock on an open file without blocking; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: a byte-range lock past the process id (untested here)
        import msvcrt

        os.lseek(fd, 1 << 20, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        os.lseek(fd, 0, os.SEEK_SET)
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


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


def stage_assess(con, config: Config, shared_built: bool = False) -> list[str]:
    built = models.run_models(con, config, shared_built=shared_built)
    build_spc(con)
    build_evaluation(con)
    return [*built, "assessment.spc", "assessment.intervention_effects"]


def stage_report(con, config: Config, work: Path, run_id: str,
                 with_validation: bool = True) -> dict[str, Path]:
    """Exports, the validation report and the assessment, written inside the run's folder.
    Many areas share one validation report, written once (with_validation=False per area)."""
    # charts pull in altair: only when reporting
    from svna.pdf import BackgroundPrinter
    from svna.report import render_baseline
    from svna.report_multiagency import render_multiagency

    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = {
        "exports": work / "exports",
        "validation": work / "reports" / "validation",
        "assessment": work / "reports" / "assessment",
    }
    common = {"validation_href": "../../validation/index.html", "config": config,
              "run_id": run_id, "generated_at": generated_at}
    published = exports.publication(con, config.suppression.threshold)
    # the baseline first: its PDF, the longest step, is printed while the rest is written
    with BackgroundPrinter() as printer:
        baseline = render_baseline(con, out["assessment"] / "baseline.html",
                                   published=published, **common)
        log.info("%s written", baseline.name)
        if config.report.pdf:
            printer.start(baseline)
        written = exports.write_exports(con, out["exports"], config.suppression.threshold,
                                        published)
        log.info("exports: %d files written", len(written))
        if with_validation:
            write_validation_report(con, out["validation"], datasets_mod.load_datasets(),
                                    run_id, generated_at)
        else:
            del out["validation"]
        multiagency = render_multiagency(con, out["assessment"] / MULTIAGENCY_FILE,
                                         baseline_href="baseline.html", published=published,
                                         **common)
        log.info("%s written", multiagency.name)
        if config.report.pdf:
            printer.start(multiagency)
    # this run's headline figures, for the next run's "since the last assessment"
    con.execute("INSERT INTO meta.headlines SELECT ?, now(), * FROM assessment.headlines",
                [run_id])
    return out


def _run_directly(name: str, function, *args):
    return function(*args)


def build_area(area_config: dict, shared_warehouse: str, work_dir: str,
               previous_warehouse: str | None, run_id: str, fingerprint: str) -> dict:
    """Assess and report one of many areas in a warehouse of its own, in `work_dir`, that
    reads the validated rows from the shared warehouse (attached read-only, not copied: at
    national scale it is gigabytes, and 43 areas would copy it 43 times). Plain arguments (a
    config dict, paths as text) so that it can run in another process or on another machine
    that sees the same folders (a Dask worker)."""
    config = Config.model_validate(area_config)
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    (work / WAREHOUSE_FILE).unlink(missing_ok=True)
    timings = {}
    con = connect(work / WAREHOUSE_FILE)
    try:
        _read_shared(con, shared_warehouse)
        _carry_headlines(con, previous_warehouse)
        started = time.perf_counter()
        stage_assess(con, config, shared_built=True)
        timings["assess"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        outputs = stage_report(con, config, work, run_id, with_validation=False)
        timings["report"] = round(time.perf_counter() - started, 3)
        con.execute("UPDATE meta.runs SET finished_at = now(), status = 'succeeded', "
                    "fingerprint = ? WHERE run_id = ?", [fingerprint, run_id])
    finally:
        _stop_reading_shared(con)
        con.close()
    _check_checkpointed(work)
    return {"area": config.area.name, "timings": timings,
            "built_by": f"{socket.gethostname()}:{os.getpid()}",
            "outputs": {name: str(path) for name, path in outputs.items()},
            "warehouse": str(work / WAREHOUSE_FILE)}


SHARED = "shared"  # the catalog name of the shared warehouse in an area's


def _read_shared(con, shared_warehouse: str) -> None:
    """The shared warehouse attached read-only; its bookkeeping copied (the models and the
    report read and update it); its raw tables and the models shared by every area seen
    through views, which `_stop_reading_shared` drops before the area's warehouse is
    published."""
    con.execute(f"ATTACH ? AS {SHARED} (READ_ONLY)", [shared_warehouse])
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "ORDER BY ALL", [SHARED]).fetchall()
    shared = set(models.shared_models())
    for schema, table in tables:
        source = f"{SHARED}.{quote_ident(schema)}.{quote_ident(table)}"
        if schema == "meta" and table != "headlines":  # an area keeps its own headlines
            con.execute(f"INSERT INTO meta.{quote_ident(table)} BY NAME SELECT * FROM {source}")
        elif schema == "raw" or f"{schema}.{table}" in shared:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            con.execute(f"CREATE VIEW {quote_ident(schema)}.{quote_ident(table)} AS "
                        f"SELECT * FROM {source}")


def _stop_reading_shared(con) -> None:
    views = con.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal "
                        "AND database_name = current_database() AND sql LIKE ?",
                        [f"%{SHARED}.%"]).fetchall()
    for schema, view in views:
        con.execute(f"DROP VIEW {quote_ident(schema)}.{quote_ident(view)}")
    if first_row(con, "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?",
                 [SHARED])[0]:
        con.execute(f"DETACH {SHARED}")


def _carry_headlines(con, previous_warehouse: str | None) -> None:
    """The area's own earlier headline figures ("since the last assessment") replace any in
    the shared warehouse, which holds none of this area's."""
    con.execute("DELETE FROM meta.headlines")
    if previous_warehouse and Path(previous_warehouse).exists():
        con.execute("ATTACH ? AS previous (READ_ONLY)", [previous_warehouse])
        try:
            con.execute("INSERT INTO meta.headlines BY NAME "
                        "SELECT * FROM previous.meta.headlines")
        finally:
            con.execute("DETACH previous")


def run_areas_locally(workers: int = 1):
    """An area_runner: build_area with each call's keyword arguments, `workers` at a time in
    threads of this process; results in the order of the calls. After a failure the areas
    already started finish (the pool waits for them) before the first error is raised."""

    def run(calls: list[dict]) -> list[dict]:
        if workers <= 1 or len(calls) <= 1:
            return [build_area(**call) for call in calls]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="svna-area") as pool:
            futures = [pool.submit(build_area, **call) for call in calls]
            return [future.result() for future in futures]

    return run


def refresh(config: Config, run_id: str | None = None, force: bool = False,
            stage_runner=_run_directly, area_runner=None) -> RefreshResult:
    """The whole refresh. `stage_runner(name, function, *args)` runs each stage: directly by
    default, or as a Prefect task when called from the flow (svna.flows). With many areas,
    `area_runner(calls)` runs build_area(**call) for each (default: run_areas_locally with
    run.workers threads) and returns the results in the order of the calls."""
    if config.many_areas:
        return _refresh_areas(config, run_id, force, stage_runner,
                              area_runner or run_areas_locally(config.run.workers))
    run_id = run_id or new_run_id()
    paths = config.paths
    result = RefreshResult(
        run_id, "succeeded", report_path(config), paths.reports / "validation" / "index.html",
        paths.processed / "exports", paths.processed / WAREHOUSE_FILE,
        reports={config.area.name: report_path(config)})

    stage = _timed(result, stage_runner)

    lock = _Lock(paths.processed, config.run.on_lock, config.run.wait_seconds)
    with lock, working_copy(paths.processed, run_id) as work:
        con = connect(work / WAREHOUSE_FILE)
        outputs = {}
        try:
            fingerprint, unchanged = _ingest_and_validate(con, config, run_id, stage, result,
                                                          force)
            if not unchanged:
                stage("assess", stage_assess, con, config)
                outputs = stage("report", stage_report, con, config, work, run_id)
            con.execute(
                "UPDATE meta.runs SET finished_at = now(), status = ?, fingerprint = ? "
                "WHERE run_id = ?", [result.status, fingerprint, run_id])
        finally:
            con.close()
        _check_checkpointed(work)
        publish(paths.processed, run_id,
                _placed(outputs, published_locations(config))
                + [(work / WAREHOUSE_FILE, result.warehouse)])  # the warehouse last
    log.info("refresh %s %s: %s", run_id, result.status, result.report)
    return result


def _ingest_and_validate(con, config: Config, run_id: str, stage, result: RefreshResult,
                         force: bool) -> tuple[str, bool]:
    """The start every refresh shares: the run recorded, new files ingested and validated.
    Returns the inputs' fingerprint and whether nothing changed since the last good run (same
    fingerprint, its reports still there), so there is nothing to rebuild (the result's status
    then says so)."""
    con.execute("INSERT INTO meta.runs VALUES (?, now(), NULL, 'running', NULL, NULL)",
                [run_id])
    result.ingest = stage("ingest", stage_ingest, con, config, run_id)
    result.validation = stage("validate", stage_validate, con, config, run_id)
    fingerprint = inputs_fingerprint(con, config)
    last = first_row(
        con, "SELECT fingerprint FROM meta.runs WHERE status IN ('succeeded', 'unchanged') "
        "ORDER BY started_at DESC LIMIT 1")
    unchanged = bool(not force and last and last[0] == fingerprint
                     and all(path.exists() for path in result.reports.values()))
    if unchanged:
        result.status = "unchanged"
    return fingerprint, unchanged


def _check_checkpointed(work: Path) -> None:
    if (work / (WAREHOUSE_FILE + ".wal")).exists():
        raise RuntimeError(f"{work / WAREHOUSE_FILE} was not checkpointed; not publishing")


def _placed(outputs: dict[str, Path], destinations: dict[str, Path]) -> list[tuple[Path, Path]]:
    """(built, where it is published) for each output; an output with no place is an error."""
    unknown = set(outputs) - set(destinations)
    if unknown:
        raise RuntimeError(f"published_locations() does not say where to publish "
                           f"{sorted(unknown)}")
    return [(built, destinations[name]) for name, built in outputs.items()]


def _timed(result: RefreshResult, stage_runner):
    """A stage runner that also records each stage's wall time in result.timings."""
    def stage(name, function, *args):
        started = time.perf_counter()
        value = stage_runner(name, function, *args)
        result.timings[name] = round(time.perf_counter() - started, 3)
        return value
    return stage


def _refresh_areas(config: Config, run_id: str | None, force: bool, stage_runner,
                   area_runner) -> RefreshResult:
    """refresh() for many areas: ingest, validate and build the shared models once into the
    shared warehouse, build each area reading it, publish the shared and every area's outputs
    together."""
    run_id = run_id or new_run_id()
    paths = config.paths
    areas = config.area_list
    result = RefreshResult(
        run_id, "succeeded", report_path(config), paths.reports / "validation" / "index.html",
        exports_path(config), paths.processed / WAREHOUSE_FILE,
        reports={a.name: report_path(config, a) for a in areas})

    stage = _timed(result, stage_runner)

    lock = _Lock(paths.processed, config.run.on_lock, config.run.wait_seconds)
    with lock, working_copy(paths.processed, run_id) as work:
        con = connect(work / WAREHOUSE_FILE)
        try:
            fingerprint, unchanged = _ingest_and_validate(con, config, run_id, stage, result,
                                                          force)
            if not unchanged:
                stage("shared models", models.run_shared_models, con, config)
                write_validation_report(con, work / "validation", datasets_mod.load_datasets(),
                                        run_id, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
        finally:
            con.close()  # the areas attach the file: closed, so all of it is in the file
        built = []
        if not unchanged:
            calls = [{"area_config": config.for_area(area).model_dump(mode="json"),
                      "shared_warehouse": str(work / WAREHOUSE_FILE),
                      "work_dir": str(work / AREAS_DIR / area.slug),
                      "previous_warehouse": str(area_warehouse_path(config, area)),
                      "run_id": run_id, "fingerprint": fingerprint} for area in areas]
            started = time.perf_counter()
            built = area_runner(calls)
            result.timings["areas"] = round(time.perf_counter() - started, 3)
            for area, area_built in zip(areas, built, strict=True):
                for name, seconds in area_built["timings"].items():
                    result.timings[f"{name} {area.slug}"] = seconds
                result.built_by[area.name] = area_built["built_by"]
        con = connect(work / WAREHOUSE_FILE)
        try:
            con.execute(
                "UPDATE meta.runs SET finished_at = now(), status = ?, fingerprint = ? "
                "WHERE run_id = ?", [result.status, fingerprint, run_id])
        finally:
            con.close()
        _check_checkpointed(work)
        outputs = [] if unchanged else [(work / "validation", result.validation_report.parent)]
        for area, area_built in zip(areas if built else [], built, strict=True):
            outputs += _placed({name: Path(path) for name, path in area_built["outputs"].items()},
                               published_locations(config, area))
            outputs.append((Path(area_built["warehouse"]), area_warehouse_path(config, area)))
        publish(paths.processed, run_id,
                outputs + [(work / WAREHOUSE_FILE, result.warehouse)])  # the warehouse last
    log.info("refresh %s %s: %d areas", run_id, result.status, len(areas))
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
    if len(result.reports) > 1:
        for name, path in result.reports.items():
            lines.append(f"multi-agency assessment of {name}: "
                         f"{path.with_name(MULTIAGENCY_FILE)}")
            lines.append(f"assessment of {name}: {path}")
    else:
        lines.append(f"multi-agency assessment: {result.report.with_name(MULTIAGENCY_FILE)}")
        lines.append(f"assessment: {result.report}")
    return {"run_id": result.run_id, "status": result.status, "report": str(result.report),
            "reports": {name: str(path) for name, path in result.reports.items()},
            "built_by": result.built_by,
            "validation_report": str(result.validation_report), "lines": lines,
            "timings": result.timings}


# --- validation alone, when new files land ---------------------------------------------------

def pending_files(config: Config) -> list[str]:
    """Files under the raw folder that the published warehouse has not seen as they are now
    (same path, size and modification time: ingest's own test). Read-only and cheap, so a
    frequent schedule costs nothing when nothing arrived."""
    if not config.paths.raw.is_dir():
        raise FileNotFoundError(f"raw data folder {config.paths.raw} does not exist")
    on_disk = ingest.discover(config.paths.raw)
    warehouse = config.paths.processed / WAREHOUSE_FILE
    seen: dict[str, set[tuple]] = {}
    if warehouse.exists():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            for path, size, mtime in con.execute(
                    "SELECT split_part(path, '#', 1), size_bytes, mtime_ns FROM meta.files "
                    "QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1"
            ).fetchall():
                seen.setdefault(path, set()).add((size, mtime))
        finally:
            con.close()
    pending = []
    for path in on_disk:
        rel = path.relative_to(config.paths.raw).as_posix()
        stat = path.stat()
        if seen.get(rel) != {(stat.st_size, stat.st_mtime_ns)}:
            pending.append(rel)
    return pending


def validate_new_files(config: Config, run_id: str | None = None,
                       stage_runner=_run_directly) -> RefreshResult:
    """Ingest and validate new files and publish the validation report, without assessing:
    the data owners hear about a broken delivery the day it lands. Status "no new files" when
    nothing is pending (nothing is copied or written), else "validated"."""
    run_id = run_id or new_run_id()
    paths = config.paths
    result = RefreshResult(
        run_id, "no new files", report_path(config), paths.reports / "validation" / "index.html",
        paths.processed / "exports", paths.processed / WAREHOUSE_FILE)
    if not pending_files(config):
        return result
    result.status = "validated"
    lock = _Lock(paths.processed, config.run.on_lock, config.run.wait_seconds)
    with lock, working_copy(paths.processed, run_id) as work:
        con = connect(work / WAREHOUSE_FILE)
        try:
            con.execute("INSERT INTO meta.runs VALUES (?, now(), NULL, 'running', NULL, NULL)",
                        [run_id])
            stage = _timed(result, stage_runner)
            result.ingest = stage("ingest", stage_ingest, con, config, run_id)
            result.validation = stage("validate", stage_validate, con, config, run_id)
            write_validation_report(
                con, work / "validation", datasets_mod.load_datasets(), run_id,
                datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
            con.execute("UPDATE meta.runs SET finished_at = now(), status = 'validated' "
                        "WHERE run_id = ?", [run_id])
        finally:
            con.close()
        publish(paths.processed, run_id,
                [(work / "validation", result.validation_report.parent),
                 (work / WAREHOUSE_FILE, result.warehouse)])  # the warehouse last
    log.info("validation %s: %s", run_id, result.validation_report)
    return result
