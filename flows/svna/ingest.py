"""Ingest: every CSV under the raw folder into the raw layer of the warehouse, recognised by
its header, each row kept with its file and line, with a manifest of every file."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from svna.datasets import Dataset, normalise_header, recognise
from svna.pseudonymise import key_from_environment, pseudonymiser
from svna.warehouse import first_row, quote_ident

log = logging.getLogger(__name__)

CHUNK = 1 << 22
MAX_FIELD_BYTES = 64 << 20
DATA_SUFFIXES = {".csv"}
csv.field_size_limit(MAX_FIELD_BYTES)


@dataclass
class ByteScan:
    """What one pass over a file's bytes tells: identity, line count, and whether it is UTF-8."""

    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool
    encoding_error: str | None = None


def scan_bytes(path: Path) -> ByteScan:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = size = 0
    last = b""
    error = None
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            if error is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    error = _describe_encoding_error(path, size + exc.start)
            newlines += chunk.count(b"\n")
            size += len(chunk)
            last = chunk[-1:]
    if error is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            error = _describe_encoding_error(path, size - 1)
    return ByteScan(digest.hexdigest(), size, newlines, last == b"\n", error)


def _describe_encoding_error(path: Path, offset: int) -> str:
    """Name the line, column and byte of the first byte that is not UTF-8."""
    data = path.read_bytes()
    line_no = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    line_end = data.find(b"\n", offset)
    line = data[line_start : line_end if line_end >= 0 else len(data)]
    header = next(csv.reader([data[: data.find(b"\n")].decode("utf-8", "replace")]), [])
    field_index = line[: offset - line_start].decode("latin-1").count(",")
    column = header[field_index] if field_index < len(header) else f"field {field_index + 1}"
    return (
        f"not UTF-8 text: line {line_no}, column '{column.lstrip(chr(0xFEFF))}', "
        f"byte 0x{data[offset]:02X} (re-save the file as UTF-8 CSV)"
    )


def read_header(path: Path) -> list[str] | None:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        return next(csv.reader(fh), None)


@dataclass
class IngestSummary:
    seen: int = 0
    unchanged: int = 0
    loaded: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0


def discover(raw_dir: Path) -> list[Path]:
    """Data files under the raw folder, oldest first so a later delivery wins."""
    files = [
        Path(folder) / name
        for folder, _, names in os.walk(raw_dir, followlinks=True)
        for name in names
        if Path(name).suffix.lower() in DATA_SUFFIXES and not name.startswith(".")
    ]
    return sorted(files, key=lambda p: (_mtime_ns(p), str(p)))


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0  # a broken link: ingest reports it


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, datasets: tuple[Dataset, ...]) -> None:
    for ds in datasets:
        cols = ", ".join(f"{quote_ident(c)} VARCHAR" for c in ds.columns)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {ds.raw_table} "
            f"(_file_id INTEGER NOT NULL, _line BIGINT NOT NULL, {cols})"
        )


