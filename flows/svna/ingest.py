"""Ingest: every data file under the raw folder into the raw layer of the warehouse,
recognised by its header (against the dataset declarations and the source mappings), each
row kept with its file and line, identifiers pseudonymised, with a manifest of every file."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from svna.bulk import insert_rows
from svna.datasets import Dataset, normalise_header
from svna.mappings import Mapping
from svna.pseudonymise import hmac_pads, key_from_environment, pseudonym_sql, pseudonymiser
from svna.warehouse import quote_ident, register_function

log = logging.getLogger(__name__)

CHUNK = 1 << 22
MAX_FIELD_BYTES = 64 << 20
DATA_SUFFIXES = {".csv", ".xlsx", ".parquet"}
# A header sharing at least this share of a candidate's columns is taken to be a (faulty)
# delivery of it, so that its validation names the missing or unexpected columns.
RECOGNITION_THRESHOLD = 0.6
# A workbook's header may sit below a title: so many rows are searched for it.
MAX_TITLE_ROWS = 10
csv.field_size_limit(MAX_FIELD_BYTES)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and encrypted workbooks
# What a ".csv" that is not text usually is, by its first bytes.
NOT_TEXT = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
    (OLE2, "an old-format Office file (e.g. an .xls workbook)"),
    (b"PAR1", "a Parquet file"),
)
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


@dataclass
class ByteScan:
    """What one pass over a file's bytes tells: identity, line count, and whether it is UTF-8."""

    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool
    encoding_error: str | None = None
    not_text: str | None = None  # why a .csv is not text at all (an image, a workbook...)


def scan_bytes(path: Path) -> ByteScan:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = size = 0
    last = b""
    error = not_text = None
    text = path.suffix.lower() == ".csv"  # workbooks and Parquet are binary by design
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if text and size == 0:
                not_text = _not_text(chunk)
            digest.update(chunk)
            if text and error is None and not_text is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    error = _describe_encoding_error(path, size + exc.start)
            newlines += chunk.count(b"\n")
            size += len(chunk)
            last = chunk[-1:]
    if text and error is None and not_text is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            error = _describe_encoding_error(path, size - 1)
    return ByteScan(digest.hexdigest(), size, newlines, last == b"\n", error, not_text)


def _not_text(head: bytes) -> str | None:
    """Why a file named .csv is not a CSV at all, from its first bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ("UTF-16 text, not UTF-8 (Excel's 'Unicode Text'): re-save the file as "
                "'CSV UTF-8 (comma delimited)'")
    what = next((name for magic, name in NOT_TEXT if head.startswith(magic)), None)
    # a NUL in what should be the header; one further on is a fault in a row, not the file
    end = head.find(b"\n", 0, 1024)
    nul = head.find(b"\x00", 0, end if end >= 0 else 1024)
    if what is None and nul >= 0:
        what = f"binary data (a NUL byte at byte {nul})"
    if what is None:
        return None
    return (f"not a text file: its bytes are those of {what}, not of CSV text (renamed "
            f".csv?); export the data as 'CSV UTF-8 (comma delimited)'")


def _fields(text: str) -> list[str]:
    """One line split as CSV; a stray carriage return or NUL does not stop it."""
    try:
        return next(csv.reader([text.replace("\r", " ").replace("\x00", " ")]), [])
    except csv.Error:
        return text.split(",")


def _describe_encoding_error(path: Path, offset: int) -> str:
    """Name the line, column and byte of the first byte that is not UTF-8."""
    data = path.read_bytes()
    line_no = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    line_end = data.find(b"\n", offset)
    line = data[line_start : line_end if line_end >= 0 else len(data)]
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r")
    header = _fields(first_line.decode("utf-8", "replace"))
    # fields before the bad byte, as CSV counts them (a quoted comma does not separate)
    field_index = len(_fields(line[: offset - line_start].decode("latin-1")) or [""]) - 1
    column = header[field_index] if field_index < len(header) else f"field {field_index + 1}"
    return (
        f"not UTF-8 text: line {line_no}, column '{column.lstrip(chr(0xFEFF))}', "
        f"byte 0x{data[offset]:02X} (re-save the file as UTF-8 CSV)"
    )


# --- reading the delivered tables ----------------------------------------------------------

@dataclass
class Table:
    """One delivered table: a CSV or Parquet file, or one sheet of a workbook."""

    rel: str  # the manifest path: a sheet is "book.xlsx#Sheet"
    path: Path
    kind: str  # csv, xlsx, parquet
    header: list[str] | None
    sheet: str | None = None
    cells: list[tuple] | None = None  # a sheet's rows below the header, read with the header
    header_row: int = 1  # a sheet's header may sit below a title


def _cell(value) -> str | None:
    """A spreadsheet or Parquet value as the text a CSV export would carry."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if (value.hour, value.minute, value.second)
                              != (0, 0, 0) else "%Y-%m-%d")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_tables(path: Path, rel: str) -> list[Table]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        # one pass over the workbook: opening it again per sheet re-reads its shared strings
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            tables = []
            for sheet in book.worksheets:
                rows = sheet.iter_rows(values_only=True)
                first = next(rows, None)
                header = [_cell(v) or "" for v in first] if first else None
                while header and header[-1] == "":
                    header.pop()
                tables.append(Table(f"{rel}#{sheet.title}", path, "xlsx", header or None,
                                    sheet.title, list(rows)))
            return tables
        finally:
            book.close()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return [Table(rel, path, "parquet", pq.read_schema(path).names)]
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        return [Table(rel, path, "csv", next(csv.reader(fh), None))]


