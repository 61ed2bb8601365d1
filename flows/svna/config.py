"""The analyst's YAML config: only the area (or the list of areas) is required, everything else
has a default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

LAD_CODE = re.compile(r"^[EW]0[6-9]\d{6}$")


class ConfigError(ValueError):
    """A config file that cannot be used; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Strict):
    name: str = Field(min_length=1)
    districts: list[str] = Field(min_length=1, description="local authority district codes")

    @field_validator("districts")
    @classmethod
    def _district_codes(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not LAD_CODE.match(str(c))]
        if bad:
            raise ValueError(f"not local authority district codes (e.g. E07000008): {bad}")
        if len(set(codes)) != len(codes):
            raise ValueError("a district is listed twice")
        return codes

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "area"


class Paths(_Strict):
    """Folders, relative to the directory svna runs in unless absolute."""

    raw: Path = Path("data/raw")
    processed: Path = Path("data/processed")
    reports: Path = Path("reports")
    mappings: Path = Path("config/mappings")  # the analyst's own, beside svna's built-in ones

    def resolved(self, base: Path) -> Paths:
        return Paths(**{k: (base / v).resolve() for k, v in self.model_dump().items()})


class Suppression(_Strict):
    """Counts from 1 to threshold-1 in person-level tables are hidden before publication."""

    threshold: int = Field(default=5, ge=1, le=100)


SV_GROUPS = ("homicide", "attempted_murder", "threats_to_kill", "wounding_gbh",
             "assault_with_injury", "robbery", "possession_of_weapons")


class SeriousViolence(_Strict):
    """Which recorded offences count as serious violence (force extract). The default follows
    the Serious Violence Duty guidance and the Serious Violence Strategy."""

    groups: list[str] = Field(default_factory=lambda: list(SV_GROUPS),
                              description="offence groups of sql/seeds/ho_offence_codes.csv")
    include_codes: list[str] = Field(default_factory=list)
    exclude_codes: list[str] = Field(default_factory=list)
    knife_or_firearm_flagged: bool = True  # any offence flagged knife/sharp instrument or gun
    domestic_abuse: bool = True  # False leaves out offences flagged domestic abuse
    sexual_offences: bool = False  # True adds the sexual offences group

    @field_validator("include_codes", "exclude_codes")
    @classmethod
    def _as_recorded(cls, codes: list[str]) -> list[str]:
        """Codes as the data are normalised: upper case, '4/1' written '4.1'."""
        return list(dict.fromkeys(str(c).strip().upper().replace("/", ".") for c in codes))

    @model_validator(mode="after")
    def _not_both(self):
        both = sorted(set(self.include_codes) & set(self.exclude_codes))
        if both:
            raise ValueError(f"code(s) {both} are both included and excluded")
        return self

    @field_validator("groups")
    @classmethod
    def _known_groups(cls, groups: list[str]) -> list[str]:
        known = set(SV_GROUPS) | {"sexual_offences", "assault_without_injury", "other"}
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise ValueError(f"unknown offence group(s) {unknown}; known: {sorted(known)}")
        return groups


class People(_Strict):
    """Age bands (lower bounds of each band, the last open-ended) and the youth threshold."""

    age_bands: list[int] = Field(default_factory=lambda: [0, 10, 18, 25])
    youth_under: int = Field(default=25, ge=1, le=120)
    completeness_threshold: float = Field(default=0.9, gt=0, le=1,
                                          description="share of records that should hold "
                                                      "ethnicity, sex and age")

    @field_validator("age_bands")
    @classmethod
    def _ascending_from_zero(cls, bands: list[int]) -> list[int]:
        if not bands or bands[0] != 0 or sorted(set(bands)) != bands:
            raise ValueError("age bands must start at 0 and rise, e.g. [0, 10, 18, 25]")
        return bands


LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# measure -> what is counted, by the LSOA where it happened (sql/assessment/intervention_*.sql)
INTERVENTION_MEASURES = {
    "serious_violence": "police.uk street records of the serious violence crime types",
    "all_crime": "police.uk street records of every crime type but anti-social behaviour",
    "knife_enabled": "force extract serious violence with a knife or sharp instrument",
    "youth_serious_violence": "force extract serious violence with a victim under youth_under",
    "ae_assaults": "A&E assault attendances (partner records), by the place of the assault",
}


