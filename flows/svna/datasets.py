"""Dataset declarations (sql/staging/<name>.yml): each source is declared once, and ingest,
validation and staging loop over the declarations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from svna.project import SQL_DIR

# A header sharing at least this share of a declaration's columns is taken to be a (faulty)
# delivery of that dataset, so that its validation names the missing or unexpected columns.
RECOGNITION_THRESHOLD = 0.6


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    owner: str
    columns: tuple[str, ...]
    column_docs: dict[str, str]
    file_key: re.Pattern | None  # groups name the delivery a file stands for (month, force...)
    identifiers: tuple[str, ...] = ()  # columns replaced by keyed pseudonyms on ingest
    staging_sql: Path | None = None
    suite_name: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    def delivery_key(self, relative_path: str) -> str:
        """Later files with the same key replace earlier ones (a re-delivered month)."""
        if self.file_key is None:
            return self.name
        match = self.file_key.search(relative_path)
        if not match:
            return relative_path
        return "|".join(f"{k}={v}" for k, v in sorted(match.groupdict().items()))


class DeclarationError(ValueError):
    pass


def _load(path: Path) -> Dataset:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = {"name", "description", "columns"} - set(spec)
    if missing:
        raise DeclarationError(f"{path}: missing {sorted(missing)}")
    columns = []
    docs = {}
    for col in spec["columns"]:
        col = col if isinstance(col, dict) else {"name": col}
        columns.append(col["name"])
        docs[col["name"]] = col.get("description", "")
    staging = path.with_suffix(".sql")
    key = spec.get("file_key")
    return Dataset(
        name=spec["name"],
        description=spec["description"].strip(),
        owner=spec.get("owner", ""),
        columns=tuple(columns),
        column_docs=docs,
        file_key=re.compile(key) if key else None,
        identifiers=tuple(spec.get("identifiers", [])),
        staging_sql=staging if staging.exists() else None,
        suite_name=spec.get("suite", spec["name"]),
        extra={k: v for k, v in spec.items() if k not in {"name", "description", "owner",
                                                         "columns", "file_key", "identifiers",
                                                         "suite"}},
    )


@cache
def load_datasets(sql_dir: Path = SQL_DIR) -> tuple[Dataset, ...]:
    datasets = tuple(_load(p) for p in sorted((sql_dir / "staging").glob("*.yml")))
    names = [d.name for d in datasets]
    if len(set(names)) != len(names):
        raise DeclarationError(f"two declarations share a name: {names}")
    return datasets


def normalise_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


@dataclass(frozen=True)
class Recognition:
    dataset: Dataset | None
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    reordered: bool = False
    closest: str = ""  # when nothing matched: the nearest declaration, for the message

    @property
    def exact(self) -> bool:
        return self.dataset is not None and not (self.missing or self.unexpected or self.reordered)


def recognise(header: list[str], datasets: tuple[Dataset, ...]) -> Recognition:
    """Pick the declaration whose columns best match a file's header (names, not file names)."""
    got = [normalise_header(h) for h in header]
    best, best_score = None, 0.0
    for ds in datasets:
        want = [normalise_header(c) for c in ds.columns]
        score = len(set(got) & set(want)) / len(set(got) | set(want))
        if score > best_score:
            best, best_score = ds, score
    if best is None or best_score < RECOGNITION_THRESHOLD:
        if best is None:
            return Recognition(None)
        shared = len(set(got) & {normalise_header(c) for c in best.columns})
        return Recognition(None, closest=f"{best.name} ({shared} of {len(best.columns)} "
                                         "columns in common)")
    want = [normalise_header(c) for c in best.columns]
    missing = tuple(c for c, n in zip(best.columns, want, strict=True) if n not in got)
    unexpected = tuple(h for h, n in zip(header, got, strict=True) if n not in want)
    common_got = [n for n in got if n in want]
    common_want = [n for n in want if n in got]
    return Recognition(best, missing, unexpected, reordered=common_got != common_want)