def read_records(table: Table, ends_with_newline: bool = True
                 ) -> tuple[list[list], list[int], list[tuple]]:
    """Rows (as text), their line numbers (the header is line 1; a sheet's row number; a
    Parquet row number + 1), and the rows that could not be read, with line and reason."""
    width = len(table.header)
    if table.kind == "xlsx":
        rows, lines = [], []
        for number, values in enumerate(table.cells, start=table.header_row + 1):
            cells = [_cell(v) for v in values[:width]]
            cells += [None] * (width - len(cells))
            if any(c is not None for c in cells):
                rows.append(cells)
                lines.append(number)
        return rows, lines, []
    if table.kind == "parquet":
        import pyarrow.parquet as pq

        columns = pq.read_table(table.path).to_pydict()
        count = len(next(iter(columns.values()), []))
        rows = [[_cell(columns[c][i]) for c in table.header] for i in range(count)]
        return rows, list(range(2, count + 2)), []
    return _read_csv_exactly(table.path, table.header, ends_with_newline)


def _read_csv_exactly(path: Path, header: list[str], ends_with_newline: bool = True):
    rows, lines, rejects = [], [], []
    width = len(header)

    def wrong_width(fields: list[str]) -> tuple[str | None, str]:
        column = header[len(fields)] if len(fields) < width else None
        return column, f"expected {width} fields, found {len(fields)}"

    consumed: list[str] = []  # the physical lines of the record being read

    def physical(fh):
        for text in fh:
            consumed.append(text)
            yield text

    start = None
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(physical(fh))
        next(reader)
        line = reader.line_num
        while True:
            consumed.clear()
            last_start, start = start, line + 1
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
            if len(record) == width:
                rows.append([v if v != "" else None for v in record])
                lines.append(start)
                continue
            if len(consumed) == 1:
                rejects.append((start, *wrong_width(record), _as_csv_line(record)))
                continue
            # A quote left open swallows the lines after it into one broken record: each
            # line is read again on its own, so that only the faulty one is lost.
            for offset, text in enumerate(consumed):
                fields = _fields(text.rstrip("\r\n"))
                if fields in ([], [""]):
                    continue
                if len(fields) == width:
                    rows.append([v if v != "" else None for v in fields])
                    lines.append(start + offset)
                    continue
                column, error = wrong_width(fields)
                if offset == 0:
                    error += (f"; a quote opened in this row is never closed (lines {start} "
                              f"to {line} read as one row), so each line was read on its own")
                rejects.append((start + offset, column, error, _as_csv_line(fields)))
    if rejects and rejects[-1][0] == last_start and not ends_with_newline:
        line_no, column, error, text = rejects[-1]
        rejects[-1] = (line_no, column, error + "; the file ends part-way through this row "
                       "(cut off in transfer? deliver it again)", text)
    return rows, lines, rejects


