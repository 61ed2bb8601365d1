"""Dataset declarations (sql/staging/<name>.yml): each source is declared once, and ingest,
validation and staging loop over the declarations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from svna.project import SQL_DIR


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


@lru_cache(maxsize=4096)  # every file's header is matched against every declaration
def normalise_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()