class Units(_Strict):
    """Places named by LSOA 2021 codes or by district codes (each district: all its LSOAs)."""

    lsoas: list[str] = Field(default_factory=list)
    districts: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self):
        if bool(self.lsoas) == bool(self.districts):
            raise ValueError("give either lsoas or districts (a non-empty list), not both")
        bad = ([c for c in self.lsoas if not LSOA_CODE.match(str(c))]
               + [c for c in self.districts if not LAD_CODE.match(str(c))])
        if bad:
            raise ValueError(f"not LSOA (E01000001) or district (E07000008) codes: {bad}")
        codes = self.lsoas or self.districts
        if len(set(codes)) != len(codes):
            raise ValueError("a code is listed twice")
        return self

    @property
    def kind(self) -> str:
        return "lsoa" if self.lsoas else "district"

    @property
    def codes(self) -> list[str]:
        return self.lsoas or self.districts


class Intervention(_Strict):
    """A Violence Reduction Unit intervention to evaluate from the partnership's own data:
    where and when it ran, what it should reduce, and what to compare it with ('rest' of the
    partnership, 'matched' LSOAs of similar deprivation and pre-period trend, or named places)."""

    name: str = Field(min_length=1)
    start: str = Field(description="first month of the intervention, YYYY-MM")
    end: str | None = Field(default=None, description="last month; open-ended if absent")
    covers: Units
    measure: str
    comparison: Units | str = "rest"
    matches_per_lsoa: int = Field(default=5, ge=1, le=50,
                                  description="comparison LSOAs per treated LSOA if matched")

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not MONTH.match(str(value)):
            raise ValueError(f"expected a month written YYYY-MM (e.g. 2025-01), not {value!r}")
        return value

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value: str) -> str:
        if value not in INTERVENTION_MEASURES:
            raise ValueError(f"unknown measure {value!r}; known: {sorted(INTERVENTION_MEASURES)}")
        return value

    @field_validator("comparison")
    @classmethod
    def _known_comparison(cls, value: Units | str) -> Units | str:
        if isinstance(value, str) and value not in ("rest", "matched"):
            raise ValueError("comparison is 'rest' (the rest of the partnership), 'matched', "
                             f"or {{lsoas: [...]}} / {{districts: [...]}}, not {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if isinstance(self.comparison, Units) and self.comparison.kind == self.covers.kind:
            both = sorted(set(self.comparison.codes) & set(self.covers.codes))
            if both:
                raise ValueError(f"{both} both covered and in the comparison")
        return self

    @property
    def comparison_kind(self) -> str:
        return self.comparison if isinstance(self.comparison, str) else "listed"


class Report(_Strict):
    top_lsoas: int = Field(default=20, ge=1, le=500)
    # Districts given their own tables and lines in the documents, those with the most serious
    # violence first (every force has fewer); the exports always hold every district.
    district_tables: int = Field(default=40, ge=1, le=1000)
    protective_marking: str = "OFFICIAL"
    # LSOA 2021 boundaries (GeoJSON, GeoPackage or shapefile) for the maps; without them the
    # maps fall back to a grid of record locations. Relative like the paths.
    boundaries: Path | None = None
    # Also write each assessment as a PDF (WeasyPrint, or a local Chromium as a fallback).
    pdf: bool = True


NOTIFY_EVENTS = ("failure", "failed_validation")


class Notify(_Strict):
    """Where to tell people that a run failed or a delivered file failed validation: a webhook
    receiving a JSON POST (Slack, Teams and most chat tools accept its `text` field)."""

    webhook_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    events: list[Literal["failure", "failed_validation"]] = Field(
        default_factory=lambda: list(NOTIFY_EVENTS))
    timeout_seconds: float = Field(default=10, gt=0, le=120)


class Run(_Strict):
    """A refresh started while another runs on the same warehouse is refused, or waits up to
    wait_seconds for it to end. With many areas, their assessments are built `workers` at a
    time, by threads in this process or by a Dask cluster (a local one, or the scheduler at
    dask_address)."""

    on_lock: Literal["refuse", "wait"] = "refuse"
    wait_seconds: int = Field(default=3600, ge=0, le=7 * 24 * 3600)
    task_runner: Literal["threads", "dask"] = "threads"
    workers: int = Field(default=2, ge=1, le=256)
    dask_address: str | None = Field(default=None, pattern=r"^\S+$",
                                     description="e.g. tcp://scheduler:8786; implies dask")


class AreaEntry(Area):
    """One of many areas: its name, districts and the interventions evaluated within it."""

    interventions: list[Intervention] = Field(default_factory=list)

    @field_validator("interventions")
    @classmethod
    def _unique_names(cls, interventions: list[Intervention]) -> list[Intervention]:
        return _unique_interventions(interventions)


def _unique_interventions(interventions: list[Intervention]) -> list[Intervention]:
    names = [i.name for i in interventions]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"intervention names must differ: {twice} named twice")
    return interventions