def _as_csv_line(record: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(record)
    return out.getvalue()[:2000]


# --- recognising them ----------------------------------------------------------------------

@dataclass(frozen=True)
class Recognition:
    dataset: Dataset | None
    mapping: Mapping | None = None
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()  # a canonical file's extra columns: it fails
    ignored: tuple[str, ...] = ()  # a mapped export's columns that are not read
    closest: str = ""  # when nothing matched: the nearest candidate, for the message


def recognise(header: list[str], datasets: tuple[Dataset, ...],
              mappings: tuple[Mapping, ...] = (), sheet: str | None = None) -> Recognition:
    """Pick the declaration (canonical columns) or mapping (a source's own columns) that best
    matches a table's header: by names, not file names."""
    got = [normalise_header(h) for h in header]
    candidates = [(d, None, list(d.columns)) for d in datasets]
    candidates += [(m.dataset, m, m.source_columns + list(m.drop)) for m in mappings
                   if m.sheet is None or sheet is None or m.sheet == sheet]
    best, best_score = None, 0.0
    for ds, mapping, columns in candidates:
        want = {normalise_header(c) for c in columns}
        score = len(set(got) & want) / len(set(got) | want)
        if score > best_score:
            best, best_score = (ds, mapping, columns), score
    if best is None:
        return Recognition(None)
    ds, mapping, columns = best
    want = [normalise_header(c) for c in columns]
    complete = mapping and {normalise_header(c) for c in mapping.source_columns} <= set(got)
    if best_score < RECOGNITION_THRESHOLD and not complete:
        shared = len(set(got) & set(want))
        label = f"mapping {mapping.name}" if mapping else ds.name
        return Recognition(None, closest=f"{label} ({shared} of {len(want)} columns in common)")
    needed = mapping.source_columns if mapping else list(ds.columns)
    missing = tuple(c for c in needed if normalise_header(c) not in got)
    extra = tuple(h for h, n in zip(header, got, strict=True) if n not in want)
    if mapping:
        return Recognition(ds, mapping, missing, ignored=extra)
    return Recognition(ds, None, missing, unexpected=extra)


# --- loading them ---------------------------------------------------------------------------

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
        if Path(name).suffix.lower() in DATA_SUFFIXES and not name.startswith((".", "~$"))
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
    mappings: tuple[Mapping, ...] = (),
) -> IngestSummary:
    """Load new and changed files; unchanged ones (same path, size and mtime, and the same
    version of the mapping they were read with) are not read again."""
    ensure_raw_tables(con, datasets)
    # one transaction: a commit per statement cost milliseconds a file (thousands of files a
    # year nationally); a failure leaves nothing half-recorded
    con.begin()
    try:
        summary = _ingest_files(con, raw_dir, datasets, run_id, mappings)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return summary


def _ingest_files(con, raw_dir: Path, datasets: tuple[Dataset, ...], run_id: str,
                  mappings: tuple[Mapping, ...]) -> IngestSummary:
    summary = IngestSummary()
    ledger = _Ledger(con)
    mapping_sha = {m.name: m.sha256 for m in mappings}
    known: dict[str, list[tuple]] = {}
    for row in con.execute(
        "SELECT split_part(path, '#', 1), file_id, size_bytes, mtime_ns, sha256, mapping, "
        "content_key FROM meta.files "
        "QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1"
    ).fetchall():
        known.setdefault(row[0], []).append(row[1:])
    present = set()
    files = discover(raw_dir)
    ledger.files_to_read = len(files)
    for path in files:
        rel = path.relative_to(raw_dir).as_posix()
        present.add(rel)
        summary.seen += 1
        prev = known.get(rel, [])
        mappings_same = all(m is None or (c or "").endswith("@" + mapping_sha.get(m, "?"))
                            for *_, m, c in prev)
        try:
            stat = path.stat()
            if prev and mappings_same and all(
                    p[1] == stat.st_size and p[2] == stat.st_mtime_ns for p in prev):
                summary.unchanged += 1
                ledger.files_to_read -= 1
                continue
            scan = scan_bytes(path)
        except OSError as exc:  # permissions, I/O: report it, keep going, retry next run
            summary.not_loaded.append(rel)
            ledger.log_file(rel, ledger.record({
                "path": rel, "run_id": run_id, "status": "not_loaded",
                "message": f"cannot be read: {exc.strerror or exc}"}))
            continue
        if prev and mappings_same and all(p[3] == scan.sha256 for p in prev):
            con.execute("UPDATE meta.files SET mtime_ns = ? WHERE list_contains(?, file_id)",
                        [stat.st_mtime_ns, [p[0] for p in prev]])
            summary.unchanged += 1
            ledger.files_to_read -= 1
            continue
        base = {"size_bytes": scan.size, "mtime_ns": stat.st_mtime_ns, "sha256": scan.sha256,
                "run_id": run_id}
        if scan.not_text:  # an image or a workbook renamed .csv: nothing in it to read
            summary.not_loaded.append(rel)
            ledger.log_file(rel, ledger.record(base | {"path": rel, "status": "not_loaded",
                                                       "message": scan.not_text}))
            continue
        try:
            tables = read_tables(path, rel) if scan.size else [Table(rel, path, "csv", None)]
        except Exception as exc:  # a corrupt or protected workbook, a broken Parquet file
            summary.not_loaded.append(rel)
            ledger.log_file(rel, ledger.record(base | {
                "path": rel, "status": "not_loaded", "message": _why_unreadable(path, exc)}))
            continue
        ledger.files_to_read += len(tables) - 1  # a workbook's sheets are read one by one
        for table in tables:
            _ingest_table(con, ledger, table, scan, base, datasets, mappings, summary)
    ledger.write()
    summary.removed = _deactivate_removed(con, present)
    return summary


