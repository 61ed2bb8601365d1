"""Dataset declarations (sql/staging/<name>.yml): each source is declared once, and ingest,
validation and staging loop over the declarations."""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    file_key: re.Pattern | None  # groups name the delivery a file stands for (month, force...)
    identifiers: tuple[str, ...] = ()  # columns replaced by keyed pseudonyms on ingest
    suite_name: str = ""

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


DECLARATION_KEYS = {"name", "description", "owner", "columns", "file_key", "identifiers",
                    "suite"}


def _load(path: Path) -> Dataset:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = {"name", "description", "columns"} - set(spec)
    unknown = set(spec) - DECLARATION_KEYS
    if missing or unknown:
        raise DeclarationError(f"{path}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    columns = tuple(c["name"] if isinstance(c, dict) else c for c in spec["columns"])
    key = spec.get("file_key")
    return Dataset(
        name=spec["name"],
        description=" ".join(spec["description"].split()),
        owner=spec.get("owner", ""),
        columns=columns,
        file_key=re.compile(key) if key else None,
        identifiers=tuple(spec.get("identifiers", [])),
        suite_name=spec.get("suite", spec["name"]),
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
    closest: str = ""  # when nothing matched: the nearest declaration, for the message


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
    return Recognition(best, missing, unexpected)