class Config(_Strict):
    """One area (`area:`), or many (`areas:`) assessed from the same data in one run."""

    area: Area | None = None
    areas: list[AreaEntry] = Field(default_factory=list)
    paths: Paths = Paths()
    suppression: Suppression = Suppression()
    report: Report = Report()
    serious_violence: SeriousViolence = SeriousViolence()
    people: People = People()
    notify: Notify = Notify()
    run: Run = Run()
    interventions: list[Intervention] = Field(default_factory=list)

    @field_validator("interventions")
    @classmethod
    def _unique_names(cls, interventions: list[Intervention]) -> list[Intervention]:
        return _unique_interventions(interventions)

    @model_validator(mode="after")
    def _area_or_areas(self):
        if (self.area is None) == (not self.areas):
            raise ValueError("give either 'area: {name, districts}' or 'areas: [{name, "
                             "districts}, ...]' (a non-empty list), not both")
        if self.areas and self.interventions:
            raise ValueError("with 'areas', list each intervention under the area it is in "
                             "(areas: [{name, districts, interventions: [...]}])")
        slugs = [a.slug for a in self.areas]
        twice = sorted({s for s in slugs if slugs.count(s) > 1})
        if twice:
            raise ValueError(f"area names must differ in letters or digits (their folder "
                             f"names): {twice} used twice")
        return self

    @property
    def many_areas(self) -> bool:
        return bool(self.areas)

    @property
    def area_list(self) -> list[Area]:
        """Every area of the config: the one `area`, or each of `areas`."""
        return list(self.areas) if self.areas else [self.area]

    @property
    def label(self) -> str:
        """The area's name, or the areas' names, for messages."""
        return ", ".join(a.name for a in self.area_list)

    def for_area(self, area: Area) -> Config:
        """The single-area config of one of `areas` (the same paths and settings)."""
        if area not in self.area_list:
            raise ValueError(f"{area.name!r} is not an area of this config")
        if not self.areas:
            return self
        entry = Area(name=area.name, districts=area.districts)
        return self.model_copy(update={"area": entry, "areas": [],
                                       "interventions": list(area.interventions)})


def load_config(path: Path, base: Path | None = None) -> Config:
    """Read and check a config file; relative paths are resolved against `base` (default cwd)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable YAML file: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with at least 'area: {{name, districts}}' "
                          "or 'areas: [{name, districts}, ...]'")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(
            f"  - {'.'.join(str(p) for p in err['loc']) or '(top level)'}: "
            + ("unknown setting" if err["type"] == "extra_forbidden" else err["msg"])
            for err in exc.errors()
        )
        raise ConfigError(f"{path}: invalid config\n{problems}") from None
    base = base or Path.cwd()
    boundaries = config.report.boundaries
    report = config.report.model_copy(
        update={"boundaries": (base / boundaries).resolve() if boundaries else None})
    return config.model_copy(update={"paths": config.paths.resolved(base), "report": report})