def _why_unreadable(path: Path, exc: Exception) -> str:
    """What a data owner can do about a workbook or Parquet file that does not open."""
    with path.open("rb") as fh:
        head = fh.read(8)
    why = f"{type(exc).__name__}: {exc}"
    if path.suffix.lower() == ".xlsx":
        if head == OLE2:
            if "EncryptionInfo".encode("utf-16-le") in path.read_bytes():
                why = ("the workbook is password-protected (encrypted); save a copy without "
                       "the password and deliver that")
            else:
                why = "an old-format Excel file (.xls) named .xlsx; save it as .xlsx"
        elif head.startswith(b"PK\x03\x04"):
            why = f"the workbook is damaged or incomplete ({why}); export it again"
        else:
            why = f"this is not an Excel workbook ({why})"
    return f"cannot be read as {path.suffix}: {why}"


def _header_below_title(table: Table, datasets, mappings) -> tuple[Table, Recognition | None]:
    """A sheet whose first rows are a title: the first of the rows below that is a header
    svna knows, and the table read from there."""
    for index, values in enumerate(table.cells[:MAX_TITLE_ROWS]):
        header = [_cell(v) or "" for v in values]
        while header and header[-1] == "":
            header.pop()
        if len(header) < 2:
            continue
        found = recognise(header, datasets, mappings, table.sheet)
        if found.dataset:
            return replace(table, header=header, cells=table.cells[index + 1:],
                           header_row=index + 2), found
    return table, None


def _header_with_other_delimiter(table: Table, datasets, mappings):
    """(delimiter, header, recognition) when line 1 is a known header separated by something
    other than commas (Excel in many locales saves CSV with semicolons)."""
    with table.path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline().rstrip("\r\n")
    for delimiter in OTHER_DELIMITERS:
        header = next(csv.reader([first], delimiter=delimiter), [])
        if len(header) > 1:
            found = recognise(header, datasets, mappings)
            if found.dataset:
                return delimiter, header, found
    return None


