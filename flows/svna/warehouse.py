"""The DuckDB warehouse: connections, bookkeeping schema and atomic publication."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from svna.project import SQL_DIR

WAREHOUSE_FILE = "warehouse.duckdb"

log = logging.getLogger(__name__)


def quote_ident(name: str) -> str:
    """Quote a column or table name from a header or config so it is never read as SQL."""
    return '"' + str(name).replace('"', '""') + '"'


# DuckDB's buffer pool may otherwise grow to 80% of the machine's memory; past this it spills
# to disk. 1 GB ran the national benchmark's models (7.6M street rows) at 1.24 GB peak.
MEMORY_LIMIT_VARIABLE = "SVNA_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def connect(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    limit = os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]?i?B", limit, flags=re.IGNORECASE):
        raise ValueError(f"{MEMORY_LIMIT_VARIABLE}={limit!r}: expected a size such as 1GB")
    con = duckdb.connect(str(path))
    con.execute(f"SET memory_limit = '{limit}'")
    # svna reports its own progress per stage; DuckDB's bar would fill the run logs
    con.execute("SET enable_progress_bar = false")
    init_schema(con)
    return con


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "meta" / "schema.sql").read_text(encoding="utf-8"))


@contextmanager
def working_copy(processed_dir: Path, run_id: str) -> Iterator[Path]:
    """A private copy of the warehouse for one run; published only if the run succeeds.

    A failed or killed run leaves the published warehouse untouched: its copy is removed
    (or, if killed, left in a .run-* folder that the next run clears). A publication that a
    killed run had committed is finished first, so the copy starts from its outputs.
    """
    processed_dir.mkdir(parents=True, exist_ok=True)
    recover_publication(processed_dir)
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


# Publication is a two-phase commit through a journal in the processed folder:
#   1. the journal is written listing every (staged, destination) pair, state "staging";
#   2. each built output is moved (or, from another file system, copied) to its staged name
#      beside its destination (".<name>.new-<run>") and flushed to disk;
#   3. the journal is rewritten with state "committed": the commit point;
#   4. each staged output is renamed over its destination (a folder: the old one is first
#      renamed to ".<name>.old-<run>", then removed), and the journal is deleted.
# A process killed before 3 is rolled back by the next run (staged copies deleted, published
# outputs never touched); killed after 3 it is rolled forward (step 4 again: every step
# is a rename that can be repeated). Each rename is atomic; the set of them is not, so a
# reader can see a mix only while step 4 runs or after a kill in it, until the next run.
JOURNAL_FILE = ".publication.json"


def publish(processed_dir: Path, run_id: str, outputs: list[tuple[Path, Path]]) -> None:
    """Publish built outputs, (source, destination) pairs, all or none (see above)."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    journal = processed_dir / JOURNAL_FILE
    plan = [{"staged": str(_beside(dest, "new", run_id)), "dest": str(dest),
             "old": str(_beside(dest, "old", run_id))} for _, dest in outputs]
    _write_journal(journal, {"run_id": run_id, "state": "staging", "items": plan})
    try:
        for (src, dest), item in zip(outputs, plan, strict=True):
            dest.parent.mkdir(parents=True, exist_ok=True)
            _move(src, Path(item["staged"]))
            _flush(Path(item["staged"]))
    except BaseException:  # a full disk, say: undo now rather than at the next run
        recover_publication(processed_dir)
        raise
    _write_journal(journal, {"run_id": run_id, "state": "committed", "items": plan})
    _apply(plan)
    _remove(journal)
    _flush_dir(processed_dir)


def recover_publication(processed_dir: Path) -> str | None:
    """Finish (committed) or undo (staging) the publication of a killed run; the state
    found, or None when there was none. Call with the refresh lock held."""
    journal = processed_dir / JOURNAL_FILE
    _remove(journal.with_name(journal.name + ".tmp"))
    if not journal.exists():
        return None
    entry = json.loads(journal.read_text(encoding="utf-8"))
    if entry["state"] == "committed":
        _apply(entry["items"])
    else:
        for item in entry["items"]:
            _remove(Path(item["staged"]))
    _remove(journal)
    _flush_dir(processed_dir)
    log.warning("unfinished publication of run %s %s", entry["run_id"],
                "finished" if entry["state"] == "committed" else "rolled back")
    return entry["state"]


def _beside(dest: Path, kind: str, run_id: str) -> Path:
    return dest.with_name(f".{dest.name}.{kind}-{run_id}")


def _apply(plan: list[dict]) -> None:
    """Step 4, repeatable: whatever a killed attempt did, running it again ends the same."""
    for item in plan:
        _swap_in(Path(item["staged"]), Path(item["dest"]), Path(item["old"]))


def _swap_in(staged: Path, dest: Path, old: Path) -> None:
    if os.path.lexists(staged):
        if os.path.lexists(dest) and (staged.is_dir() or dest.is_dir()):
            _remove(old)
            os.replace(dest, old)  # a folder cannot be renamed over another
        os.replace(staged, dest)  # a file is replaced atomically
    _remove(old)


def _move(src: Path, dest: Path) -> None:
    try:
        os.replace(src, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        if src.is_dir():  # another file system: copy (the run folder is removed anyway)
            shutil.copytree(src, dest)
        else:
            shutil.copy2(src, dest)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _write_journal(journal: Path, entry: dict) -> None:
    tmp = journal.with_name(journal.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(entry, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, journal)
    _flush_dir(journal.parent)


def _flush(path: Path) -> None:
    """Staged bytes on disk before the commit point, so a power cut cannot commit holes."""
    for file in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
        with file.open("r+b") as fh:  # Windows flushes only a handle open for writing
            os.fsync(fh.fileno())
    _flush_dir(path.parent)


def _flush_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are flushed by the OS
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