def ingest(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    datasets: tuple[Dataset, ...],
    run_id: str,
) -> IngestSummary:
    """Load new and changed files; unchanged ones (same path, size and mtime) are not re-read."""
    ensure_raw_tables(con, datasets)
    summary = IngestSummary()
    known = {
        path: (file_id, size, mtime, sha)
        for file_id, path, size, mtime, sha in con.execute(
            "SELECT file_id, path, size_bytes, mtime_ns, sha256 FROM meta.files "
            "QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1"
        ).fetchall()
    }
    present = set()
    for path in discover(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        present.add(rel)
        summary.seen += 1
        try:
            stat = path.stat()
            prev = known.get(rel)
            if prev and prev[1] == stat.st_size and prev[2] == stat.st_mtime_ns:
                summary.unchanged += 1
                continue
            scan = scan_bytes(path)
        except OSError as exc:  # permissions, I/O: report it, keep going, retry next run
            summary.not_loaded.append(rel)
            _record_file(con, {"path": rel, "run_id": run_id, "status": "not_loaded",
                               "message": f"cannot be read: {exc.strerror or exc}"})
            continue
        if prev and prev[3] == scan.sha256:
            con.execute("UPDATE meta.files SET mtime_ns = ? WHERE file_id = ?",
                        [stat.st_mtime_ns, prev[0]])
            summary.unchanged += 1
            continue
        _ingest_file(con, raw_dir, path, rel, stat.st_mtime_ns, scan, datasets, run_id, summary)
    summary.removed = _deactivate_removed(con, present)
    return summary


def _ingest_file(con, raw_dir, path, rel, mtime_ns, scan, datasets, run_id, summary) -> None:
    file_id = first_row(con, "SELECT coalesce(max(file_id), 0) + 1 FROM meta.files")[0]
    entry = {
        "file_id": file_id, "path": rel, "size_bytes": scan.size, "mtime_ns": mtime_ns,
        "sha256": scan.sha256, "run_id": run_id, "dataset": None, "delivery_key": None,
        "header": None, "status": "not_loaded", "rows_read": 0, "rows_loaded": 0,
        "rows_rejected": 0, "message": None,
    }
    same = first_row(
        con, "SELECT path FROM meta.files WHERE sha256 = ? AND status = 'loaded' ORDER BY file_id",
        [scan.sha256])
    header = read_header(path) if scan.size else None
    recognition = recognise(header, datasets) if header else None
    if recognition and recognition.dataset:
        ds = recognition.dataset
        entry.update(dataset=ds.name, delivery_key=ds.delivery_key(rel))
    entry["header"] = json.dumps(header) if header is not None else None

    if same:
        entry.update(status="duplicate", message=f"same content as {same[0]}; not loaded again")
        summary.duplicates.append(rel)
    elif scan.size == 0 or not header:
        entry["message"] = "empty file: no header row"
        summary.not_loaded.append(rel)
    elif scan.encoding_error:
        entry["message"] = scan.encoding_error
        summary.not_loaded.append(rel)
    elif recognition is None or recognition.dataset is None:
        closest = f"; closest: {recognition.closest}" if recognition and recognition.closest \
            else ""
        entry.update(status="unrecognised",
                     message="line 1 (header) matches no declared dataset: "
                             + ", ".join(header[:8]) + ("…" if len(header) > 8 else "")
                             + closest)
        summary.unrecognised.append(rel)
    elif recognition.missing or recognition.unexpected:
        parts = []
        if recognition.missing:
            parts.append("missing column(s) " + ", ".join(recognition.missing))
        if recognition.unexpected:
            parts.append("unexpected column(s) " + ", ".join(recognition.unexpected))
        entry["message"] = f"line 1 (header): {'; '.join(parts)}"
        summary.not_loaded.append(rel)
    else:
        loaded, rejects = _load_rows(con, path, file_id, header, recognition.dataset, scan)
        entry.update(status="loaded", rows_loaded=loaded, rows_rejected=len(rejects),
                     rows_read=loaded + len(rejects))
        if rejects:
            con.executemany("INSERT INTO meta.rejects VALUES (?, ?, ?, ?, ?)",
                            [[file_id, *r] for r in rejects])
            entry["message"] = f"{len(rejects)} row(s) rejected, first at line {rejects[0][0]}"
        summary.loaded.append(rel)
        summary.rows_loaded += loaded
        summary.rows_rejected += len(rejects)
    _record_file(con, entry)
    log.debug("%s: %s (%s)", rel, entry["status"],
             entry["message"] or f"{entry['rows_loaded']} rows")


def _record_file(con, entry: dict) -> None:
    entry = {"file_id": first_row(con, "SELECT coalesce(max(file_id), 0) + 1 FROM meta.files")[0]
             } | entry
    cols = list(entry)
    con.execute(
        f"INSERT INTO meta.files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [entry[c] for c in cols],
    )


def _select_list(ds: Dataset, header: list[str], con) -> str:
    """Delivered columns in canonical order; identifiers replaced by their pseudonyms."""
    by_normal = {normalise_header(h): f"c{i}" for i, h in enumerate(header)}
    if ds.identifiers:
        _register_pseudonymiser(con)
    parts = []
    for col in ds.columns:
        source = quote_ident(by_normal[normalise_header(col)])
        parts.append(f"svna_pseudonym({source})" if col in ds.identifiers else source)
    return ", ".join(parts)


def _register_pseudonymiser(con) -> None:
    try:
        con.create_function("svna_pseudonym", pseudonymiser(key_from_environment()),
                            ["VARCHAR"], "VARCHAR", null_handling="special")
    except duckdb.CatalogException:
        pass  # already registered on this connection


def _load_rows(con, path: Path, file_id: int, header: list[str], ds: Dataset, scan: ByteScan):
    """Fast path: DuckDB's reader with declared columns; if it rejects anything or the line
    count does not add up (quoted newlines, blank lines), re-read with Python's csv module so
    every row keeps its exact line number and every rejected line is kept with its reason."""
    positional = {f"c{i}": "VARCHAR" for i in range(len(header))}
    select = _select_list(ds, header, con)
    target = f"{ds.raw_table} (_file_id, _line, {', '.join(quote_ident(c) for c in ds.columns)})"
    before = first_row(con, f"SELECT count(*) FROM {ds.raw_table}")[0]
    con.execute(
        f"INSERT INTO {target} SELECT ?, row_number() OVER () + 1, {select} "
        "FROM read_csv(?, columns = ?, header = true, delim = ',', quote = '\"', "
        "escape = '\"', auto_detect = false, strict_mode = true, encoding = 'utf-8', "
        "store_rejects = true, rejects_table = 'svna_rejects', rejects_scan = 'svna_scans')",
        [file_id, str(path), positional],
    )
    loaded = first_row(con, f"SELECT count(*) FROM {ds.raw_table}")[0] - before
    rejected = first_row(con, "SELECT count(*) FROM svna_rejects")[0]
    con.execute("DROP TABLE IF EXISTS svna_rejects; DROP TABLE IF EXISTS svna_scans")
    data_lines = scan.newlines - 1 + (0 if scan.ends_with_newline else 1)
    if rejected == 0 and loaded == data_lines:
        return loaded, []
    con.execute(f"DELETE FROM {ds.raw_table} WHERE _file_id = ?", [file_id])
    return _load_rows_exactly(con, path, file_id, header, ds, select)


def _load_rows_exactly(con, path, file_id, header, ds, select):
    rows, lines, rejects = [], [], []
    width = len(header)
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        line = reader.line_num
        while True:
            start = line + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rejects.append((start, None, f"unreadable CSV: {exc}", None))
                line = reader.line_num
                continue
            line = reader.line_num
            if not record:
                continue  # a blank line holds no data
            if len(record) != width:
                column = header[len(record)] if len(record) < width else None
                rejects.append((start, column, f"expected {width} fields, found {len(record)}",
                                _as_csv_line(record)))
                continue
            rows.append([v if v != "" else None for v in record])
            lines.append(start)
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype=object)
    frame.insert(0, "_line", pd.array(lines, dtype="int64"))
    con.register("svna_exact_rows", frame)
    try:
        con.execute(
            f"INSERT INTO {ds.raw_table} (_file_id, _line, "
            f"{', '.join(quote_ident(c) for c in ds.columns)}) "
            f"SELECT ?, _line, {select} FROM svna_exact_rows",
            [file_id],
        )
    finally:
        con.unregister("svna_exact_rows")
    return len(rows), rejects