def _ingest_table(con, ledger: _Ledger, table: Table, scan: ByteScan, base: dict, datasets,
                  mappings, summary: IngestSummary) -> None:
    file_id = ledger.new_file_id()  # needed before the row is recorded: rows carry it
    entry = base | {
        "file_id": file_id, "path": table.rel, "dataset": None, "delivery_key": None,
        "header": None, "status": "not_loaded", "rows_read": 0, "rows_loaded": 0,
        "rows_rejected": 0, "message": None, "mapping": None,
    }
    header = table.header
    found = recognise(header, datasets, mappings, table.sheet) if header else None
    if table.kind == "xlsx" and table.cells and not (found and found.dataset):
        table, below_title = _header_below_title(table, datasets, mappings)
        if below_title:
            header, found = table.header, below_title
    delimiter = None
    if table.kind == "csv" and header and not (found and found.dataset) and scan.size \
            and not scan.encoding_error:
        other = _header_with_other_delimiter(table, datasets, mappings)
        if other:
            delimiter, header, found = other
    mapping = found.mapping if found else None
    content_key = scan.sha256 + (f"#{table.sheet}" if table.sheet else "") + (
        f"@{mapping.sha256}" if mapping else "")
    entry["content_key"] = content_key
    if found and found.dataset:
        ds = found.dataset
        entry.update(dataset=ds.name, delivery_key=ds.delivery_key(table.rel),
                     mapping=mapping.name if mapping else None)
        # validation judges the canonical table the mapping makes, not the export's names
        header_seen = list(ds.columns) if mapping and not found.missing else header
    else:
        header_seen = None  # not a header we know: it may be a row of data, so not kept
    entry["header"] = json.dumps(header_seen) if header_seen is not None else None
    same = ledger.loaded.get(content_key)
    if same:
        entry.update(status="duplicate", message=f"same content as {same}; not loaded again")
        summary.duplicates.append(table.rel)
    elif scan.size == 0 or not header:
        entry["message"] = "empty file: no header row"
        summary.not_loaded.append(table.rel)
    elif table.kind == "csv" and scan.encoding_error:
        entry["message"] = scan.encoding_error
        summary.not_loaded.append(table.rel)
    elif delimiter:
        entry["message"] = (
            f"line 1 (header): the columns are separated by {OTHER_DELIMITERS[delimiter]}, "
            f"not commas; re-save the file as 'CSV UTF-8 (comma delimited)'")
        summary.not_loaded.append(table.rel)
    elif found is None or found.dataset is None:
        closest = f"; closest: {found.closest}" if found and found.closest else ""
        # the values are not repeated: a file without a header row would show its first data
        entry.update(status="unrecognised",
                     message=f"line 1 (header, {len(header)} columns) matches no declared "
                             f"dataset or mapping{closest}")
        summary.unrecognised.append(table.rel)
    elif found.missing or found.unexpected:
        parts = []
        if found.missing:
            parts.append("missing column(s) " + ", ".join(found.missing))
        if found.unexpected:
            parts.append("unexpected column(s) " + ", ".join(found.unexpected))
        if not mapping:  # a column standing where a missing one belongs was likely renamed
            declared = found.dataset.columns
            renamed = [f"'{h}' stands where '{declared[i]}' belongs" for i, h in
                       enumerate(header) if h in found.unexpected and i < len(declared)
                       and declared[i] in found.missing]
            if renamed:
                parts.append("renamed? " + ", ".join(renamed))
        via = f" (mapping {mapping.name})" if mapping else ""
        entry["message"] = f"line 1 (header): {'; '.join(parts)}{via}"
        summary.not_loaded.append(table.rel)
    else:
        entry["status"] = "loaded"
        ledger.record(entry)
        if table.kind == "csv" and found.mapping is None:  # read later, with its likes
            ledger.batch.add(con, _Pending(table, scan, entry, found, summary))
            return
        loaded, rejects, notes = _load_rows(con, table, file_id, found, scan)
        _finish_loaded(con, table, entry, found, summary, loaded, rejects, notes)
        ledger.log_file(table.rel, entry)
        return
    ledger.record(entry)
    ledger.log_file(table.rel, entry)


def _finish_loaded(con, table: Table, entry: dict, found: Recognition, summary: IngestSummary,
                   loaded: int, rejects: list[tuple], notes: list[str]) -> None:
    """The manifest entry and the summary of a file whose rows are in: counts, rejected
    lines (kept in meta.rejects) and notes for its data owner."""
    file_id = entry["file_id"]
    entry.update(rows_loaded=loaded, rows_rejected=len(rejects),
                 rows_read=loaded + len(rejects))
    if rejects:
        if found.dataset.identifiers:  # the line as delivered would hold them unreplaced
            rejects = [(line, column, f"{error} (text withheld: it holds identifiers)",
                        None) for line, column, error, _ in rejects]
        insert_rows(con, "meta.rejects", [[file_id, *r] for r in rejects])
        notes.append(f"{len(rejects)} row(s) rejected, first at line {rejects[0][0]}")
    if found.ignored:
        notes.append("columns not read: " + ", ".join(found.ignored))
    if table.header_row > 1:
        notes.append(f"header on row {table.header_row}: the {table.header_row - 1} "
                     "row(s) above it (a title) not read")
    if found.dataset.file_key is not None and not found.dataset.file_key.search(table.rel):
        notes.append(f"recognised as {found.dataset.name} by its header, but its name does "
                     f"not follow that dataset's pattern: it counts as a delivery of its "
                     f"own (rename it to replace an earlier delivery)")
    entry["message"] = "; ".join(notes) or None
    summary.loaded.append(table.rel)
    summary.rows_loaded += loaded
    summary.rows_rejected += len(rejects)


