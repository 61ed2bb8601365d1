"""Mappings (config/mappings/*.yml): how one source's own export maps onto a canonical dataset,
so that a new force's or partner's export needs a mapping, not code. See the README there."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from svna.datasets import Dataset, DeclarationError
from svna.project import PROJECT_ROOT

MAPPINGS_DIR = PROJECT_ROOT / "config" / "mappings"
KEYS = {"name", "dataset", "columns", "formats", "codes", "date_of_birth", "drop", "sheet"}
ISO_DATE, ISO_DATETIME = "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Mapping:
    name: str
    dataset: Dataset
    columns: dict[str, str]  # canonical -> source
    formats: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    date_of_birth: dict | None = None
    drop: tuple[str, ...] = ()
    sheet: str | None = None
    sha256: str = ""

    @property
    def source_columns(self) -> list[str]:
        """The export's columns this mapping reads (its header must hold them all)."""
        cols = list(self.columns.values())
        if self.date_of_birth:
            cols.append(self.date_of_birth["column"])
            if self.date_of_birth.get("age_at"):
                cols.append(self.date_of_birth["age_at"])
        return list(dict.fromkeys(cols))

    def apply(self, records: list[dict[str, str | None]], delivered: date,
              problems: list[tuple[int, str]] | None = None) -> list[list]:
        """Rows of canonical values, in the dataset's column order, from source records.
        Ages that could not be worked out are noted in `problems` as (record index, why):
        the date of birth is not kept, so validation cannot see it."""
        out = []
        for index, record in enumerate(records):
            row = []
            for column in self.dataset.columns:
                if column == "age" and self.date_of_birth and column not in self.columns:
                    age, why = self._age(record, delivered)
                    if why and problems is not None:
                        problems.append((index, why))
                    row.append(age)
                    continue
                value = record.get(self.columns[column])
                value = self.codes.get(column, {}).get(value, value) if value is not None \
                    else None
                if value is not None and column in self.formats:
                    value = _reformat(value, self.formats[column])
                row.append(value)
            out.append(row)
        return out

    def _age(self, record: dict, delivered: date) -> tuple[str | None, str | None]:
        """Whole years from the date of birth to the event (or the delivery), and why there
        is none when one was given: the date of birth itself is never stored."""
        spec = self.date_of_birth
        given = record.get(spec["column"])
        born = _parse(given, spec.get("format", ISO_DATE))
        at = delivered
        if spec.get("age_at"):
            at = _parse(record.get(spec["age_at"]), spec.get("age_at_format", ISO_DATE))
            if at is None and record.get(spec["age_at"]) is not None and born is not None:
                return None, (f"column {spec['age_at']} is not a date in the form "
                              f"{spec.get('age_at_format', ISO_DATE)}")
        if given is None or at is None:
            return None, None
        if born is None:
            return None, (f"column {spec['column']} is not a date in the form "
                          f"{spec.get('format', ISO_DATE)}")
        years = at.year - born.year - ((at.month, at.day) < (born.month, born.day))
        if not 0 <= years < 130:
            return None, f"column {spec['column']} gives an age of {years}"
        return str(years), None


def _parse(value: str | None, fmt: str) -> date | None:
    if value is None:
        return None
    for candidate in (fmt, ISO_DATETIME, ISO_DATE):
        try:
            return datetime.strptime(value.strip(), candidate).date()
        except ValueError:
            continue
    return None


def _reformat(value: str, fmt: str) -> str:
    """A date in the export's format as ISO 8601; anything else is kept for validation to
    report with its line."""
    try:
        parsed = datetime.strptime(value.strip(), fmt)
    except ValueError:
        return value
    has_time = any(code in fmt for code in ("%H", "%I", "%M"))
    return parsed.strftime("%Y-%m-%d %H:%M" if has_time else ISO_DATE)


def load_mappings(datasets: tuple[Dataset, ...], *dirs: Path) -> tuple[Mapping, ...]:
    by_name = {d.name: d for d in datasets}
    found = []
    for directory in dict.fromkeys(Path(d).resolve() for d in (MAPPINGS_DIR, *dirs)):
        for path in sorted(Path(directory).glob("*.yml")):
            found.append(_load(path, by_name))
    names = [m.name for m in found]
    if len(set(names)) != len(names):
        raise DeclarationError(f"two mappings share a name: {sorted(names)}")
    return tuple(found)


def _load(path: Path, datasets: dict[str, Dataset]) -> Mapping:
    text = path.read_text(encoding="utf-8")
    spec = yaml.safe_load(text) or {}
    problems = []
    unknown = set(spec) - KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    dataset = datasets.get(spec.get("dataset"))
    if dataset is None:
        raise DeclarationError(f"{path}: 'dataset' must name one of {sorted(datasets)}")
    columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
    derived = {"age"} if spec.get("date_of_birth") else set()
    missing = [c for c in dataset.columns if c not in columns and c not in derived]
    if missing:
        problems.append(f"canonical column(s) not mapped: {missing}")
    strange = [c for c in columns if c not in dataset.columns]
    if strange:
        problems.append(f"not columns of {dataset.name}: {strange}")
    if spec.get("date_of_birth") and "column" not in spec["date_of_birth"]:
        problems.append("date_of_birth needs 'column'")
    if problems:
        raise DeclarationError(f"{path}: " + "; ".join(problems))
    codes = {str(c): {str(k): str(v) for k, v in m.items()}
             for c, m in (spec.get("codes") or {}).items()}
    return Mapping(
        name=spec.get("name") or path.stem, dataset=dataset, columns=columns,
        formats={str(k): str(v) for k, v in (spec.get("formats") or {}).items()},
        codes=codes, date_of_birth=spec.get("date_of_birth"),
        drop=tuple(spec.get("drop") or ()), sheet=spec.get("sheet"),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