def _as_csv_line(record: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(record)
    return out.getvalue()[:2000]


def _deactivate_removed(con, present: set[str]) -> list[str]:
    active = [p for (p,) in con.execute(
        "SELECT DISTINCT path FROM meta.files WHERE active").fetchall()]
    removed = sorted(p for p in active if p not in present)
    if removed:
        con.execute(
            "UPDATE meta.files SET active = false, "
            "message = coalesce(message || '; ', '') || 'removed from the raw folder' "
            "WHERE list_contains(?, path)", [removed])
    return removed


def activate(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> int:
    """Choose, for each delivery (dataset and key), the latest version that passed validation
    of a file still on disk; only active files feed staging. A broken re-delivery thus leaves
    the last good version in use. Returns the number of active files."""
    on_disk = {p.relative_to(raw_dir).as_posix() for p in discover(raw_dir)}
    files = con.execute(
        "SELECT file_id, path, sha256, dataset, delivery_key, status, validation "
        "FROM meta.files ORDER BY file_id"
    ).fetchall()
    loaded_by_hash = {sha: fid for fid, _, sha, _, _, status, _ in files if status == "loaded"}
    validation = {fid: v for fid, *_, v in files}
    chosen: dict[tuple[str, str], tuple[int, int]] = {}
    for fid, path, sha, ds, key, status, _ in files:
        if path not in on_disk or ds is None or status not in ("loaded", "duplicate"):
            continue
        content = loaded_by_hash.get(sha)
        if content is None or validation.get(content) == "failed":
            continue
        if (ds, key) not in chosen or fid > chosen[(ds, key)][0]:
            chosen[(ds, key)] = (fid, content)
    # A chosen duplicate is active as a delivery (its month is covered) while its rows are
    # those of the file first loaded with the same content: they count once.
    active = sorted({fid for pair in chosen.values() for fid in pair})
    con.execute("UPDATE meta.files SET active = list_contains(?, file_id)", [active])
    return len(active)