class _Ledger:
    """meta.files rows of this ingest, written together at its end (a statement per file cost
    milliseconds), with the file ids and loaded contents that later files are checked against."""

    def __init__(self, con) -> None:
        self.con = con
        self.entries: list[dict] = []
        rows = con.execute("SELECT file_id, path, content_key, status FROM meta.files "
                           "ORDER BY file_id").fetchall()
        self.last_id = max((r[0] for r in rows), default=0)
        self.loaded: dict[str, str] = {}  # content key -> the path first loaded with it
        for _, path, key, status in rows:
            if status == "loaded":
                self.loaded.setdefault(key, path)
        self.batch = _CsvBatch(self)
        self.files_to_read = self.files_done = 0  # for the analyst's progress bar

    def new_file_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def record(self, entry: dict) -> dict:
        if "file_id" not in entry:
            entry = {"file_id": self.new_file_id()} | entry
        if entry["status"] == "loaded":
            self.loaded.setdefault(entry["content_key"], entry["path"])
        self.entries.append(entry)
        return entry

    def log_file(self, rel: str, entry: dict) -> None:
        """One line per file read, with the files done so far (the CLI draws a bar from
        `progress` on a terminal; files read together finish together)."""
        self.files_done += 1
        progress = (self.files_done, self.files_to_read)
        log.info("file %d of %d, %s: %s (%s)", *progress, rel, entry["status"],
                 entry["message"] or f"{entry.get('rows_loaded') or 0:,} rows",
                 extra={"progress": progress})

    def write(self) -> None:
        self.batch.flush_all(self.con)
        columns = [c for c, in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'meta' "
            "AND table_name = 'files' ORDER BY column_index").fetchall()]
        defaults = {"active": False}
        insert_rows(self.con, "meta.files", [[e.get(c, defaults.get(c)) for c in columns]
                                             for e in self.entries])
        self.entries.clear()


def _load_rows(con, table: Table, file_id: int, found: Recognition, scan: ByteScan):
    """Rows read in Python, so that every row keeps its exact line and every rejected line is
    kept with its reason: workbooks, Parquet, mapped exports, and the canonical CSVs that
    DuckDB's reader could not take whole (_CsvBatch)."""
    ds = found.dataset
    notes: list[str] = []
    rows, lines, rejects = read_records(table, scan.ends_with_newline)
    if found.mapping:
        records = [dict(zip(table.header, row, strict=True)) for row in rows]
        delivered = datetime.fromtimestamp(table.path.stat().st_mtime, UTC).date()
        problems: list[tuple[int, str]] = []
        rows = found.mapping.apply(records, delivered, problems)
        by_reason: dict[str, list[int]] = {}
        for index, why in problems:
            by_reason.setdefault(why, []).append(lines[index])
        notes += [f"age left blank where {why}: line(s) {', '.join(map(str, at[:10]))}"
                  + (f" and {len(at) - 10} more" if len(at) > 10 else "")
                  for why, at in by_reason.items()]
    else:
        position = {normalise_header(h): i for i, h in enumerate(table.header)}
        order = [position[normalise_header(c)] for c in ds.columns]
        rows = [[row[i] for i in order] for row in rows]
    if ds.identifiers:
        pseudonym = pseudonymiser(key_from_environment())
        targets = [ds.columns.index(c) for c in ds.identifiers]
        for row in rows:
            for i in targets:
                row[i] = pseudonym(row[i])
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(ds.columns))], dtype=object)
    frame.insert(0, "_line", pd.array(lines, dtype="int64"))
    con.register("svna_rows", frame)
    try:
        con.execute(
            f"INSERT INTO {ds.raw_table} (_file_id, _line, "
            f"{', '.join(quote_ident(c) for c in ds.columns)}) SELECT ?, _line, "
            f"{', '.join(f'c{i}' for i in range(len(ds.columns)))} FROM svna_rows", [file_id])
    finally:
        con.unregister("svna_rows")
    return len(rows), rejects, notes


@dataclass
class _Pending:
    """A canonical CSV recognised and recorded, its rows not yet read."""
    table: Table
    scan: ByteScan
    entry: dict
    found: Recognition
    summary: IngestSummary


class _CsvBatch:
    """Canonical CSVs of one dataset and header, read by one DuckDB statement (a statement a
    file cost more than the rows of most files: a national year is 1,500 files). A file that
    DuckDB's reader rejects lines of, or whose line count does not add up (quoted newlines,
    blank lines), is taken out again and read exactly (_load_rows)."""

    MAX_FILES = 400
    MAX_BYTES = 512 << 20

    def __init__(self, ledger: _Ledger) -> None:
        self.ledger = ledger
        self.pending: dict[tuple, list[_Pending]] = {}

    def add(self, con, item: _Pending) -> None:
        key = (item.found.dataset.name, tuple(normalise_header(h) for h in item.table.header))
        items = self.pending.setdefault(key, [])
        items.append(item)
        if len(items) >= self.MAX_FILES or sum(i.scan.size for i in items) >= self.MAX_BYTES:
            self._flush(con, self.pending.pop(key))

    def flush_all(self, con) -> None:
        while self.pending:
            self._flush(con, self.pending.pop(next(iter(self.pending))))

    def _flush(self, con, items: list[_Pending]) -> None:
        counts = _load_csv_batch(con, items)
        for item in items:
            file_id = item.entry["file_id"]
            loaded, rejects = counts[file_id], []
            if loaded is None:
                loaded, rejects, _ = _load_rows(con, item.table, file_id, item.found, item.scan)
            _finish_loaded(con, item.table, item.entry, item.found, item.summary, loaded,
                           rejects, [])
            self.ledger.log_file(item.table.rel, item.entry)


def _load_csv_batch(con, items: list[_Pending]) -> dict[int, int | None]:
    """Each file's rows loaded, or None (and none of its rows kept) where it must be read
    exactly. A row's line is its place in its file: the reader keeps the files' order, so
    it is the row's number in the batch less the rows of the files before it. Those are first
    taken from the files' line counts, which holds when every file has a row a line; when one
    does not, the batch is read again with each file's first row found by a window."""
    ds, header = items[0].found.dataset, items[0].table.header
    by_normal = {normalise_header(h): f"c{i}" for i, h in enumerate(header)}
    pads = {}
    if ds.identifiers:
        key = key_from_environment()
        register_function(con, "svna_pseudonym", pseudonymiser(key), ["VARCHAR"], "VARCHAR",
                          null_handling="special")
        pads = hmac_pads(key)
    select = ", ".join(
        pseudonym_sql(quote_ident(by_normal[normalise_header(c)]), "svna_pseudonym")
        if c in ds.identifiers else quote_ident(by_normal[normalise_header(c)])
        for c in ds.columns)
    target = f"{ds.raw_table} (_file_id, _line, {', '.join(quote_ident(c) for c in ds.columns)})"
    paths = [str(item.table.path) for item in items]
    ids = [item.entry["file_id"] for item in items]
    expected = [item.scan.newlines - 1 + (0 if item.scan.ends_with_newline else 1)
                for item in items]
    numbered = (
        "SELECT row_number() OVER () AS rn, * FROM read_csv($paths, columns = $columns, "
        "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
        "strict_mode = true, encoding = 'utf-8', filename = true, store_rejects = true, "
        "rejects_table = 'svna_rejects', rejects_scan = 'svna_scans')")
    parameters = {"paths": paths, "columns": {f"c{i}": "VARCHAR" for i in range(len(header))},
                  **pads}
    before = [sum(expected[:k]) for k in range(len(expected))]
    con.execute(
        f"INSERT INTO {target} SELECT f.file_id, s.rn - f.rows_before + 1, {select} "
        f"FROM ({numbered}) AS s JOIN (SELECT unnest($paths) AS filename, unnest($ids) AS "
        "file_id, unnest($before) AS rows_before) AS f USING (filename)",
        {**parameters, "ids": ids, "before": before}).fetchall()
    counts = _batch_counts(con, ds, paths, ids, expected)
    if any(n is None for n in counts.values()):
        con.execute(f"DELETE FROM {ds.raw_table} WHERE list_contains(?, _file_id)", [ids])
        con.execute(
            f"INSERT INTO {target} SELECT $ids[list_position($paths, filename)], "
            f"rn - min(rn) OVER (PARTITION BY filename) + 2, {select} FROM ({numbered})",
            {**parameters, "ids": ids}).fetchall()
        counts = _batch_counts(con, ds, paths, ids, expected)
    redo = [file_id for file_id, rows in counts.items() if rows is None]
    if redo:
        con.execute(f"DELETE FROM {ds.raw_table} WHERE list_contains(?, _file_id)", [redo])
    return counts


def _batch_counts(con, ds, paths, ids, expected) -> dict[int, int | None]:
    """Each file's rows, or None where the reader rejected lines or the rows are not one a
    line; drops the reader's rejects tables."""
    loaded = dict(con.execute(f"SELECT _file_id, count(*) FROM {ds.raw_table} "
                              "WHERE list_contains($ids, _file_id) GROUP BY _file_id",
                              {"ids": ids}).fetchall())
    rejected = {path for path, in con.execute(
        "SELECT DISTINCT s.file_path FROM svna_rejects AS r JOIN svna_scans AS s "
        "ON s.scan_id = r.scan_id AND s.file_id = r.file_id").fetchall()}
    con.execute("DROP TABLE IF EXISTS svna_rejects; DROP TABLE IF EXISTS svna_scans")
    return {file_id: (rows if path not in rejected and rows == lines else None)
            for path, file_id, lines in zip(paths, ids, expected, strict=True)
            for rows in [loaded.get(file_id, 0)]}


def _deactivate_removed(con, present: set[str]) -> list[str]:
    active = [p for (p,) in con.execute(
        "SELECT DISTINCT path FROM meta.files WHERE active").fetchall()]
    removed = sorted(p for p in active if p.split("#")[0] not in present)
    if removed:
        con.execute(
            "UPDATE meta.files SET active = false, "
            "message = coalesce(message || '; ', '') || 'removed from the raw folder' "
            "WHERE list_contains(?, path)", [removed])
    return removed


def activate(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> int:
    """Choose, for each delivery (dataset and key), the latest version that passed validation
    of a file still on disk; only active files feed staging. A broken re-delivery thus leaves
    the last good version in use, and so does one with no rows at all (a header alone is an
    export that went wrong, not a month without crime). Returns the number of active files."""
    on_disk = {p.relative_to(raw_dir).as_posix() for p in discover(raw_dir)}
    files = con.execute(
        "SELECT file_id, path, content_key, dataset, delivery_key, status, rows_loaded, "
        "validation FROM meta.files ORDER BY file_id"
    ).fetchall()
    loaded_by_content = {key: fid for fid, _, key, _, _, status, _, _ in files
                         if status == "loaded"}
    validation = {fid: v for fid, *_, v in files}
    rows = {fid: n or 0 for fid, *_, n, _ in files}
    chosen: dict[tuple[str, str], tuple[int, int]] = {}
    for fid, path, key, ds, delivery, status, _, _ in files:
        if path.split("#")[0] not in on_disk or ds is None or status not in (
                "loaded", "duplicate"):
            continue
        content = loaded_by_content.get(key)
        if content is None or validation.get(content) == "failed":
            continue
        earlier = chosen.get((ds, delivery))
        if earlier and rows[content] == 0 and rows[earlier[1]] > 0:
            continue
        if earlier is None or fid > earlier[0]:
            chosen[(ds, delivery)] = (fid, content)
    # A chosen duplicate is active as a delivery (its month is covered) while its rows are
    # those of the file first loaded with the same content: they count once.
    active = sorted({fid for pair in chosen.values() for fid in pair})
    con.execute("UPDATE meta.files SET active = list_contains(?, file_id)", [active])
    return len(active)
