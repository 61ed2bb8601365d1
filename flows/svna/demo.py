"""Synthetic demo data for a fictional community safety partnership, in the published formats.

The pipeline, its tests and `make demo` need inputs that look exactly like data.police.uk
archives and the ONS/MHCLG reference files (headers, quoting, BOMs, line endings, vocabularies
and the usual messiness) without shipping any real data. Everything is generated from a seed:
the same seed gives byte-identical files. All codes are fictional and collide with no real code.

Besides the published files, the force's own crime extract (offences, victims, suspects: the
canonical CSVs of sql/staging/force_*.yml, then for the last 12 months one XLSX workbook a
month from its new records system "Athena", mapped by config/mappings/demo-athena-*.yml) and
the Census 2021 tables TS021 (ethnic group) and TS007 (single year of age) of the districts,
and the partners' data under partners/ (A&E assault attendances, hospital admissions for
assault, for the last 12 months as a "HES extract" mapped by
config/mappings/demo-hospital-admissions.yml, ambulance call-outs, youth justice, school
exclusions, social care assessments, probation caseload and a partner's aggregate counts),
consistent with the force's crimes and sharing people across sources. Their random streams
are separate from the police.uk ones (and each other's), which they leave byte-identical.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import hashlib
import io
import math
import random
import zipfile
from bisect import bisect
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from svna.datasets import load_datasets
from svna.demo_boundaries import write_demo_boundaries

DEMO_AREA_NAME = "Riverford and Eastmere"
FORCE_SLUG = "riverford"
FORCE_NAME = "Riverford Constabulary"

# The force recorded crimes against 2011 LSOA codes in the first months of the window.
LSOA11_VINTAGE_MONTHS = 12
# The stop-and-search file the force "forgot" to publish: this many months before end_month.
MISSING_STOP_SEARCH_MONTHS_BEFORE_END = 5
# Outcome updates arrive up to a year after the crime, so crimes are simulated this many months
# before the window too: early outcome files then refer to crimes no street file lists, as real.
OUTCOME_LAG_MONTHS = 11
DUPLICATED_CRIMES = 3

STREET_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
OUTCOMES_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
]
STOP_SEARCH_HEADER = [
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
    "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
    "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]
LSOA21_LAD_HEADER = ["LSOA21CD", "LSOA21NM", "LAD23CD", "LAD23NM", "UTLA23CD", "UTLA23NM"]
LSOA11_LOOKUP_HEADER = [
    "ObjectId", "LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM", "LAD22NMW",
]
POPULATION_HEADER = ["lsoacd", "population"]
IMD_DOMAINS = [
    "IMD", "Income", "Employment", "Education", "Health", "Crime", "Housing_and_Services",
    "Environment",
]
IMD_HEADER = ["lsoa21_code"] + [
    f"{domain}_{measure}" for measure in ("decile", "rank", "score") for domain in IMD_DOMAINS
]
ENGLAND_LSOAS = 33755  # ranks in the real IMD 2025 run from 1 to this
# Per domain (in IMD_DOMAINS order): spread of its rank around the overall IMD rank, and its
# score as a function of rank / ENGLAND_LSOAS, fitted by eye to the real file.
IMD_RANK_SCATTER = [0, 2500, 3500, 5000, 5000, 8000, 12000, 12000]
IMD_SCORE_CURVES = [
    lambda q: 54.7 * math.exp(-2.33 * q),
    lambda q: 0.6 * math.exp(-3.75 * q) + 0.005,
    lambda q: 0.45 * math.exp(-3.4 * q) + 0.005,
    lambda q: 95 * math.exp(-5.6 * q),
    lambda q: 2.8 - 4.8 * q,
    lambda q: 2.5 - 4.8 * q,
    lambda q: 60 * math.exp(-2.25 * q) + 3,
    lambda q: 80 * math.exp(-2.4 * q),
]

# In-area street records a month at average season; neighbours make ~1% of records, and a few
# records a month carry an LSOA code that no lookup knows.
MONTHLY_RECORDS = {"area": 2500.0, "neighbour": 25.0, "unknown": 5.0}
MONTHLY_STOP_SEARCHES = 150.0

OUTCOME_CATEGORIES = [
    "Unable to prosecute suspect",
    "Investigation complete; no suspect identified",
    "Court result unavailable",
    "Status update unavailable",
    "Local resolution",
    "Offender given a caution",
    "Action to be taken by another organisation",
    "Awaiting court outcome",
    "Formal action is not in the public interest",
    "Further action is not in the public interest",
    "Suspect charged as part of another case",
    "Further investigation is not in the public interest",
]
# Outcomes files say "Suspect charged" where the street file later says what the court did.
OUTCOME_TYPE_OF_CATEGORY = {
    "Court result unavailable": "Suspect charged",
    "Awaiting court outcome": "Suspect charged",
}
# Months between a crime and its outcome update (shares seen in the real 2024 files).
OUTCOME_LAG_WEIGHTS = [
    0.64, 0.18, 0.055, 0.025, 0.011, 0.0075, 0.006, 0.003, 0.0016, 0.0009, 0.0004, 0.0002,
]


@dataclass(frozen=True)
class CrimeType:
    """How one police.uk crime type behaves: share, season, deprivation and place."""

    name: str
    share: float  # of all street records, as in the real files
    seasonal: float  # relative amplitude, peak in July (negative: peak in January)
    deprivation: float  # rate ratio of decile 1 to decile 5.5 (and of 5.5 to 10)
    hotspot: float  # exponent applied to a town-centre LSOA's multiplier
    no_location: float  # share published without a location
    outcomes: tuple[float, ...] = ()  # weights over OUTCOME_CATEGORIES; () for ASB
    trend: bool = False  # rises over the last 12 months


CRIME_TYPES = [
    CrimeType("Violence and sexual offences", 0.344, 0.15, 2.2, 1.0, 0.034,
              (.659, .141, .054, .062, .032, .015, .022, .004, .004, .004, .001, .002), True),
    CrimeType("Anti-social behaviour", 0.161, 0.25, 1.8, 1.0, 0.002),
    CrimeType("Shoplifting", 0.089, -0.03, 1.0, 1.2, 0.05,
              (.117, .607, .232, .009, .02, .008, .002, .003, .001, 0, .001, 0)),
    CrimeType("Criminal damage and arson", 0.080, 0.10, 1.8, 0.7, 0.031,
              (.306, .558, .049, .025, .03, .017, .006, .003, .002, .002, .001, .001)),
    CrimeType("Other theft", 0.067, 0.08, 1.2, 1.0, 0.04,
              (.232, .713, .017, .023, .008, .004, .001, .001, 0, .001, 0, 0)),
    CrimeType("Public order", 0.067, 0.12, 1.8, 1.0, 0.039,
              (.475, .301, .105, .067, .027, .009, .006, .004, .002, .002, .001, .001)),
    CrimeType("Vehicle crime", 0.049, 0.05, 1.3, 0.5, 0.027,
              (.107, .842, .024, .018, .002, .001, .001, .002, 0, 0, .002, .001)),
    CrimeType("Burglary", 0.039, -0.10, 1.4, 0.3, 0.047,
              (.129, .752, .075, .025, .004, .002, .002, .005, .001, .001, .004, 0)),
    CrimeType("Other crime", 0.027, 0.05, 1.5, 0.7, 0.096,
              (.478, .151, .09, .13, .026, .01, .049, .008, .03, .01, .005, .013)),
    CrimeType("Bicycle theft", 0.023, 0.30, 1.0, 0.9, 0.048,
              (.055, .898, .031, .007, .005, .001, .002, .001, 0, 0, 0, 0)),
    CrimeType("Drugs", 0.022, 0.05, 2.5, 1.0, 0.042,
              (.218, .045, .224, .115, .246, .104, .01, .015, .01, .008, .002, .003)),
    CrimeType("Possession of weapons", 0.012, 0.10, 3.0, 1.0, 0.027,
              (.475, .105, .203, .071, .032, .077, .01, .015, .006, .004, .001, .001), True),
    CrimeType("Theft from the person", 0.011, 0.05, 1.2, 1.2, 0.074,
              (.222, .734, .008, .02, .008, .005, .002, .001, 0, 0, 0, 0)),
    CrimeType("Robbery", 0.0075, 0.10, 3.0, 1.0, 0.059,
              (.477, .373, .101, .026, .013, .002, .002, .006, 0, 0, 0, 0), True),
]
ASB = "Anti-social behaviour"
SHOP_POIS = {"Supermarket", "Shopping Area"}

CENTRE_POIS = [
    "Shopping Area", "Supermarket", "Nightclub", "Bus/Coach Station", "Theatre/Concert Hall",
    "Parking Area", "Police Station", "Conference/Exhibition Centre",
]
POI_WEIGHTS = {
    "Supermarket": 25, "Parking Area": 25, "Petrol Station": 12, "Shopping Area": 6,
    "Sports/Recreation Area": 8, "Park/Open Space": 8, "Further/Higher Educational Building": 4,
    "Hospital": 3, "Police Station": 3, "Theatre/Concert Hall": 2, "Nightclub": 2,
}
POIS = set(POI_WEIGHTS) | set(CENTRE_POIS)
STREET_STEMS = [
    "Mill", "Church", "Station", "Orchard", "Willow", "Chestnut", "Meadow", "Brook", "Kings",
    "Queens", "Victoria", "Albert", "Park", "Manor", "Farm", "Spring", "Beech", "Oak", "Ash", "Elm",
    "Hawthorn", "Cedar", "Rowan", "Heather", "Primrose", "Foxglove", "Mallard", "Heron",
    "Kingfisher", "Swallow", "Wren", "Abbey", "Priory", "Castle", "Bridge", "Ferry", "Quarry",
    "Chapel", "School", "Market", "North", "South", "West", "East", "Hill", "Riverside", "Canal",
    "Wharf", "Tannery", "Brewery", "Forge", "Granary", "Cooper", "Fletcher", "Thatcher", "Wheeler",
    "Nelson", "Wellington", "Trafalgar", "Jubilee", "Coronation", "Windsor", "Stuart", "Tudor",
    "Lancaster", "York", "Clarence", "Beaufort", "Saxon", "Norman", "Roman", "Bishop'S",
    "St John'S", "St Mary'S", "Holly", "Larch", "Sycamore", "Poplar", "Hazel", "Juniper",
]
STREET_SUFFIXES = [
    "Road", "Street", "Lane", "Close", "Way", "Drive", "Avenue", "Crescent", "Gardens", "Court",
    "Walk", "Place", "Terrace", "Grove", "Mews", "Rise", "View", "Row", "Green", "Square",
]

# Stop and search vocabularies and mixes (from the real files).
SEARCH_TYPES = {"Person search": 76, "Person and Vehicle search": 20, "Vehicle search": 4}
SEARCH_HOUR_WEIGHTS = [
    143, 124, 97, 49, 48, 19, 34, 38, 53, 73, 91, 100,
    130, 140, 180, 166, 187, 156, 184, 167, 174, 182, 172, 148,
]
POLICING_OPERATION = {"": 73, "True": 25, "False": 2}
GENDERS = {"Male": 88, "Female": 11.5, "": 0.5}
AGE_RANGES = {"18-24": 30, "over 34": 25, "25-34": 23, "10-17": 18, "under 10": 0.2, "": 4}
OFFICER_ETHNICITY = {"White": 72, "Asian": 11.5, "Black": 10.5, "Other": 3.3, "": 2.7}
WHITE_BRITISH = "White - English/Welsh/Scottish/Northern Irish/British"
NOT_STATED = "Other ethnic group - Not stated"
SELF_ETHNICITY = {
    "White": {
        WHITE_BRITISH: 66, "White - Any other White background": 20, "White - Irish": 0.5,
        "White - Gypsy or Irish Traveller": 1, NOT_STATED: 9,
        "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": 1.5, "": 2,
    },
    "Asian": {
        "Asian/Asian British - Pakistani": 22,
        "Asian/Asian British - Any other Asian background": 35,
        "Asian/Asian British - Bangladeshi": 5, "Asian/Asian British - Indian": 4, NOT_STATED: 25,
        "Mixed/Multiple ethnic groups - White and Asian": 5, "": 4,
    },
    "Black": {
        "Black/African/Caribbean/Black British - African": 22,
        "Black/African/Caribbean/Black British - Caribbean": 6,
        "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": 35,
        "Mixed/Multiple ethnic groups - White and Black Caribbean": 6,
        "Mixed/Multiple ethnic groups - White and Black African": 4,
        "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": 5,
        NOT_STATED: 20, "": 2,
    },
    "Other": {
        "Other ethnic group - Any other ethnic group": 30, "Other ethnic group - Arab": 12,
        NOT_STATED: 35,
        "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": 15, "": 8,
    },
    "": {WHITE_BRITISH: 40, NOT_STATED: 30, "": 30},
}
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
SEARCH_OBJECTS = {  # object of search: (legislation, weight)
    "Controlled drugs": ("Misuse of Drugs Act 1971 (section 23)", 63),
    "Offensive weapons": (PACE, 16),
    "Article for use in theft": (PACE, 14.5),
    "Stolen goods": (PACE, 2.6),
    "Articles for use in criminal damage": (PACE, 1.2),
    "Firearms": ("Firearms Act 1968 (section 47)", 1.1),
    "Evidence of offences under the Act": (PACE, 0.4),
    "Fireworks": (PACE, 0.3),
    "Game or poaching equipment": ("Poaching Prevention Act 1862 (section 2)", 0.2),
    "Psychoactive substances": ("Psychoactive Substances Act 2016 (s36(2))", 0.15),
}
DRUG_ONLY_OUTCOMES = {"Khat or Cannabis warning", "Community resolution"}
SEARCH_OUTCOMES = {  # outcome: (weight, weights of "linked to object" True/False/blank)
    "A no further action disposal": (68, (14.8, 4.5, 80.7)),
    "Arrest": (19.5, (57, 10, 33)),
    "Community resolution": (8.5, (90, 5, 5)),
    "Summons / charged by post": (1.8, (78, 2, 20)),
    "Caution (simple or conditional)": (1.75, (94, 2, 4)),
    "Khat or Cannabis warning": (0.15, (100, 0, 0)),
}


@dataclass(frozen=True)
class _District:
    code: str  # "" for the district that no lookup knows
    name: str
    lsoa_count: int
    bbox: tuple[float, float, float, float]  # west, east, south, north
    utla: tuple[str, str]
    deprivation: float  # shift of the latent deprivation of its LSOAs
    group: str  # "area", "neighbour" or "unknown": normalises the crime volumes


# The unitary town sits in the middle; the shire districts around it; the neighbours (outside
# the partnership but patrolled by the same force) at the edges; "Marchbury" is in no lookup.
_DISTRICTS = [
    _District("E06999001", "Riverford", 82, (-1.31, -1.21, 51.13, 51.23),
              ("E06999001", "Riverford"), 0.8, "area"),
    _District("E07999001", "Eastmere", 48, (-1.21, -1.05, 51.04, 51.27),
              ("E10999001", "Mereshire"), 0.0, "area"),
    _District("E07999002", "Avon, Brook and Vale", 54, (-1.45, -1.31, 51.04, 51.27),
              ("E10999001", "Mereshire"), -0.2, "area"),
    _District("E07999003", "Kelsey Downs", 40, (-1.45, -1.05, 51.27, 51.34),
              ("E10999001", "Mereshire"), -0.5, "area"),
    _District("E07999010", "Northwold", 12, (-1.45, -1.05, 51.34, 51.40),
              ("E10999002", "Wealdshire"), -0.3, "neighbour"),
    _District("E07999011", "Saltmarsh", 10, (-1.05, -1.00, 51.04, 51.34),
              ("E10999002", "Wealdshire"), 0.2, "neighbour"),
    _District("", "Marchbury", 3, (-1.05, -1.00, 51.00, 51.04), ("", ""), 0.0, "unknown"),
]
DEMO_DISTRICTS: list[tuple[str, str]] = [(d.code, d.name) for d in _DISTRICTS if d.group == "area"]
# Outside the partnership area, but the force records a few crimes there.
NEIGHBOUR_DISTRICTS = [(d.code, d.name) for d in _DISTRICTS if d.group == "neighbour"]
_UNKNOWN_LSOA_FIRST = 899997  # E01899997.. : in no lookup at all
_TOWN_CENTRES = {"Riverford": (5, 10.0), "Eastmere": (1, 5.0)}  # hotspot LSOAs, rate multiplier


@dataclass(eq=False)
class _Lsoa11:
    """A 2011 LSOA: the code the force used before switching to 2021 codes."""

    name: str
    successor: _Lsoa  # best-fit 2021 LSOA, as in the real lookup (one row per 2011 LSOA)
    in_lookup: bool = True
    code: str = ""


@dataclass(frozen=True, eq=False)
class _SnapPoint:
    """An anonymised map point: police.uk moves every crime to one of a fixed set of these."""

    location: str
    longitude: str
    latitude: str
    lsoa11: _Lsoa11


@dataclass(eq=False)
class _Lsoa:
    district: _District
    name: str
    cell: tuple[float, float, float, float]  # west, east, south, north
    code: str = ""
    population: int = 0
    decile: int = 5
    hotspot: float = 1.0
    character: float = 1.0  # crime-proneness beyond deprivation and hotspots
    points: list[_SnapPoint] = field(default_factory=list)
    point_weights: dict[str, list[float]] = field(default_factory=dict)  # cumulative, by use

    @property
    def centre(self) -> tuple[float, float]:
        west, east, south, north = self.cell
        return (west + east) / 2, (south + north) / 2


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot((a[0] - b[0]) * 70.0, (a[1] - b[1]) * 111.0)


def _cells(district: _District) -> list[tuple[float, float, float, float]]:
    """LSOA cells on a grid over the district, north to south in a serpentine, so that
    consecutive LSOAs (grouped into MSOAs) are neighbours on the map."""
    west, east, south, north = district.bbox
    aspect = (east - west) * 70.0 / ((north - south) * 111.0)
    cols = max(1, round(math.sqrt(district.lsoa_count * aspect)))
    rows = math.ceil(district.lsoa_count / cols)
    width, height = (east - west) / cols, (north - south) / rows
    cells = []
    for row in range(rows):
        order = range(cols) if row % 2 == 0 else reversed(range(cols))
        top = north - row * height
        cells.extend((west + c * width, west + (c + 1) * width, top - height, top) for c in order)
    return cells[: district.lsoa_count]


def _msoa_names(draw: random.Random, district: _District) -> list[str]:
    names: list[str] = []
    msoa = 0
    while len(names) < district.lsoa_count:
        msoa += 1
        size = draw.choice([4, 5, 5, 6])
        names.extend(f"{district.name} {msoa:03d}{letter}" for letter in "ABCDEF"[:size])
    return names[: district.lsoa_count]


def _latest_sibling(lsoas: list[_Lsoa], lsoa: _Lsoa) -> str:
    return max(other.name for other in lsoas if other.name[:-1] == lsoa.name[:-1])


def _build_geography(rng: np.random.Generator, draw: random.Random) -> list[_Lsoa]:
    lsoas = [
        _Lsoa(district, name, cell)
        for district in _DISTRICTS
        for name, cell in zip(_msoa_names(draw, district), _cells(district), strict=True)
    ]
    order = {district.name: index for index, district in enumerate(_DISTRICTS)}
    placed = sorted((x for x in lsoas if x.district.group != "unknown"),
                    key=lambda x: (order[x.district.name], x.name))
    for number, lsoa in enumerate(placed, start=900001):
        lsoa.code = f"E01{number}"
    for number, lsoa in enumerate(x for x in lsoas if x.district.group == "unknown"):
        lsoa.code = f"E01{_UNKNOWN_LSOA_FIRST + number}"
    people = rng.normal(1700, 330, len(lsoas))
    character = rng.gamma(5.0, 0.2, len(lsoas))
    for lsoa, residents, proneness in zip(lsoas, people, character, strict=True):
        lsoa.population = int(min(3000, max(1000, residents)))
        lsoa.character = float(proneness)
    _mark_town_centres(lsoas)
    _assign_deciles(rng, placed)
    predecessors = _assign_predecessors(draw, placed)
    _place_snap_points(draw, lsoas, predecessors)
    return lsoas


def _district_centre(name: str) -> tuple[float, float]:
    west, east, south, north = next(d.bbox for d in _DISTRICTS if d.name == name)
    return (west + east) / 2, (south + north) / 2


def _mark_town_centres(lsoas: list[_Lsoa]) -> None:
    for district_name, (count, multiplier) in _TOWN_CENTRES.items():
        centre = _district_centre(district_name)
        own = [x for x in lsoas if x.district.name == district_name]
        for lsoa in sorted(own, key=lambda x: _km(x.centre, centre))[:count]:
            lsoa.hotspot = multiplier


def _assign_deciles(rng: np.random.Generator, lsoas: list[_Lsoa]) -> None:
    """Deprivation is a smooth latent field (worst in and around the town centres), cut into
    deciles so that the area shows every decile with a realistic, shire-like spread."""
    shares = np.array([7, 8, 9, 9, 10, 11, 11, 12, 12, 11], dtype=float)
    bounds = np.cumsum(shares) / shares.sum()
    riverford, eastmere = _district_centre("Riverford"), _district_centre("Eastmere")
    latent = [
        x.district.deprivation
        + 1.6 * math.exp(-_km(x.centre, riverford) / 2.5)
        + 0.7 * math.exp(-_km(x.centre, eastmere) / 1.5)
        + noise
        for x, noise in zip(lsoas, rng.normal(0, 0.5, len(lsoas)), strict=True)
    ]
    most_deprived_first = np.argsort(-np.array(latent), kind="stable")
    for position, index in enumerate(most_deprived_first):
        quantile = (position + 0.5) / len(lsoas)
        lsoas[index].decile = int(np.searchsorted(bounds, quantile)) + 1


def _assign_predecessors(draw: random.Random, lsoas: list[_Lsoa]) -> dict[_Lsoa, list[_Lsoa11]]:
    """2011 LSOAs: mostly one per 2021 LSOA, plus one split (Eastmere), one merge (Riverford)
    and two 2011 LSOAs missing from the lookup. Like the real best-fit lookup, a split 2011
    LSOA has one row only, so its second 2021 child is absent from the lookup."""
    predecessors = {lsoa: [_Lsoa11(lsoa.name, lsoa)] for lsoa in lsoas}
    quiet = [x for x in lsoas if x.hotspot == 1.0]

    def pick(district_name: str) -> _Lsoa:
        return draw.choice([x for x in quiet if x.district.name == district_name])

    # The split: the last-lettered LSOA of an Eastmere MSOA is new in 2021, carved out of the
    # LSOA lettered just before it; in 2011 both areas were recorded under the older code.
    last_of_msoa = [x for x in quiet if x.district.name == "Eastmere"
                    and x.name == _latest_sibling(lsoas, x) and not x.name.endswith("A")]
    new_child = draw.choice(last_of_msoa)
    older_name = new_child.name[:-1] + chr(ord(new_child.name[-1]) - 1)
    predecessors[new_child] = predecessors[next(x for x in lsoas if x.name == older_name)]

    merged = pick("Riverford")
    latest = _latest_sibling(lsoas, merged)
    predecessors[merged].append(_Lsoa11(latest[:-1] + chr(ord(latest[-1]) + 1), merged))

    for district_name in ("Avon, Brook and Vale", "Kelsey Downs"):
        predecessors[pick(district_name)][0].in_lookup = False

    order = {district.name: index for index, district in enumerate(_DISTRICTS)}
    distinct = {id(p): p for group in predecessors.values() for p in group}.values()
    ranked = sorted(distinct, key=lambda p: (order[p.successor.district.name], p.name))
    for number, lsoa11 in enumerate(ranked, start=800001):
        lsoa11.code = f"E01{number}"
    return predecessors


def _place_snap_points(draw: random.Random, lsoas: list[_Lsoa],
                       predecessors: dict[_Lsoa, list[_Lsoa11]]) -> None:
    streets = [f"{stem} {suffix}" for stem in STREET_STEMS for suffix in STREET_SUFFIXES]
    draw.shuffle(streets)
    next_street = iter(streets)
    for lsoa in lsoas:
        if lsoa.hotspot > 1.0:
            names = draw.sample(CENTRE_POIS, 3) + ["High Street", "Market Place"]
            names += [next(next_street) for _ in range(3)]
        else:
            names = [
                draw.choices(list(POI_WEIGHTS), list(POI_WEIGHTS.values()))[0]
                if draw.random() < 0.1 else next(next_street)
                for _ in range(draw.randint(3, 8))
            ]
        west, east, south, north = lsoa.cell
        own = predecessors.get(lsoa) or [_Lsoa11(lsoa.name, lsoa, False, lsoa.code)]
        for index, name in enumerate(names):
            lsoa.points.append(_SnapPoint(
                f"On or near {name}",
                f"{west + (0.05 + 0.9 * draw.random()) * (east - west):.6f}",
                f"{south + (0.05 + 0.9 * draw.random()) * (north - south):.6f}",
                own[index * len(own) // len(names)],
            ))
        busy = [2.0 if point.location[11:] in POIS else 1.0 for point in lsoa.points]
        shops = [b * (4.0 if p.location[11:] in SHOP_POIS else 1.0)
                 for b, p in zip(busy, lsoa.points, strict=True)]
        lsoa.point_weights = {"any": _cumulative(busy), "shop": _cumulative(shops)}


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _month_labels(end_month: str, count: int) -> list[str]:
    try:
        year, month = (int(part) for part in end_month.split("-"))
    except ValueError as error:
        raise ValueError(f"end_month must look like 2025-12, not {end_month!r}") from error
    if not 1 <= month <= 12:
        raise ValueError(f"end_month must look like 2025-12, not {end_month!r}")
    last = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - count + 1, last + 1)]


def _expected_records(lsoas: list[_Lsoa], labels: list[str]) -> np.ndarray:
    """Expected records per month, LSOA and crime type: population x deprivation x hotspot x
    LSOA character, scaled per group to the monthly volume, x season x recent trend."""
    weights = np.array([
        [
            lsoa.population * lsoa.character * lsoa.hotspot ** kind.hotspot
            * kind.deprivation ** ((5.5 - lsoa.decile) / 4.5)
            for kind in CRIME_TYPES
        ]
        for lsoa in lsoas
    ])
    shares = np.array([kind.share for kind in CRIME_TYPES])
    shares /= shares.sum()
    base = np.zeros_like(weights)
    for group, volume in MONTHLY_RECORDS.items():
        rows = np.array([lsoa.district.group == group for lsoa in lsoas])
        base[rows] = volume * shares * weights[rows] / weights[rows].sum(axis=0)
    month_of_year = np.array([int(label[5:]) for label in labels])
    amplitude = np.array([kind.seasonal for kind in CRIME_TYPES])
    season = 1 + amplitude * np.cos(2 * np.pi * (month_of_year[:, None] - 7) / 12)
    # A ramp over the last 12 months averaging +8% on the 12 months before.
    months_into_last_year = np.arange(len(labels)) - (len(labels) - 12)
    ramp = np.where(months_into_last_year >= 0, 1 + 0.16 * (months_into_last_year + 1) / 13, 1.0)
    trending = np.array([kind.trend for kind in CRIME_TYPES])
    trend = np.where(trending, ramp[:, None], 1.0)
    return base[None, :, :] * (season * trend)[:, None, :]


def _crime_id(seed: int, label: str, serial: int) -> str:
    return hashlib.sha256(f"svna-demo/{seed}/{label}/{serial}".encode()).hexdigest()


def _simulate_police_records(rng: np.random.Generator, draw: random.Random, seed: int,
                             lsoas: list[_Lsoa], labels: list[str], months: int,
                             expected: np.ndarray,
                             ) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]]]:
    """Street rows for the window's months and outcome rows (including outcomes of crimes
    recorded before the window) keyed by month label."""
    window = labels[-months:]
    first_window_index = len(labels) - months
    street: dict[str, list[list[str]]] = {label: [] for label in window}
    outcomes: dict[str, list[list[str]]] = {label: [] for label in window}
    counts = rng.poisson(expected)
    outcome_cum = {kind.name: _cumulative(list(kind.outcomes)) for kind in CRIME_TYPES}
    lag_cum = _cumulative(OUTCOME_LAG_WEIGHTS)
    serial = 0
    for month_index, label in enumerate(labels):
        uses_2011_codes = month_index - first_window_index < LSOA11_VINTAGE_MONTHS
        for lsoa_index, type_index in zip(*np.nonzero(counts[month_index]), strict=True):
            lsoa, kind = lsoas[lsoa_index], CRIME_TYPES[type_index]
            usage = "shop" if kind.name == "Shoplifting" else "any"
            for _ in range(counts[month_index, lsoa_index, type_index]):
                serial += 1
                hidden = lsoa.district.group == "area" and draw.random() < kind.no_location
                if hidden:
                    place = ["", "", "No Location", "", ""]
                else:
                    point = draw.choices(lsoa.points, cum_weights=lsoa.point_weights[usage])[0]
                    code, name = ((point.lsoa11.code, point.lsoa11.name) if uses_2011_codes
                                  else (lsoa.code, lsoa.name))
                    place = [point.longitude, point.latitude, point.location, code, name]
                if kind.name == ASB:
                    crime_id = category = ""
                else:
                    crime_id = _crime_id(seed, label, serial)
                    category = draw.choices(OUTCOME_CATEGORIES,
                                            cum_weights=outcome_cum[kind.name])[0]
                if label in street:
                    street[label].append([crime_id, label, FORCE_NAME, FORCE_NAME, *place,
                                          kind.name, category, ""])
                if category and category != "Status update unavailable":
                    if hidden:
                        place = ["", "", "No location", "", ""]  # sic: lower case in outcomes
                    outcome = OUTCOME_TYPE_OF_CATEGORY.get(category, category)
                    lag = draw.choices(range(len(lag_cum)), cum_weights=lag_cum)[0]
                    updates = [(lag, outcome)]
                    if draw.random() < 0.04:  # an update repeated, or a suspect found later
                        earlier = (outcome if draw.random() < 0.7
                                   else "Investigation complete; no suspect identified")
                        updates = [(lag, earlier), (lag + draw.randint(1, 4), outcome)]
                    for delay, outcome_type in updates:
                        update_index = month_index + delay
                        if first_window_index <= update_index < len(labels):
                            update_label = labels[update_index]
                            outcomes[update_label].append([crime_id, update_label, FORCE_NAME,
                                                           FORCE_NAME, *place, outcome_type])
    for label in window:
        _order_like_police_uk(draw, street[label])
        draw.shuffle(outcomes[label])
    for label in draw.sample(window, min(DUPLICATED_CRIMES, months)):
        rows = street[label]
        candidates = [i for i, row in enumerate(rows) if row[0] and row[4]]
        position = draw.choice(candidates)
        rows.insert(position + 1, list(rows[position]))
    return street, outcomes


# The demo's intervention (config/demo.yaml `interventions:`): a violence reduction scheme in
# the Riverford LSOAs nearest its town centre from DEMO_INTERVENTION_START prevents about a
# fifth of the serious violence published there (each such record dropped with probability
# 1 - rate ratio, with its outcome rows). It is applied after every record is drawn, from a
# random stream of its own, so every other row is as it would be without it.
DEMO_INTERVENTION_START = "2025-01"
DEMO_INTERVENTION_LSOAS = 3
DEMO_INTERVENTION_RATE_RATIO = 0.8
DEMO_INTERVENTION_TYPES = {"Violence and sexual offences", "Robbery", "Possession of weapons"}


def demo_intervention_lsoas(lsoas: list[_Lsoa]) -> list[_Lsoa]:
    centre = _district_centre("Riverford")
    own = [x for x in lsoas if x.district.name == "Riverford"]
    return sorted(own, key=lambda x: _km(x.centre, centre))[:DEMO_INTERVENTION_LSOAS]


def _apply_demo_intervention(seed: int, lsoas: list[_Lsoa], street: dict[str, list[list[str]]],
                             outcomes: dict[str, list[list[str]]]) -> None:
    rng = np.random.default_rng([seed, 0x1A7E])
    treated = {x.code for x in demo_intervention_lsoas(lsoas)}
    placed = {x.code: x.code for x in lsoas}  # a 2011 code counts where the lookup puts it
    placed.update({p.lsoa11.code: p.lsoa11.successor.code for x in lsoas for p in x.points})
    prevented: dict[str, bool] = {}  # by Crime ID: a duplicated row goes with its original
    for label in sorted(street):
        if label < DEMO_INTERVENTION_START:
            continue
        kept = []
        for row in street[label]:
            if row[9] in DEMO_INTERVENTION_TYPES and placed.get(row[7]) in treated:
                if row[0] not in prevented:
                    prevented[row[0]] = bool(rng.random() > DEMO_INTERVENTION_RATE_RATIO)
                if prevented[row[0]]:
                    continue
            kept.append(row)
        street[label] = kept
    gone = {crime_id for crime_id, dropped in prevented.items() if dropped}
    for label, rows in outcomes.items():
        outcomes[label] = [row for row in rows if row[0] not in gone]


def _order_like_police_uk(draw: random.Random, rows: list[list[str]]) -> None:
    """Published street files list located records by LSOA name, then unlocated ones by type."""
    draw.shuffle(rows)
    rows.sort(key=lambda row: (1, row[9]) if row[6] == "No Location" else (0, row[8]))


def _pick(draw: random.Random, weights: dict) -> str:
    return draw.choices(list(weights), list(weights.values()))[0]


def _simulate_stop_searches(rng: np.random.Generator, draw: random.Random, lsoas: list[_Lsoa],
                            expected: np.ndarray, window: list[str]) -> dict[str, list[list[str]]]:
    """Searches where drugs, weapons and violence are recorded, at the same snap points."""
    columns = [i for i, kind in enumerate(CRIME_TYPES)
               if kind.name in {"Drugs", "Possession of weapons", "Violence and sexual offences"}]
    lsoa_weights = expected.sum(axis=0)[:, columns].sum(axis=1)
    points, point_weights = [], []
    for lsoa, weight in zip(lsoas, lsoa_weights, strict=True):
        if lsoa.district.group != "unknown":
            points.extend(lsoa.points)
            point_weights.extend([weight / len(lsoa.points)] * len(lsoa.points))
    cum = _cumulative(point_weights)
    missing = window[max(0, len(window) - 1 - MISSING_STOP_SEARCH_MONTHS_BEFORE_END)]
    searches: dict[str, list[list[str]]] = {}
    for label in window:
        season = 1 + 0.10 * math.cos(2 * math.pi * (int(label[5:]) - 7) / 12)
        count = int(rng.poisson(MONTHLY_STOP_SEARCHES * season))
        if label == missing:
            continue
        year, month = int(label[:4]), int(label[5:])
        days = calendar.monthrange(year, month)[1]
        rows = [_stop_search(draw, label, days, draw.choices(points, cum_weights=cum)[0])
                for _ in range(count)]
        rows.sort(key=lambda row: row[1])
        searches[label] = rows
    return searches


def _stop_search(draw: random.Random, label: str, days: int, point: _SnapPoint) -> list[str]:
    search_type = _pick(draw, SEARCH_TYPES)
    second = 0 if draw.random() < 0.7 else draw.randint(0, 59)
    hour = draw.choices(range(24), SEARCH_HOUR_WEIGHTS)[0]
    minute = draw.randint(0, 59)
    date = f"{label}-{draw.randint(1, days):02d}T{hour:02d}:{minute:02d}:{second:02d}+00:00"
    latitude, longitude = ("", "") if draw.random() < 0.05 else (point.latitude, point.longitude)
    if search_type == "Vehicle search":
        gender = age = self_defined = officer_defined = removal = ""
    else:
        gender, age = _pick(draw, GENDERS), _pick(draw, AGE_RANGES)
        officer_defined = _pick(draw, OFFICER_ETHNICITY)
        self_defined = _pick(draw, SELF_ETHNICITY[officer_defined])
        removal = "True" if draw.random() < 0.015 else "False"
    target = draw.choices(list(SEARCH_OBJECTS), [w for _, w in SEARCH_OBJECTS.values()])[0]
    outcome = draw.choices(list(SEARCH_OUTCOMES), [w for w, _ in SEARCH_OUTCOMES.values()])[0]
    if outcome in DRUG_ONLY_OUTCOMES and target != "Controlled drugs":
        outcome = "A no further action disposal"
    linked = draw.choices(["True", "False", ""], SEARCH_OUTCOMES[outcome][1])[0]
    return [
        search_type, date, _pick(draw, POLICING_OPERATION), "", latitude, longitude, gender, age,
        self_defined, officer_defined, SEARCH_OBJECTS[target][0], target, outcome, linked,
        removal,
    ]


def _reflect_rank(rank: int) -> int:
    """Bounce a scattered rank back into 1..ENGLAND_LSOAS (clipping would pile ranks on 1)."""
    period = 2 * (ENGLAND_LSOAS - 1)
    offset = (rank - 1) % period
    return 1 + (offset if offset < ENGLAND_LSOAS else period - offset)


def _imd_row(rng: np.random.Generator, lsoa: _Lsoa) -> list[str]:
    """Ranks fall in the LSOA's decile band; domain ranks scatter around the overall rank;
    scores fall with rank roughly as in the real file."""
    low = (lsoa.decile - 1) * ENGLAND_LSOAS // 10 + 1
    high = lsoa.decile * ENGLAND_LSOAS // 10
    imd_rank = int(rng.integers(low, high + 1))
    ranks = [_reflect_rank(round(imd_rank + rng.normal(0, sd))) for sd in IMD_RANK_SCATTER]
    deciles = [f"{math.ceil(rank * 10 / ENGLAND_LSOAS)}.0" for rank in ranks]
    scores = [str(round(score(rank / ENGLAND_LSOAS), 3) + 0.0)
              for score, rank in zip(IMD_SCORE_CURVES, ranks, strict=True)]
    return [lsoa.code, *deciles, *(f"{rank}.0" for rank in ranks), *scores]


def _reference_tables(rng: np.random.Generator, lsoas: list[_Lsoa]) -> dict[str, tuple]:
    placed = sorted((x for x in lsoas if x.district.group != "unknown"), key=lambda x: x.code)
    lsoa11s = sorted({id(p.lsoa11): p.lsoa11 for x in placed for p in x.points}.values(),
                     key=lambda p: p.code)
    lookup11 = [p for p in lsoa11s if p.in_lookup]
    return {
        "lsoa21_to_lad23.csv": (False, LSOA21_LAD_HEADER, [
            [x.code, x.name, x.district.code, x.district.name, *x.district.utla] for x in placed
        ]),
        "lsoa11_to_lsoa21_to_lad.csv": (True, LSOA11_LOOKUP_HEADER, [
            [str(object_id), p.code, p.name, p.successor.code, p.successor.name,
             p.successor.district.code, p.successor.district.name, ""]
            for object_id, p in enumerate(lookup11, start=1)
        ]),
        "lsoa_population.csv": (True, POPULATION_HEADER,
                                [[x.code, str(x.population)] for x in placed]),
        "imd2025_england_lsoa21.csv": (False, IMD_HEADER, [_imd_row(rng, x) for x in placed]),
    }


# ---------------------------------------------------------------------------------------------
# The force's own crime extract (offences, victims, suspects), first in the canonical form of
# sql/staging/force_*.yml, then, for the last 12 months, as exported by the force's new
# records system "Athena" (one XLSX workbook a month in the system's own shape, mapped by
# config/mappings/demo-athena-*.yml). Drawn from RNG streams of its own so that the
# police.uk files stay byte-identical to a run without it.
# ---------------------------------------------------------------------------------------------

FORCE_EXTRACT_DIR = "force_extract"
ATHENA_MONTHS = 12  # the last months of the window come from the new system
# People are simulated this many months before the window too, so that repeat victims and
# re-offending suspects are as common in the first months as in the last.
FORCE_BURN_IN_MONTHS = 12
FORCE_OFFENCES_HEADER = [
    "crime_reference", "recorded_date", "committed_from", "committed_to", "offence_code",
    "offence_description", "lsoa_code", "longitude", "latitude", "knife_flag", "firearm_flag",
    "domestic_abuse_flag", "outcome_code", "outcome_date",
]
FORCE_VICTIMS_HEADER = ["crime_reference", "person_id", "age", "sex", "ethnicity", "repeat_victim"]
FORCE_SUSPECTS_HEADER = ["crime_reference", "person_id", "age", "sex", "ethnicity", "outcome_code"]
ATHENA_OFFENCES_HEADER = [
    "Occurrence Reference", "HO Code", "Offence Description", "Date Recorded", "Committed From",
    "Committed To", "Beat", "LSOA", "Long", "Lat", "Domestic Abuse", "Knife Used",
    "Firearm Involved", "Outcome Type", "Outcome Date",
]
ATHENA_VICTIMS_HEADER = [
    "Occurrence Reference", "Person URN", "Victim Name", "Date of Birth", "Gender",
    "Self Defined Ethnicity", "Home Address", "Repeat Victim", "Offence Date",
]
ATHENA_SUSPECTS_HEADER = [
    "Occurrence Reference", "Person URN", "Suspect Name", "Date of Birth", "Gender",
    "Self Defined Ethnicity", "Home Address", "Arrested", "Suspect Outcome", "Offence Date",
]
ATHENA_SHEETS = {"Offences": ATHENA_OFFENCES_HEADER, "Victims": ATHENA_VICTIMS_HEADER,
                 "Suspects": ATHENA_SUSPECTS_HEADER}
ATHENA_DATE = "%d/%m/%Y"
ATHENA_DATETIME = "%d/%m/%Y %H:%M"
ATHENA_SEX = {"M": "Male", "F": "Female", "U": "Unknown"}
ATHENA_YES_NO = {"Y": "Yes", "N": "No"}
# Athena's outcome field: "OT" and the two-digit Home Office outcome; open crimes say "OPEN".
ATHENA_OPEN = "OPEN"
ATHENA_APPLICATION = "Athena Reporting Services"

# The 18+1 self-defined ethnicity codes (Arab is O2: O1 was Chinese in the 16+1 codes) and
# Athena's labels for them.
ETHNICITY_18_PLUS_1 = {
    "W1": "White - British", "W2": "White - Irish", "W3": "White - Gypsy or Irish Traveller",
    "W9": "White - Any other White background",
    "M1": "Mixed - White and Black Caribbean", "M2": "Mixed - White and Black African",
    "M3": "Mixed - White and Asian", "M9": "Mixed - Any other Mixed background",
    "A1": "Asian - Indian", "A2": "Asian - Pakistani", "A3": "Asian - Bangladeshi",
    "A4": "Asian - Chinese", "A9": "Asian - Any other Asian background",
    "B1": "Black - Caribbean", "B2": "Black - African", "B9": "Black - Any other Black background",
    "O2": "Other - Arab", "O9": "Other - Any other ethnic group", "NS": "Not Stated",
}

# Census 2021 TS021 "Ethnic group (20 categories)": code, ONS label, the 18+1 code it falls in.
CENSUS_ETHNIC_GROUPS = [
    (-8, "Does not apply", ""),
    (1, "Asian, Asian British or Asian Welsh: Bangladeshi", "A3"),
    (2, "Asian, Asian British or Asian Welsh: Chinese", "A4"),
    (3, "Asian, Asian British or Asian Welsh: Indian", "A1"),
    (4, "Asian, Asian British or Asian Welsh: Pakistani", "A2"),
    (5, "Asian, Asian British or Asian Welsh: Other Asian", "A9"),
    (6, "Black, Black British, Black Welsh, Caribbean or African: African", "B2"),
    (7, "Black, Black British, Black Welsh, Caribbean or African: Caribbean", "B1"),
    (8, "Black, Black British, Black Welsh, Caribbean or African: Other Black", "B9"),
    (9, "Mixed or Multiple ethnic groups: White and Asian", "M3"),
    (10, "Mixed or Multiple ethnic groups: White and Black African", "M2"),
    (11, "Mixed or Multiple ethnic groups: White and Black Caribbean", "M1"),
    (12, "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "M9"),
    (13, "White: English, Welsh, Scottish, Northern Irish or British", "W1"),
    (14, "White: Irish", "W2"),
    (15, "White: Gypsy or Irish Traveller", "W3"),
    (16, "White: Roma", "W9"),
    (17, "White: Other White", "W9"),
    (18, "Other ethnic group: Arab", "O2"),
    (19, "Other ethnic group: Any other ethnic group", "O9"),
]
CENSUS_ETHNICITY_HEADER = [
    "Lower tier local authorities Code", "Lower tier local authorities",
    "Ethnic group (20 categories) Code", "Ethnic group (20 categories)", "Observation",
]
CENSUS_AGE_HEADER = [
    "Lower tier local authorities Code", "Lower tier local authorities",
    "Age (101 categories) Code", "Age (101 categories)", "Observation",
]
# Shares of usual residents over census codes 1..19 by kind of district (the unitary town is
# the most diverse; the shire districts much less), before a little per-district noise.
CENSUS_ETHNIC_SHARES = {
    "town": [1.0, 0.8, 3.0, 3.5, 2.0, 2.8, 0.8, 0.5, 0.9, 0.5, 0.9, 0.8, 73.5, 0.6, 0.2, 0.2,
             7.5, 0.4, 1.1],
    "small town": [0.2, 0.4, 1.2, 0.6, 1.0, 1.0, 0.3, 0.2, 0.7, 0.3, 0.5, 0.5, 86.0, 0.5, 0.3,
                   0.1, 5.0, 0.2, 0.5],
    "shire": [0.1, 0.3, 0.8, 0.2, 0.6, 0.4, 0.2, 0.1, 0.6, 0.2, 0.3, 0.4, 91.0, 0.5, 0.4, 0.05,
              4.0, 0.1, 0.3],
}
# Single-year age profile (relative residents per year of age) of a town and of a shire
# district: students and young workers in the town, older people in the shires.
AGE_PROFILE_KNOTS = [  # age, town, shire
    (0, 1.10, 0.95), (4, 1.15, 1.05), (10, 1.20, 1.20), (15, 1.15, 1.22), (17, 1.15, 1.15),
    (19, 1.45, 0.85), (22, 1.55, 0.90), (28, 1.55, 1.05), (35, 1.45, 1.15), (45, 1.30, 1.35),
    (55, 1.30, 1.50), (60, 1.15, 1.40), (65, 1.00, 1.25), (70, 0.90, 1.20), (75, 0.75, 1.00),
    (80, 0.55, 0.70), (85, 0.35, 0.45), (90, 0.15, 0.20), (95, 0.05, 0.06), (99, 0.01, 0.012),
    (100, 0.012, 0.015),
]
_DISTRICT_KIND = {"Riverford": "town", "Eastmere": "small town"}  # the rest: shire


@dataclass(frozen=True)
class _OffenceKind:
    """One Home Office offence code: monthly volume (average season, before the trend) and
    how its crimes look."""

    code: str
    description: str
    group: str  # violence, sexual, robbery, weapons, damage, public_order
    monthly: float
    domestic: float  # share flagged domestic abuse
    knife: float  # share with a knife or sharp instrument used or threatened
    firearm: float
    suspected: float  # share with a suspect (domestic abuse: at least DOMESTIC_SUSPECTED)
    victim: str  # victim profile, "" if the crime has no victim (possession offences)
    suspect: str  # suspect profile


OFFENCE_KINDS = [
    _OffenceKind("1", "Murder", "violence", 0.35, 0.25, 0.40, 0.03, 0.95, "homicide", "violence"),
    _OffenceKind("2", "Attempted murder", "violence", 0.9, 0.25, 0.50, 0.05, 0.9, "homicide",
                 "violence"),
    _OffenceKind("3A", "Conspiracy to murder", "violence", 0.1, 0.0, 0.0, 0.0, 1.0, "violence",
                 "violence"),
    _OffenceKind("3B", "Threats to kill", "violence", 10, 0.35, 0.08, 0.01, 0.75, "violence",
                 "violence"),
    _OffenceKind("4.1", "Manslaughter", "violence", 0.08, 0.10, 0.10, 0.0, 1.0, "homicide",
                 "violence"),
    _OffenceKind("5D", "Assault with intent to cause serious harm", "violence", 17, 0.20, 0.25,
                 0.0, 0.6, "violence", "violence"),
    _OffenceKind("5E", "Endangering life", "violence", 3, 0.10, 0.05, 0.02, 0.6, "violence",
                 "violence"),
    _OffenceKind("8N", "Assault with injury", "violence", 270, 0.38, 0.04, 0.001, 0.5,
                 "violence", "violence"),
    _OffenceKind("8P", "Racially or religiously aggravated assault with injury", "violence", 4,
                 0.02, 0.03, 0.0, 0.55, "violence", "violence"),
    _OffenceKind("105A", "Assault without injury", "violence", 500, 0.33, 0.01, 0.0, 0.45,
                 "violence", "violence"),
    _OffenceKind("105B", "Racially or religiously aggravated assault without injury", "violence",
                 12, 0.02, 0.0, 0.0, 0.55, "violence", "violence"),
    _OffenceKind("8M", "Racially or religiously aggravated harassment", "violence", 22, 0.03, 0.0,
                 0.0, 0.6, "public", "violence"),
    _OffenceKind("19C", "Rape of a female aged 16 and over", "sexual", 22, 0.35, 0.01, 0.0, 0.7,
                 "rape16", "sexual"),
    _OffenceKind("19D", "Rape of a female child under 16", "sexual", 6, 0.10, 0.0, 0.0, 0.7,
                 "rape_child", "sexual"),
    _OffenceKind("20A", "Sexual assault on a female aged 13 and over", "sexual", 32, 0.08, 0.0,
                 0.0, 0.5, "assault_f13", "sexual"),
    _OffenceKind("17A", "Sexual assault on a male aged 13 and over", "sexual", 4, 0.05, 0.0, 0.0,
                 0.5, "assault_m13", "sexual"),
    _OffenceKind("34A", "Robbery of business property", "robbery", 4, 0.0, 0.15, 0.03, 0.35,
                 "robbery", "robbery"),
    _OffenceKind("34B", "Robbery of personal property", "robbery", 22, 0.02, 0.12, 0.005, 0.35,
                 "robbery", "robbery"),
    _OffenceKind("10A", "Possession of firearms with intent", "weapons", 0.4, 0.0, 0.0, 0.9, 0.95,
                 "", "robbery"),
    _OffenceKind("10C", "Possession of other weapons", "weapons", 8, 0.0, 0.0, 0.0, 0.97, "",
                 "robbery"),
    _OffenceKind("10D", "Possession of article with blade or point", "weapons", 24, 0.0, 0.92,
                 0.0, 0.97, "", "robbery"),
    _OffenceKind("81", "Other firearms offences", "weapons", 1.2, 0.0, 0.0, 1.0, 0.9, "",
                 "robbery"),
    _OffenceKind("58A", "Criminal damage to a dwelling", "damage", 75, 0.30, 0.0, 0.0, 0.3,
                 "damage", "damage"),
    _OffenceKind("58C", "Criminal damage to a vehicle", "damage", 85, 0.10, 0.0, 0.0, 0.2,
                 "damage", "damage"),
    _OffenceKind("9A", "Public fear, alarm or distress", "public_order", 190, 0.08, 0.01, 0.0,
                 0.55, "public", "damage"),
    _OffenceKind("66", "Other offences against the State or public order", "public_order", 5,
                 0.0, 0.0, 0.0, 0.8, "", "damage"),
]
# Which police.uk crime type's geography (LSOA weights), season and trend each group follows.
GROUP_CRIME_TYPE = {
    "violence": "Violence and sexual offences", "sexual": "Violence and sexual offences",
    "robbery": "Robbery", "weapons": "Possession of weapons",
    "damage": "Criminal damage and arson", "public_order": "Public order",
}
HOMICIDE_CODES = {"1", "2", "3A", "4.1"}
FATAL_CODES = {"1", "4.1"}
DOMESTIC_SUSPECTED = 0.85
EXTRA_VICTIMS = _cumulative([91.5, 7.5, 1.0])  # cumulative weights of 0, 1, 2 more victims
SUSPECT_COUNTS = {False: _cumulative([82, 13, 5]), True: _cumulative([60, 28, 12])}  # robbery
HOURS = list(range(24))

# Age bands (low, high, weight) and sex weights of victims and suspects by profile: victims
# and above all suspects of street violence are young; serious youth violence is visible.
VICTIM_PROFILES = {
    "violence": ([(0, 9, 3), (10, 17, 14), (18, 24, 17), (25, 34, 22), (35, 44, 18),
                  (45, 54, 13), (55, 64, 8), (65, 90, 5)], {"M": 58, "F": 41.3, "U": 0.7}),
    "domestic": ([(16, 17, 2), (18, 24, 20), (25, 34, 33), (35, 44, 25), (45, 54, 12),
                  (55, 64, 5), (65, 90, 3)], {"M": 25, "F": 74.5, "U": 0.5}),
    "homicide": ([(1, 9, 3), (10, 17, 8), (18, 24, 22), (25, 44, 40), (45, 64, 20),
                  (65, 90, 7)], {"M": 70, "F": 30}),
    "robbery": ([(10, 17, 25), (18, 24, 25), (25, 34, 20), (35, 54, 20), (55, 85, 10)],
                {"M": 72, "F": 27.5, "U": 0.5}),
    "rape16": ([(16, 17, 10), (18, 24, 35), (25, 34, 30), (35, 44, 15), (45, 70, 10)],
               {"F": 100}),
    "rape_child": ([(13, 15, 1)], {"F": 100}),
    "assault_f13": ([(13, 17, 25), (18, 24, 30), (25, 34, 20), (35, 54, 20), (55, 80, 5)],
                    {"F": 100}),
    "assault_m13": ([(13, 17, 30), (18, 34, 40), (35, 70, 30)], {"M": 100}),
    "damage": ([(18, 24, 8), (25, 44, 40), (45, 64, 35), (65, 90, 17)],
               {"M": 50, "F": 49, "U": 1}),
    "public": ([(10, 17, 10), (18, 24, 15), (25, 44, 35), (45, 64, 28), (65, 90, 12)],
               {"M": 50, "F": 49.3, "U": 0.7}),
}
SUSPECT_PROFILES = {
    "violence": ([(10, 17, 22), (18, 24, 25), (25, 34, 25), (35, 44, 15), (45, 54, 8),
                  (55, 80, 5)], {"M": 82, "F": 17, "U": 1}),
    "domestic": ([(16, 17, 2), (18, 24, 18), (25, 34, 35), (35, 44, 27), (45, 54, 12),
                  (55, 80, 6)], {"M": 80, "F": 19.5, "U": 0.5}),
    "robbery": ([(10, 17, 35), (18, 24, 35), (25, 34, 18), (35, 54, 12)],
                {"M": 90, "F": 9, "U": 1}),
    "sexual": ([(10, 17, 15), (18, 24, 20), (25, 34, 22), (35, 54, 30), (55, 80, 13)],
               {"M": 97, "F": 2.5, "U": 0.5}),
    "damage": ([(10, 17, 20), (18, 24, 22), (25, 34, 25), (35, 44, 17), (45, 70, 16)],
               {"M": 78, "F": 21, "U": 1}),
}
# Suspects' ethnicity relative to the residents': the disproportionality an assessment shows.
SUSPECT_ETHNICITY_RATIO = {"B1": 2.5, "B2": 2.2, "B9": 2.8, "M1": 1.8, "M2": 1.6, "M9": 1.3,
                           "A2": 1.3, "A1": 0.6, "A4": 0.3, "W9": 1.1, "O9": 1.2}
VICTIM_NOT_STATED, SUSPECT_NOT_STATED = 0.08, 0.11
# Ethnicity left blank: from this share in the first month down to the last (improving).
ETHNICITY_BLANK = (0.055, 0.01)
AGE_UNKNOWN = 0.015  # no date of birth recorded

# Offence-level outcomes of crimes with a suspect, by group (weights); crimes without one
# end as 18 (investigation complete, no suspect) or 14 (evidential difficulties).
OUTCOMES_WITH_SUSPECT = {
    "violence": {"1": 15, "3": 3, "8": 7, "22": 5, "14": 3, "15": 28, "16": 39},
    "domestic": {"1": 16, "3": 2, "8": 1, "22": 1.5, "14": 2, "15": 26, "16": 51.5},
    "homicide": {"1": 75, "15": 20, "16": 5},
    "sexual": {"1": 7, "3": 1, "22": 1, "14": 4, "15": 47, "16": 40},
    "robbery": {"1": 30, "3": 3, "8": 3, "22": 6, "14": 5, "15": 38, "16": 15},
    "weapons": {"1": 45, "3": 10, "8": 8, "22": 7, "15": 28, "16": 2},
    "damage": {"1": 12, "3": 3, "8": 15, "22": 7, "14": 4, "15": 30, "16": 29},
    "public_order": {"1": 14, "3": 3, "8": 10, "22": 6, "14": 3, "15": 30, "16": 34},
}
YOUTH_OUTCOME_FACTOR = {"22": 3.0, "8": 1.5, "3": 1.5, "1": 0.6}  # youngest suspect under 18
# Days from recording to the outcome: gamma(shape, scale) + 1. Outcomes later than the
# extract date are not known yet (outcome 0), so recent months show many open crimes.
OUTCOME_DELAY = {"18": (1.5, 15), "14": (2, 30), "15": (2, 55), "16": (1.5, 30), "1": (2, 40),
                 "3": (2, 20), "8": (1.5, 12), "22": (2, 25)}
POSITIVE_OUTCOMES = {"1", "3", "8", "22"}

# When crimes are committed: hour-of-day weights, and day-of-week weights (Monday first).
HOUR_WEIGHTS = {
    "night": [70, 60, 45, 30, 18, 10, 8, 10, 14, 20, 26, 32, 38, 42, 46, 52, 60, 66, 72, 78, 84,
              90, 92, 84],
    "domestic": [40, 30, 22, 15, 10, 8, 10, 16, 22, 26, 30, 34, 38, 42, 46, 52, 60, 68, 76, 82,
                 84, 80, 70, 55],
    "damage": [60, 50, 40, 30, 20, 14, 14, 18, 24, 28, 30, 32, 34, 36, 40, 46, 52, 58, 64, 70, 76,
               80, 78, 70],
    "weapons": SEARCH_HOUR_WEIGHTS,
}
DAY_WEIGHTS = {
    "night": [0.85, 0.85, 0.9, 0.95, 1.1, 1.35, 1.2],
    "domestic": [1.0, 0.95, 0.95, 0.95, 1.0, 1.15, 1.2],
    "damage": [1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.05],
    "weapons": [1.0, 1.0, 1.0, 1.0, 1.1, 1.15, 1.0],
}
# Days from the crime to its recording: (low, high, weight).
RECORDING_LAG = {
    "sexual": [(0, 0, 25), (1, 6, 25), (7, 60, 20), (61, 3650, 30)],
    "other": [(0, 0, 55), (1, 1, 22), (2, 6, 15), (7, 60, 7), (61, 365, 1)],
}
# Person re-use: repeat victims (within 12 months), re-offending suspects, and people seen
# on both sides (victims who later offend and offenders who are later victims).
REPEAT_VICTIM = {"domestic": 0.28, "other": 0.11}
REPEAT_SUSPECT = 0.22
VICTIM_LATER_SUSPECT = 0.05
SUSPECT_LATER_VICTIM = 0.04
FAKE_GIVEN_NAMES = ["Alex", "Sam", "Jo", "Chris", "Robin", "Charlie", "Jamie", "Morgan", "Taylor",
                    "Casey", "Jordan", "Drew", "Frankie", "Kit", "Rowan", "Sky"]
FAKE_SURNAMES = ["Fakename", "Notreal", "Madeup", "Placeholder", "Synthetic", "Testcase",
                 "Dummyson", "Fictional"]


@dataclass(eq=False)
class _Person:
    number: int
    sex: str
    born: datetime.date
    ethnicity: str  # the person's 18+1 code; records may say NS or nothing
    district: str
    last_victim: int = -999  # month index of the latest victimisation
    dead: bool = False

    @property
    def canonical_id(self) -> str:
        return f"P{3000000 + self.number:07d}"

    @property
    def athena_id(self) -> str:
        # 7919 is prime to 900000: a bijection onto 100000..999999, unrelated to the other id.
        return f"URN-{(self.number * 7919 + 104729) % 900000 + 100000:06d}"

    def fake_name(self) -> str:
        return (f"{FAKE_GIVEN_NAMES[self.number % len(FAKE_GIVEN_NAMES)]} "
                f"{FAKE_SURNAMES[self.number // len(FAKE_GIVEN_NAMES) % len(FAKE_SURNAMES)]}")

    def fake_address(self) -> str:
        return (f"{self.number % 97 + 1} Synthetic "
                f"{STREET_SUFFIXES[self.number % len(STREET_SUFFIXES)]}, {self.district}, "
                f"ZZ99 {self.number % 9 + 1}ZZ")


@dataclass(eq=False)
class _Party:
    """A victim or suspect of one crime, as recorded."""

    person: _Person
    age: int | None
    ethnicity: str  # as recorded: a code, NS or ""
    repeat: bool = False
    outcome: str = ""  # suspects: own outcome where it differs from the crime's


@dataclass(eq=False)
class _ForceCrime:
    serial: int  # per system and year
    kind: _OffenceKind
    recorded: datetime.date
    committed_from: datetime.datetime
    committed_to: datetime.datetime | None
    lsoa: _Lsoa
    lsoa_code: str  # "" for the ~2% recorded with coordinates only
    longitude: str
    latitude: str
    knife: bool
    firearm: bool
    domestic: bool
    outcome: str = "0"
    outcome_date: datetime.date | None = None
    victims: list[_Party] = field(default_factory=list)
    suspects: list[_Party] = field(default_factory=list)


def _cum_bands(bands: list[tuple[int, int, float]]) -> tuple[list, list[float]]:
    return bands, _cumulative([w for _, _, w in bands])


def _choose(draw: random.Random, items: list, cum_weights: list[float]):
    """draw.choices(items, cum_weights=...)[0] without its overhead (the same draw)."""
    return items[bisect(cum_weights, draw.random() * cum_weights[-1], 0, len(cum_weights) - 1)]


def _draw_band(draw: random.Random, banded: tuple[list, list[float]]) -> int:
    low, high, _ = _choose(draw, banded[0], banded[1])
    return draw.randint(low, high)


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _born_for_age(draw: random.Random, age: int, day: datetime.date) -> datetime.date:
    """A date of birth that makes the person exactly `age` on `day`."""
    latest = _shift_years(day, -age)
    born = latest - datetime.timedelta(days=draw.randint(0, 364))
    return born if _age_on(born, day) == age else latest


def _shift_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _ethnicity_weights(rng: np.random.Generator) -> dict[str, dict[str, tuple[list, list]]]:
    """Per district: census shares over codes 1..19, and cumulative weights over the 18+1
    codes for victims (as the residents) and suspects (disproportionate)."""
    out = {}
    for district in _DISTRICTS:
        base = np.array(CENSUS_ETHNIC_SHARES[_DISTRICT_KIND.get(district.name, "shire")])
        noise = np.exp(rng.normal(0, 0.12, len(base)))
        noise[12] = 1.0  # White British: the rest is noisy around it
        shares = base * noise / (base * noise).sum()
        codes: dict[str, float] = {}
        for (_, _, code), share in zip(CENSUS_ETHNIC_GROUPS[1:], shares, strict=True):
            codes[code] = codes.get(code, 0.0) + float(share)
        names = sorted(codes)
        suspect = [codes[c] * SUSPECT_ETHNICITY_RATIO.get(c, 1.0) for c in names]
        out[district.name] = {
            "census": list(shares),
            "victim": (names, _cumulative([codes[c] for c in names])),
            "suspect": (names, _cumulative(suspect)),
        }
    return out


class _ForceSimulation:
    """Crimes month by month, with a pool of people so that victims repeat and some people
    are both victims and suspects."""

    def __init__(self, seed: int, lsoas: list[_Lsoa], expected: np.ndarray,
                 labels: list[str], window_start: int, extract_date: datetime.date,
                 ethnicity: dict) -> None:
        self.draw = random.Random(f"svna-demo/force-extract/{seed}")
        self.rng = np.random.default_rng([seed, 0x5F0CE])
        self.lsoas = lsoas
        self.labels = labels
        self.window_start = window_start
        self.extract_date = extract_date
        self.ethnicity = ethnicity
        type_index = {kind.name: i for i, kind in enumerate(CRIME_TYPES)}
        # Relative LSOA weights do not change from month to month: take them from month 0.
        self.lsoa_cum = {group: _cumulative(list(expected[0, :, type_index[name]]))
                         for group, name in GROUP_CRIME_TYPE.items()}
        self.group_type = {group: CRIME_TYPES[type_index[name]]
                           for group, name in GROUP_CRIME_TYPE.items()}
        self.victim_profiles = {k: (_cum_bands(b), list(s), _cumulative(list(s.values())))
                                for k, (b, s) in VICTIM_PROFILES.items()}
        self.suspect_profiles = {k: (_cum_bands(b), list(s), _cumulative(list(s.values())))
                                 for k, (b, s) in SUSPECT_PROFILES.items()}
        self.hours = {k: [_cumulative([w * (self._night_boost(k, day, h))
                                       for h, w in enumerate(weights)]) for day in range(7)]
                      for k, weights in HOUR_WEIGHTS.items()}
        self.lags = {k: _cum_bands(v) for k, v in RECORDING_LAG.items()}
        self.people = 0
        self.victim_pools: dict[str, dict[int, list[_Person]]] = {"domestic": {}, "other": {}}
        self.suspect_pool: dict[int, list[_Person]] = {}
        self.recent: dict[str, list[_Person]] = {}
        self.serials: dict[tuple[str, int], int] = {}

    @staticmethod
    def _night_boost(kind: str, day: int, hour: int) -> float:
        """The night-time economy: Friday and Saturday evenings, and the small hours of
        Saturday and Sunday."""
        if kind != "night":
            return 1.0
        if day in (5, 6) and hour <= 4:
            return 2.6
        if day in (4, 5) and hour >= 19:
            return 1.6
        return 1.0

    def run(self) -> dict[str, list[_ForceCrime]]:
        crimes: dict[str, list[_ForceCrime]] = {}
        for month_index, label in enumerate(self.labels):
            self._refresh_recent(month_index)
            crimes[label] = self._month(month_index, label)
        return crimes

    def _refresh_recent(self, month_index: int) -> None:
        """People seen in the 12 months before this one, to draw repeats from."""
        def last_year(pool: dict[int, list[_Person]]) -> list[_Person]:
            return [p for m in range(month_index - 12, month_index) for p in pool.get(m, ())]
        self.recent = {
            "domestic": last_year(self.victim_pools["domestic"]),
            "other": last_year(self.victim_pools["other"]),
            "suspect": last_year(self.suspect_pool),
        }

    def _month(self, month_index: int, label: str) -> list[_ForceCrime]:
        year, month = int(label[:4]), int(label[5:])
        days = calendar.monthrange(year, month)[1]
        into_last_year = month_index - (len(self.labels) - 12)
        ramp = 1 + 0.16 * (into_last_year + 1) / 13 if into_last_year >= 0 else 1.0
        uses_2011_codes = month_index - self.window_start < LSOA11_VINTAGE_MONTHS
        blank_ethnicity = self._blank_ethnicity(month_index)
        crimes = []
        for kind in OFFENCE_KINDS:
            crime_type = self.group_type[kind.group]
            season = 1 + crime_type.seasonal * math.cos(2 * math.pi * (month - 7) / 12)
            mean = kind.monthly * season * (ramp if crime_type.trend else 1.0)
            count = int(self.rng.poisson(mean))
            if not count:
                continue
            places = self.draw.choices(self.lsoas, cum_weights=self.lsoa_cum[kind.group], k=count)
            for lsoa in places:
                crime = self._crime(kind, lsoa, year, month, days, uses_2011_codes)
                self._parties(crime, month_index, blank_ethnicity)
                self._outcome(crime)
                crimes.append(crime)
        crimes.sort(key=lambda c: (c.recorded, c.committed_from))
        for crime in crimes:
            key = ("canonical" if month_index < len(self.labels) - ATHENA_MONTHS else "athena",
                   year)
            self.serials[key] = self.serials.get(key, 0) + 1
            crime.serial = self.serials[key]
        return crimes

    def _blank_ethnicity(self, month_index: int) -> float:
        first, last = ETHNICITY_BLANK
        span = max(1, len(self.labels) - 1 - self.window_start)
        progress = min(1.0, max(0.0, (month_index - self.window_start) / span))
        return first + (last - first) * progress

    def _crime(self, kind: _OffenceKind, lsoa: _Lsoa, year: int, month: int, days: int,
               uses_2011_codes: bool) -> _ForceCrime:
        draw = self.draw
        domestic = draw.random() < kind.domestic
        timing = ("domestic" if domestic else "weapons" if kind.group == "weapons"
                  else "damage" if kind.group == "damage" else "night")
        lag_kind = "sexual" if kind.group == "sexual" else "other"
        day_weights = DAY_WEIGHTS[timing]
        while True:
            recorded = datetime.date(year, month, draw.randint(1, days))
            committed = recorded - datetime.timedelta(days=_draw_band(draw, self.lags[lag_kind]))
            if draw.random() * 1.4 < day_weights[committed.weekday()]:
                break
        hour = _choose(draw, HOURS, self.hours[timing][committed.weekday()])
        minute = draw.randrange(0, 60, 5) if draw.random() < 0.4 else draw.randint(0, 59)
        start = datetime.datetime(committed.year, committed.month, committed.day, hour, minute)
        end = None
        spans = {"damage": 0.55, "domestic": 0.35}.get(timing, 0.28)
        if draw.random() < spans:
            minutes = (draw.randint(120, 720) if timing == "damage"
                       else draw.randint(30, 60 * 24 * 400) if lag_kind == "sexual"
                       and (recorded - committed).days > 60 else draw.randint(10, 360))
            end = start + datetime.timedelta(minutes=minutes)
            if end.date() > recorded:
                end = None
        west, east, south, north = lsoa.cell
        longitude = f"{west + (0.05 + 0.9 * draw.random()) * (east - west):.6f}"
        latitude = f"{south + (0.05 + 0.9 * draw.random()) * (north - south):.6f}"
        if draw.random() < 0.02:
            code = ""
        elif uses_2011_codes:
            code = draw.choice(lsoa.points).lsoa11.code
        else:
            code = lsoa.code
        return _ForceCrime(
            0, kind, recorded, start, end, lsoa, code, longitude, latitude,
            draw.random() < kind.knife, draw.random() < kind.firearm, domestic,
        )

    def _new_person(self, profile: tuple, day: datetime.date, district: str,
                    side: str) -> tuple[_Person, int]:
        banded, sexes, cum = profile
        age = _draw_band(self.draw, banded)
        sex = _choose(self.draw, sexes, cum)
        names, ethnic_cum = self.ethnicity[district][side]
        self.people += 1
        person = _Person(self.people, sex, _born_for_age(self.draw, age, day),
                         _choose(self.draw, names, ethnic_cum), district)
        return person, age

    def _recorded_ethnicity(self, person: _Person, not_stated: float, blank: float) -> str:
        chance = self.draw.random()
        return "" if chance < blank else "NS" if chance < blank + not_stated else person.ethnicity

    def _reuse(self, pool: list[_Person], day: datetime.date, low: int, high: int,
               sexes: list[str]) -> tuple[_Person, int] | None:
        if not pool:
            return None
        person = self.draw.choice(pool)
        age = _age_on(person.born, day)
        usable = low <= age <= high and person.sex in sexes and not person.dead
        return (person, age) if usable else None

    def _parties(self, crime: _ForceCrime, month_index: int, blank: float) -> None:
        draw, kind, day = self.draw, crime.kind, crime.committed_from.date()
        district = crime.lsoa.district.name
        domestic_pool = "domestic" if crime.domestic else "other"
        if kind.victim:
            profile_name = ("domestic" if crime.domestic and kind.group != "sexual"
                            else kind.victim)
            profile = self.victim_profiles[profile_name]
            extra = 0 if kind.code in HOMICIDE_CODES else _choose(draw, [0, 1, 2], EXTRA_VICTIMS)
            for _ in range(1 + extra):
                found = None
                if kind.group != "sexual" and kind.code not in HOMICIDE_CODES:
                    chance = draw.random()
                    if chance < REPEAT_VICTIM[domestic_pool]:
                        found = self._reuse(self.recent[domestic_pool], day, 0, 120,
                                            profile[1])
                    elif chance < REPEAT_VICTIM[domestic_pool] + SUSPECT_LATER_VICTIM \
                            and not crime.domestic:
                        found = self._reuse(self.recent["suspect"], day, 10, 60, profile[1])
                if found and any(v.person is found[0] for v in crime.victims):
                    found = None
                person, age = found or self._new_person(profile, day, district, "victim")
                repeat = month_index - person.last_victim <= 12
                person.last_victim = month_index
                person.dead = kind.code in FATAL_CODES  # never a victim or suspect again
                self.victim_pools[domestic_pool].setdefault(month_index, []).append(person)
                crime.victims.append(_Party(
                    person, None if draw.random() < AGE_UNKNOWN else age,
                    self._recorded_ethnicity(person, VICTIM_NOT_STATED, blank), repeat))
        suspected = max(kind.suspected, DOMESTIC_SUSPECTED) if crime.domestic else kind.suspected
        if draw.random() >= suspected:
            return
        profile_name = "domestic" if crime.domestic and kind.group != "sexual" else kind.suspect
        profile = self.suspect_profiles[profile_name]
        count = _choose(draw, [1, 2, 3], SUSPECT_COUNTS[kind.group == "robbery"])
        victims = {id(v.person) for v in crime.victims}
        for _ in range(count):
            found = None
            chance = draw.random()
            if chance < REPEAT_SUSPECT:
                found = self._reuse(self.recent["suspect"], day, 10, 80, profile[1])
            elif chance < REPEAT_SUSPECT + VICTIM_LATER_SUSPECT and kind.group != "sexual":
                found = self._reuse(self.recent[domestic_pool], day, 10, 45, profile[1])
            if found and id(found[0]) in victims:
                found = None
            person, age = found or self._new_person(profile, day, district, "suspect")
            victims.add(id(person))
            self.suspect_pool.setdefault(month_index, []).append(person)
            crime.suspects.append(_Party(
                person, None if draw.random() < AGE_UNKNOWN else age,
                self._recorded_ethnicity(person, SUSPECT_NOT_STATED, blank)))

    def _outcome(self, crime: _ForceCrime) -> None:
        draw, kind = self.draw, crime.kind
        if not crime.suspects:
            outcome = "18" if draw.random() < 0.82 else "14"
        else:
            group = ("homicide" if kind.code in HOMICIDE_CODES
                     else "domestic" if crime.domestic and kind.group != "sexual" else kind.group)
            weights = dict(OUTCOMES_WITH_SUSPECT[group])
            ages = [s.age for s in crime.suspects if s.age is not None]
            young = bool(ages) and min(ages) < 18
            if young:
                weights = {k: w * YOUTH_OUTCOME_FACTOR.get(k, 1.0) for k, w in weights.items()}
            outcome = draw.choices(list(weights), list(weights.values()))[0]
        shape, scale = OUTCOME_DELAY[outcome]
        decided = crime.recorded + datetime.timedelta(
            days=1 + int(draw.gammavariate(shape, scale)))
        if decided > self.extract_date or draw.random() < 0.02:
            crime.outcome, crime.outcome_date = "0", None
            return
        crime.outcome, crime.outcome_date = outcome, decided
        if outcome in POSITIVE_OUTCOMES and len(crime.suspects) > 1 and draw.random() < 0.5:
            for suspect in crime.suspects[1:]:  # one charged, a co-suspect not (or diverted)
                if draw.random() < 0.7:
                    young = suspect.age is not None and suspect.age < 18
                    suspect.outcome = ("22" if young and outcome == "1"
                                       else draw.choice(["15", "16"]))


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _iso_minutes(value: datetime.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def _canonical_reference(crime: _ForceCrime) -> str:
    return f"RC/{crime.recorded.year % 100:02d}/{crime.serial:06d}"


def _athena_reference(crime: _ForceCrime) -> str:
    return f"RV{crime.recorded.year % 100:02d}{crime.serial:07d}"


def _athena_ho_code(code: str) -> str:
    """Athena pads the class number to three digits: 8N -> 008N, 4.1 -> 004.1, 105A as is."""
    digits = len(code) - len(code.lstrip("0123456789"))
    return code[:digits].zfill(3) + code[digits:]


def _canonical_tables(crimes: list[_ForceCrime]) -> tuple[list, list, list]:
    offences, victims, suspects = [], [], []
    for crime in crimes:
        reference = _canonical_reference(crime)
        located = crime.lsoa_code == ""
        offences.append([
            reference, _iso(crime.recorded), _iso_minutes(crime.committed_from),
            _iso_minutes(crime.committed_to), crime.kind.code, crime.kind.description,
            crime.lsoa_code, crime.longitude if located else "",
            crime.latitude if located else "", _yes_no(crime.knife), _yes_no(crime.firearm),
            _yes_no(crime.domestic), crime.outcome, _iso(crime.outcome_date),
        ])
        for v in crime.victims:
            victims.append([reference, v.person.canonical_id,
                            "" if v.age is None else str(v.age), v.person.sex, v.ethnicity,
                            _yes_no(v.repeat)])
        for s in crime.suspects:
            suspects.append([reference, s.person.canonical_id,
                             "" if s.age is None else str(s.age), s.person.sex, s.ethnicity,
                             s.outcome])
    return offences, victims, suspects


def _athena_date(value: datetime.date | None, pattern: str = ATHENA_DATE) -> str | None:
    return value.strftime(pattern) if value else None


def _athena_beat(lsoa: _Lsoa) -> str:
    """The neighbourhood beat: the district's initials and the MSOA number."""
    words = [w for w in lsoa.district.name.replace(",", "").split() if w[0].isupper()]
    initials = "".join(w[0] for w in words) if len(words) > 1 else words[0][:3].upper()
    return f"{initials}{lsoa.name[-4:-1]}"


def _athena_tables(draw: random.Random, crimes: list[_ForceCrime]) -> dict[str, list[list]]:
    """The same tables in Athena's shape; None is an empty cell."""
    sheets: dict[str, list[list]] = {name: [] for name in ATHENA_SHEETS}

    def text(value: str) -> str | None:
        return value or None

    def outcome(code: str) -> str | None:
        return None if not code else ATHENA_OPEN if code == "0" else f"OT{int(code):02d}"

    beats: dict[int, str] = {}
    for crime in crimes:
        reference = _athena_reference(crime)
        when = _athena_date(crime.committed_from, ATHENA_DATETIME)
        beat = beats.get(id(crime.lsoa)) or beats.setdefault(id(crime.lsoa),
                                                             _athena_beat(crime.lsoa))
        sheets["Offences"].append([
            reference, _athena_ho_code(crime.kind.code), crime.kind.description.upper(),
            _athena_date(crime.recorded), when,
            _athena_date(crime.committed_to, ATHENA_DATETIME), beat,
            text(crime.lsoa_code), crime.longitude, crime.latitude,
            ATHENA_YES_NO[_yes_no(crime.domestic)], ATHENA_YES_NO[_yes_no(crime.knife)],
            ATHENA_YES_NO[_yes_no(crime.firearm)], outcome(crime.outcome),
            _athena_date(crime.outcome_date),
        ])
        for v in crime.victims:
            sheets["Victims"].append([
                reference, v.person.athena_id, v.person.fake_name(),
                None if v.age is None else _athena_date(v.person.born),
                ATHENA_SEX[v.person.sex], text(ETHNICITY_18_PLUS_1.get(v.ethnicity, "")),
                v.person.fake_address(), ATHENA_YES_NO[_yes_no(v.repeat)], when,
            ])
        for s in crime.suspects:
            arrested = crime.outcome in POSITIVE_OUTCOMES or draw.random() < 0.4
            sheets["Suspects"].append([
                reference, s.person.athena_id, s.person.fake_name(),
                None if s.age is None else _athena_date(s.person.born),
                ATHENA_SEX[s.person.sex], text(ETHNICITY_18_PLUS_1.get(s.ethnicity, "")),
                s.person.fake_address(), "Yes" if arrested else "No", outcome(s.outcome), when,
            ])
    return sheets


_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XLSX_STYLES = (
    f'<styleSheet xmlns="{_XLSX_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xml_text(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _xlsx_bytes(sheets: dict[str, tuple[list[str], list[list]]],
                when: datetime.datetime, application: str) -> bytes:
    """An Office Open XML workbook of text cells (shared strings, as Excel writes them; None
    is an empty cell). Written directly rather than with openpyxl, which takes ~10x as long
    and stamps the current time into the file: here every byte follows from the arguments,
    the zip entries' times included."""
    shared: dict[str, int] = {}
    parts: list[tuple[str, str]] = []
    for number, (header, rows) in enumerate(sheets.values(), start=1):
        width = len(header)
        letters = [_column_letters(i) for i in range(width)]
        lines = []
        for r, row in enumerate([header, *rows], start=1):
            cells = []
            for letter, value in zip(letters, row, strict=True):
                if value is None:
                    continue
                index = shared.setdefault(value, len(shared))
                cells.append(f'<c r="{letter}{r}" t="s"><v>{index}</v></c>')
            lines.append(f'<row r="{r}">{"".join(cells)}</row>')
        parts.append((f"xl/worksheets/sheet{number}.xml", (
            f'{_XML_DECLARATION}<worksheet xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
            f'<dimension ref="A1:{letters[-1]}{len(rows) + 1}"/><sheetData>{"".join(lines)}'
            "</sheetData></worksheet>")))
    strings = "".join(f"<si><t>{_xml_text(text)}</t></si>" for text in shared)
    count = len(sheets)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        f'ContentType="{_XLSX_TYPE}.worksheet+xml"/>' for n in range(1, count + 1))
    sheet_list = "".join(f'<sheet name="{_xml_text(name)}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, name in enumerate(sheets, start=1))
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_XLSX_REL}/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, count + 1))
    package = [
        ("[Content_Types].xml", (
            f'{_XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{_XLSX_TYPE}.sheet.main+xml"/>{overrides}'
            f'<Override PartName="/xl/styles.xml" ContentType="{_XLSX_TYPE}.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{_XLSX_TYPE}.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')),
        ("_rels/.rels", (
            f'{_XML_DECLARATION}<Relationships xmlns="{_XLSX_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_XLSX_REL}/officeDocument" '
            'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.'
            'openxmlformats.org/package/2006/relationships/metadata/core-properties" '
            f'Target="docProps/core.xml"/><Relationship Id="rId3" Type="{_XLSX_REL}/'
            'extended-properties" Target="docProps/app.xml"/></Relationships>')),
        ("docProps/app.xml", (
            f'{_XML_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/extended-properties"><Application>{_xml_text(application)}'
            "</Application></Properties>")),
        ("docProps/core.xml", (
            f'{_XML_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
            'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{_xml_text(application)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>")),
        ("xl/workbook.xml", (
            f'{_XML_DECLARATION}<workbook xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
            f"<sheets>{sheet_list}</sheets></workbook>")),
        ("xl/_rels/workbook.xml.rels", (
            f'{_XML_DECLARATION}<Relationships xmlns="{_XLSX_PKG_REL}">{sheet_rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_XLSX_REL}/styles" '
            f'Target="styles.xml"/><Relationship Id="rId{count + 2}" '
            f'Type="{_XLSX_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')),
        ("xl/styles.xml", _XML_DECLARATION + _XLSX_STYLES),
        ("xl/sharedStrings.xml", (
            f'{_XML_DECLARATION}<sst xmlns="{_XLSX_MAIN}" count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">{strings}</sst>')),
        *parts,
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in package:
            entry = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0  # else the platform's: the same bytes everywhere
            entry.external_attr = 0
            archive.writestr(entry, text.encode("utf-8"), compresslevel=1)
    return out.getvalue()


def _apportion(total: int, weights: np.ndarray) -> list[int]:
    """Integers proportional to weights that sum to total exactly (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    short = total - int(counts.sum())
    for index in np.argsort(-(exact - counts), kind="stable")[:short]:
        counts[index] += 1
    return [int(c) for c in counts]


def _age_label(age: int) -> str:
    if age == 0:
        return "Aged under 1 year"
    if age == 1:
        return "Aged 1 year"
    if age == 100:
        return "Aged 100 years and over"
    return f"Aged {age} years"


def _census_tables(lsoas: list[_Lsoa], ethnicity: dict, seed: int) -> dict[str, list[list[str]]]:
    """TS021 and TS007 for the area's and the neighbouring districts, in the layout of an ONS
    custom dataset download; each district's observations add up to its LSOAs' population
    exactly."""
    rng = np.random.default_rng([seed, 0xCE05])
    population: dict[str, int] = {}
    for lsoa in lsoas:
        if lsoa.district.group != "unknown":
            population[lsoa.district.code] = population.get(lsoa.district.code, 0) + \
                lsoa.population
    ages = np.arange(101)
    knots = np.array(AGE_PROFILE_KNOTS)
    town = np.interp(ages, knots[:, 0], knots[:, 1])
    shire = np.interp(ages, knots[:, 0], knots[:, 2])
    ethnic_rows, age_rows = [], []
    for district in sorted((d for d in _DISTRICTS if d.code), key=lambda d: d.code):
        total = population[district.code]
        shares = np.array(ethnicity[district.name]["census"])
        counts = _apportion(total, shares)
        ethnic_rows.append([district.code, district.name, "-8", "Does not apply", "0"])
        for (code, label, _), count in zip(CENSUS_ETHNIC_GROUPS[1:], counts, strict=True):
            ethnic_rows.append([district.code, district.name, str(code), label, str(count)])
        kind = _DISTRICT_KIND.get(district.name, "shire")
        mix = {"town": 1.0, "small town": 0.5}.get(kind, 0.0)
        profile = (mix * town + (1 - mix) * shire) * np.exp(rng.normal(0, 0.03, len(ages)))
        for age, count in zip(ages, _apportion(total, profile), strict=True):
            age_rows.append([district.code, district.name, str(age), _age_label(int(age)),
                             str(count)])
    return {"census2021_ts021_ethnicity.csv": ethnic_rows, "census2021_ts007_age.csv": age_rows}


# ---------------------------------------------------------------------------------------------
# The partners' data, under raw_dir/partners/<dataset>/ in the canonical form of
# sql/staging/<dataset>.yml (UTF-8, \n, one file a month; the probation caseload one file per
# quarter-end snapshot; the aggregates one file): A&E assault attendances (the ISTV return of
# the area's emergency department), hospital admissions for assault (for the last 12 months a
# "HES extract" in the trust's own shape instead, mapped by
# config/mappings/demo-hospital-admissions.yml), ambulance call-outs, youth justice proven
# offences, school suspensions and exclusions, children's social care assessments with CCE,
# gangs or serious violence factors, probation caseload snapshots, and the monthly counts of a
# second A&E site that sends aggregates only. Every dataset draws from RNG streams of its own,
# after everything above: the police.uk, reference, force extract and census files stay
# byte-identical to a run without the partners.
#
# How they agree with the force's data (the point of a multi-agency assessment):
# - A&E sees more assaults than the police record. Each victim of a police-recorded violence
#   with injury (VWI) attends with AE_ATTENDANCE[offence code] (by ambulance or not), with the
#   victim's age and sex and the date and time the police recorded for the crime, to the
#   minute (which lets a test tell the police-known attendances from the others). On top,
#   AE_HIDDEN_SHARE of all attendances have no police record ("hidden violence"): mostly
#   Friday and Saturday nights out, at licensed premises and in the town-centre LSOAs, enough
#   of them there that the A&E count in the town centres is AE_HOTSPOT_RATIO x the police's
#   VWI count there. AE_GEOCODED of the locations have an LSOA.
# - Hospital admissions (~6.5% of attendances, by how the patient was hurt: ICD-10 X99 ~20%,
#   Y04 ~60%), ambulance call-outs (~30% of attendances: the conveyed ones and calls whose
#   patient was not taken to this A&E; stabbings ~10%, shootings rare) follow from them.
# - The same raw person_id in several sources (keyed pseudonyms then link them; the overlap
#   shares the run built are returned in the summary under partners/overlaps):
#   * an admission of a police-known victim carries the victim's force id, "P" + 7 digits as
#     in the canonical force extract (~60% of the admissions in its canonical months); the
#     other patients have "P" ids of a range the force never uses (HOSPITAL_PERSON_FIRST on);
#   * the council's services (youth justice, schools, social care) and probation share one
#     person reference, "C" + 7 digits: PARTNER_OVERLAPS["youth_justice_in_exclusions"] (30%)
#     of the children with a proven offence in the window also have a suspension or exclusion
#     in it, "youth_justice_in_social_care" (15%) a social care assessment, and
#     "youth_justice_to_probation" (35%) of those who turn 18 in the window join the probation
#     caseload as young adults; "social_care_in_exclusions" (30%) of the other children
#     assessed by social care are suspended too.
# - Residence-based datasets favour IMD deciles 1-3 (DEPRIVATION_RATIO), violence peaks in
#   summer, exclusions follow the school terms (a handful in August), and ethnicity is blank
#   on PARTNER_ETHNICITY_BLANK of the records (plus NS where not stated).
# ---------------------------------------------------------------------------------------------

PARTNERS_DIR = "partners"
# The canonical columns, as declared in sql/staging/<name>.yml (the demo writes that form).
PARTNER_HEADERS = {d.name: list(d.columns) for d in load_datasets() if d.name in (
    "ae_assaults",
    "hospital_admissions",
    "ambulance_callouts",
    "youth_justice",
    "school_exclusions",
    "social_care_assessments",
    "probation_caseload",
    "partner_aggregates",
)}
AGGREGATES_FILE = f"{PARTNERS_DIR}/aggregates/partner_aggregates.csv"
# The trust's new extract for the last months of the window: admissions in its own shape.
HES_MONTHS = 12
HES_HEADER = [
    "Spell ID", "NHS Number", "Local Patient ID", "Patient Name", "Postcode", "Admission Date",
    "Age on Admission", "Gender", "Ethnic Category", "LSOA of Residence", "Cause Code",
]
HES_DATE = "%d/%m/%Y"
HES_GENDER = {"M": "1", "F": "2", "U": "9"}  # NHS person stated gender codes
# The NHS ethnic category (2001 census groups, one letter) of each 18+1 code: Gypsy or Irish
# Traveller and Arab have none of their own and fall in "any other" (C, S).
NHS_ETHNIC_CATEGORY = {
    "W1": "A", "W2": "B", "W3": "C", "W9": "C", "M1": "D", "M2": "E", "M3": "F", "M9": "G",
    "A1": "H", "A2": "J", "A3": "K", "A9": "L", "B1": "M", "B2": "N", "B9": "P", "A4": "R",
    "O2": "S", "O9": "S", "NS": "Z",
}

AE_SITE = "ZZ901"  # the area's emergency department (fictional ODS site code)
# Police-recorded violence with injury (Home Office codes), and the chance that each victim
# of one attends the A&E (homicide victims are not counted: they are rarely an attendance).
POLICE_VWI = {"1", "2", "4.1", "5D", "5E", "8N", "8P"}
AE_ATTENDANCE = {"2": 0.95, "5D": 0.9, "5E": 0.75, "8N": 0.72, "8P": 0.65}
AE_HIDDEN_SHARE = 0.40
AE_HOTSPOT_RATIO = 1.75  # A&E attendances / police VWI records in the town-centre LSOAs
AE_GEOCODED = 0.80
POLICE_GEOCODED = 0.98  # force offences with an LSOA code (the rest: coordinates only)
AE_NIGHT_OUT = 0.65  # hidden attendances from Friday and Saturday nights out
AE_NIGHT_OUT_IN_CENTRE = 0.85  # of the hidden attendances in the town centres
AE_TIME_UNKNOWN = 0.03  # hidden attendances whose patient gave no time
AGE_BANDS = [(0, 9, "0-9"), (10, 17, "10-17"), (18, 24, "18-24"), (25, 34, "25-34"),
             (35, 44, "35-44"), (45, 54, "45-54"), (55, 64, "55-64"), (65, 120, "65+")]
HIDDEN_AGE_BANDS = _cum_bands([(2, 9, 0.6), (10, 17, 9), (18, 24, 33), (25, 34, 29),
                               (35, 44, 15), (45, 54, 8), (55, 64, 3.5), (65, 90, 1.9)])
HIDDEN_SEX = {"M": 74, "F": 25.5, "U": 0.5}
NIGHT_OUT_HOURS = {21: 10, 22: 18, 23: 22, 0: 22, 1: 20, 2: 14, 3: 7}
AE_METHODS = ["body part", "blunt object", "knife or sharp object", "firearm", "other"]
# Means of assault where the police did not flag a knife or firearm, and of hidden assaults.
AE_METHOD_WEIGHTS = {"police": [72, 16, 0, 0, 12], "hidden": [70, 11, 5, 0.15, 14]}
AE_METHOD_OTHER = {"glass or bottle": 40, "bitten": 15, "thrown object": 12, "vehicle": 6,
                   "dog": 4, "hot liquid": 3, "strangulation": 8, "stamped on": 12}
# Per means of assault: chance of an ambulance (conveyed), of an admission, and its ICD-10
# cause code(s); Y09 (unspecified) where the coding was incomplete.
AE_CONVEYED = {"body part": 0.22, "blunt object": 0.3, "knife or sharp object": 0.5,
               "firearm": 0.95, "other": 0.3}
AE_ADMITTED = {"body part": 0.062, "blunt object": 0.045, "knife or sharp object": 0.28,
               "firearm": 0.85, "other": 0.035}
ICD10_CAUSE = {"body part": ["Y04"], "blunt object": ["Y00"], "knife or sharp object": ["X99"],
               "firearm": ["X93", "X94", "X95", "X95"], "other": ["Y08"]}
ICD10_UNSPECIFIED = 0.07
AMBULANCE_NOT_CONVEYED = 0.14  # call-outs whose patient did not come to this A&E, per conveyed
AMBULANCE_CATEGORY = {"body part": "assault", "blunt object": "assault",
                      "knife or sharp object": "stabbing", "firearm": "shooting",
                      "other": "assault"}
PUB_NAMES = ["The Red Lion", "The Kings Arms", "The Crown", "The White Hart", "The Plough",
             "The Railway Tavern", "The Swan", "The Royal Oak", "Club Neon", "Vault nightclub",
             "The Wheatsheaf", "Bar Nine", "The Anchor", "The Mallard bar", "Rivers nightclub"]
PLACE_TEXT = {
    "home": ["home address", "own home", "partner's home", "friend's house", "home"],
    "school": ["school", "school grounds", "outside school", "school playground"],
    "other": ["park", "bus station", "train station", "on a bus", "shop", "workplace",
              "car park", "takeaway", "taxi rank"],
}
HOSPITAL_PERSON_FIRST = 5000000  # canonical ids P8000000 on: a range the force never reaches
# The second A&E site (a minor injuries unit in Eastmere) sends monthly counts per district.
AGGREGATE_SITE_MONTHLY = {"E07999001": 22.0, "E07999003": 7.0, "E07999002": 5.0,
                          "E06999001": 3.0}
AGGREGATE_KNIFE_SHARE = 0.04
AGGREGATE_SUPPRESS_BELOW = 5

# Residence: rate ratio of IMD decile 1 to decile 5.5 (and of 5.5 to 10), by dataset.
DEPRIVATION_RATIO = {"hospital": 2.2, "youth": 3.0, "school": 2.0, "social": 3.0,
                     "probation": 3.0, "hidden": 2.0}
PARTNER_ETHNICITY_BLANK, PARTNER_NOT_STATED = 0.07, 0.03
PARTNER_OVERLAPS = {"youth_justice_in_exclusions": 0.30, "youth_justice_in_social_care": 0.15,
                    "youth_justice_to_probation": 0.35, "social_care_in_exclusions": 0.30}

YOUTH_JUSTICE_MONTHLY = 30.0  # proven offences
YOUTH_KNOWN_AT_START = 90  # children with earlier proven offences when the window opens
YOUTH_NEW_CHILD = 0.36  # an offence by a child new to the service (FTE unless outcome 22)
YOUTH_REOFFEND_MONTHS = 18
YOUTH_AGES = _cum_bands([(10, 10, 1), (11, 11, 2), (12, 12, 4), (13, 13, 7), (14, 14, 11),
                         (15, 15, 14), (16, 16, 16), (17, 17, 16)])
YOUTH_SEX = {"M": 84, "F": 15.5, "U": 0.5}
YOUTH_OFFENCE_TYPES = {
    "violence against the person": 30, "robbery": 7, "possession of weapons": 9, "drugs": 11,
    "theft": 13, "criminal damage and arson": 9, "public order": 7, "burglary": 4,
    "sexual offences": 2, "motoring": 3, "other": 5,
}
YOUTH_DISPOSALS = {
    True: {"outcome 22": 22, "youth caution": 36, "youth conditional caution": 16,
           "referral order": 22, "youth rehabilitation order": 3, "discharge": 1},
    False: {"outcome 22": 8, "youth caution": 8, "youth conditional caution": 14,
            "referral order": 25, "youth rehabilitation order": 30, "custody": 8, "fine": 2,
            "discharge": 2, "other": 3},
}

EXCLUSIONS_PER_SCHOOL_DAY = 7.6  # suspensions and exclusions a school day, area-wide
EXCLUSION_PERMANENT = 0.02
EXCLUSION_REPEAT = 0.4  # by a pupil suspended in the 12 months before
PUPIL_AGES = _cum_bands([(5, 5, 1), (6, 6, 1), (7, 7, 1.5), (8, 8, 2), (9, 9, 2), (10, 10, 3),
                         (11, 11, 5), (12, 12, 9), (13, 13, 13), (14, 14, 16), (15, 15, 15),
                         (16, 16, 8)])
PUPIL_SEX = {"M": 70, "F": 29.5, "U": 0.5}
# The DfE's reasons (2020/21 on, so no "other"); physical assault and weapons ~15%.
EXCLUSION_REASONS = {
    "suspension": {
        "persistent disruptive behaviour": 40,
        "verbal abuse or threatening behaviour against an adult": 19,
        "physical assault against a pupil": 9.5,
        "verbal abuse or threatening behaviour against a pupil": 6.5,
        "physical assault against an adult": 3,
        "use or threat of use of an offensive weapon or prohibited item": 1.2,
        "damage": 3, "drug and alcohol related": 3, "bullying": 2, "racist abuse": 1.5,
        "sexual misconduct": 1, "theft": 1,
        "inappropriate use of social media or online technology": 1,
        "abuse against sexual orientation and gender identity": 0.6,
        "abuse relating to disability": 0.2,
    },
    "permanent": {
        "persistent disruptive behaviour": 35, "physical assault against a pupil": 20,
        "physical assault against an adult": 10,
        "use or threat of use of an offensive weapon or prohibited item": 10,
        "drug and alcohol related": 10,
        "verbal abuse or threatening behaviour against an adult": 10, "damage": 5,
    },
    "youth": {  # children known to youth justice
        "persistent disruptive behaviour": 37, "physical assault against a pupil": 16,
        "physical assault against an adult": 6,
        "use or threat of use of an offensive weapon or prohibited item": 5,
        "verbal abuse or threatening behaviour against an adult": 20,
        "drug and alcohol related": 7, "damage": 4, "bullying": 2,
    },
}
ASSAULT_OR_WEAPON = {"physical assault against a pupil", "physical assault against an adult",
                     "use or threat of use of an offensive weapon or prohibited item"}
# School holidays (month, day) to (month, day), the same every year: close enough for a demo.
SCHOOL_HOLIDAYS = [((1, 1), (1, 5)), ((2, 16), (2, 20)), ((3, 30), (4, 12)), ((5, 26), (5, 30)),
                   ((7, 23), (9, 3)), ((10, 27), (10, 31)), ((12, 20), (12, 31))]

SOCIAL_CARE_MONTHLY = 13.5  # assessments besides those of children known to youth justice
SOCIAL_CARE_REASSESSED = 0.15
SOCIAL_CARE_AGES = _cum_bands([(8, 9, 1), (10, 10, 2), (11, 11, 3), (12, 12, 5), (13, 13, 8),
                               (14, 14, 11), (15, 15, 13), (16, 16, 12), (17, 17, 7)])
SOCIAL_CARE_SEX = {"M": 68, "F": 31.5, "U": 0.5}
SOCIAL_CARE_FACTORS = (0.55, 0.35, 0.45)  # CCE, gangs, serious violence (at least one)

PROBATION_CASELOAD = 400
PROBATION_MONTHS = (6, 36)  # length of supervision, months
PROBATION_AGES = _cum_bands([(18, 20, 8), (21, 24, 14), (25, 29, 18), (30, 34, 17),
                             (35, 39, 14), (40, 49, 17), (50, 59, 9), (60, 75, 3)])
PROBATION_SEX = {"M": 89, "F": 10.8, "U": 0.2}
PROBATION_OFFENCES = {
    "violence against the person": 39, "robbery": 6, "sexual offences": 9,
    "possession of weapons": 4, "drugs": 11, "theft": 9, "burglary": 6,
    "criminal damage and arson": 3, "public order": 3, "motoring": 6, "other": 4,
}
VIOLENT_INDEX_OFFENCES = {"violence against the person", "robbery"}


@dataclass(eq=False)
class _Resident:
    """A child or adult known to the council's services or probation: one person reference
    across them (the demo's stand-in for the identity the partners would link on)."""

    number: int
    sex: str
    born: datetime.date
    ethnicity: str
    lsoa: _Lsoa
    entered: bool = False  # youth justice: has had a caution or conviction
    last_offence: datetime.date | None = None
    offences: list[str] = field(default_factory=list)  # offence types, in order
    school_phase: str = ""  # special or alternative provision, if so
    last_excluded: datetime.date | None = None

    @property
    def person_id(self) -> str:
        return f"C{4000000 + self.number:07d}"


@dataclass(eq=False)
class _Attendance:
    """One A&E attendance for an assault."""

    assault: datetime.datetime
    arrival: datetime.datetime
    method: str
    method_other: str
    location_type: str
    description: str
    lsoa: _Lsoa
    geocoded: bool
    age: int
    sex: str
    person: _Person | None  # the police-known victim, if any
    call: datetime.datetime | None = None  # the ambulance call, if conveyed
    point: tuple[float, float] | None = None
    time_known: bool = True
    admitted: bool = False


def _age_band(age: int) -> str:
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _month_days(label: str) -> list[datetime.date]:
    year, month = int(label[:4]), int(label[5:])
    last = calendar.monthrange(year, month)[1]
    return [datetime.date(year, month, day) for day in range(1, last + 1)]


def _month_bounds(label: str) -> tuple[datetime.date, datetime.date]:
    days = _month_days(label)
    return days[0], days[-1]


def _days_aged(days: list[datetime.date], born: datetime.date, low: int,
               high: int) -> list[datetime.date]:
    """The days (sorted) on which someone born then is aged low to high."""
    first, after = _shift_years(born, low), _shift_years(born, high + 1)
    return days[bisect(days, first - datetime.timedelta(days=1)):bisect(
        days, after - datetime.timedelta(days=1))]


def _is_school_day(day: datetime.date) -> bool:
    if day.weekday() >= 5:
        return False
    key = (day.month, day.day)
    return not any(start <= key <= end for start, end in SCHOOL_HOLIDAYS)


def _season(label: str, amplitude: float) -> float:
    return 1 + amplitude * math.cos(2 * math.pi * (int(label[5:]) - 7) / 12)


class _PartnerSimulation:
    """The partners' records for the window's months, from the geography, the force's
    simulated crimes (read only) and streams of their own."""

    def __init__(self, seed: int, lsoas: list[_Lsoa], expected: np.ndarray, window: list[str],
                 force: dict[str, list[_ForceCrime]], ethnicity: dict) -> None:
        self.seed = seed
        self.window = window
        self.position = {label: i for i, label in enumerate(window)}
        self.force = force
        self.ethnicity = ethnicity
        self.area = [x for x in lsoas if x.district.group == "area"]
        self.by_district: dict[str, list[_Lsoa]] = {}
        for lsoa in lsoas:
            self.by_district.setdefault(lsoa.district.name, []).append(lsoa)
        self.hotspots = [x for x in lsoas if x.hotspot > 1.0]
        violence = CRIME_TYPES.index(next(k for k in CRIME_TYPES
                                          if k.name == "Violence and sexual offences"))
        self.violence_weight = {id(x): float(w) for x, w in zip(lsoas, expected[0, :, violence],
                                                                strict=True)}
        self.residence_cum: dict[tuple[str, str], tuple[list[_Lsoa], list[float]]] = {}
        self.residents = 0
        self.window_first = _month_bounds(window[0])[0]

    # --- shared helpers ---------------------------------------------------------------------

    def stream(self, name: str, part: int = 0) -> tuple[random.Random, np.random.Generator]:
        """A dataset's own random streams (part: a second pair for a later stage)."""
        index = list(PARTNER_HEADERS).index(name)
        return (random.Random(f"svna-demo/partners/{name}/{part}/{self.seed}"),
                np.random.default_rng([self.seed, 0x9A27, index, part]))

    def uses_2011_codes(self, label: str) -> bool:
        return self.position[label] < LSOA11_VINTAGE_MONTHS

    def code(self, lsoa: _Lsoa, label: str, key: int | None = None,
             draw: random.Random | None = None) -> str:
        """The LSOA's code as recorded in the month: before the switch, the 2011 code of one
        of its points (a fixed one for a residence, a drawn one for an event)."""
        if not self.uses_2011_codes(label):
            return lsoa.code
        points = lsoa.points
        point = points[key % len(points)] if key is not None else draw.choice(points)
        return point.lsoa11.code

    def residence(self, draw: random.Random, kind: str, district: str | None = None) -> _Lsoa:
        """A home LSOA in the area (or the district), more often a deprived one."""
        key = (kind, district or "")
        if key not in self.residence_cum:
            pool = self.by_district[district] if district else self.area
            ratio = DEPRIVATION_RATIO[kind]
            self.residence_cum[key] = (pool, _cumulative([
                x.population * ratio ** ((5.5 - x.decile) / 4.5) for x in pool]))
        pool, cum = self.residence_cum[key]
        return _choose(draw, pool, cum)

    def recorded_ethnicity(self, draw: random.Random, true_code: str) -> str:
        chance = draw.random()
        return ("" if chance < PARTNER_ETHNICITY_BLANK
                else "NS" if chance < PARTNER_ETHNICITY_BLANK + PARTNER_NOT_STATED else true_code)

    def new_resident(self, draw: random.Random, kind: str, age: int, day: datetime.date,
                     sexes: dict, side: str = "victim") -> _Resident:
        lsoa = self.residence(draw, kind)
        names, cum = self.ethnicity[lsoa.district.name][side]
        self.residents += 1
        return _Resident(self.residents, _pick(draw, sexes), _born_for_age(draw, age, day),
                         _choose(draw, names, cum), lsoa)

    # --- A&E, hospital admissions, ambulance call-outs ---------------------------------------

    def hidden_plan(self) -> tuple[float, float]:
        """Hidden attendances in an average month before season and trend, and the share of
        them placed in the town centres that makes the A&E count there AE_HOTSPOT_RATIO x
        the police's VWI count (in expectation)."""
        total = sum(self.violence_weight.values())
        hot = sum(self.violence_weight[id(x)] for x in self.hotspots) / total
        extra_victims = (EXTRA_VICTIMS[1] - EXTRA_VICTIMS[0] + 2 * (EXTRA_VICTIMS[2]
                                                                    - EXTRA_VICTIMS[1]))
        extra_victims /= EXTRA_VICTIMS[2]
        police = sum(k.monthly for k in OFFENCE_KINDS if k.code in POLICE_VWI)
        attending = sum(k.monthly * AE_ATTENDANCE[k.code]
                        * (1 if k.code in HOMICIDE_CODES else 1 + extra_victims)
                        for k in OFFENCE_KINDS if k.code in AE_ATTENDANCE)
        hidden = AE_HIDDEN_SHARE / (1 - AE_HIDDEN_SHARE) * attending
        wanted = AE_HOTSPOT_RATIO * POLICE_GEOCODED * police * hot / AE_GEOCODED
        return hidden, min(0.9, max(0.0, (wanted - attending * hot) / hidden))

    def attendances(self) -> dict[str, list[_Attendance]]:
        draw, rng = self.stream("ae_assaults")
        by_month: dict[str, list[_Attendance]] = {label: [] for label in self.window}
        method_cum = {k: _cumulative(v) for k, v in AE_METHOD_WEIGHTS.items()}
        # Victims of police-recorded violence with injury (crimes of any simulated month: a
        # crime recorded late still had its attendance when it happened).
        for label in self.force:
            for crime in self.force[label]:
                if crime.kind.code not in AE_ATTENDANCE:
                    continue
                for victim in crime.victims:
                    if draw.random() >= AE_ATTENDANCE[crime.kind.code]:
                        continue
                    method = ("firearm" if crime.firearm else "knife or sharp object"
                              if crime.knife else _choose(draw, AE_METHODS,
                                                          method_cum["police"]))
                    person = victim.person
                    age = _age_on(person.born, crime.committed_from.date())
                    attendance = self._attendance(draw, crime.committed_from, method, crime.lsoa,
                                                  age, person.sex, person, crime.domestic,
                                                  night_out=False)
                    attendance.point = (float(crime.longitude), float(crime.latitude))
                    self._file(by_month, attendance)
        # Hidden violence: no police record.
        hidden_monthly, hot_share = self.hidden_plan()
        hot_cum = _cumulative([self.violence_weight[id(x)] for x in self.hotspots])
        other = [x for x in self.area if x.hotspot == 1.0]
        other_cum = _cumulative([x.population * DEPRIVATION_RATIO["hidden"]
                                 ** ((5.5 - x.decile) / 4.5) for x in other])
        night_elsewhere = min(0.9, max(0.1, (AE_NIGHT_OUT - AE_NIGHT_OUT_IN_CENTRE * hot_share)
                                       / (1 - hot_share)))
        sexes, sex_cum = list(HIDDEN_SEX), _cumulative(list(HIDDEN_SEX.values()))
        hours = list(NIGHT_OUT_HOURS)
        hour_cum = _cumulative(list(NIGHT_OUT_HOURS.values()))
        any_hour_cum = _cumulative(HOUR_WEIGHTS["night"])
        last_year = len(self.window) - 12
        for label in self.window:
            ramp = 1 + 0.16 * (self.position[label] - last_year + 1) / 13 \
                if self.position[label] >= last_year else 1.0
            mean = hidden_monthly * _season(label, 0.15) * ramp
            days = _month_days(label)
            weekend = [d for d in days if d.weekday() in (4, 5)]
            day_cum = _cumulative([DAY_WEIGHTS["night"][d.weekday()] for d in days])
            for _ in range(int(rng.poisson(mean))):
                in_centre = draw.random() < hot_share
                lsoa = (_choose(draw, self.hotspots, hot_cum) if in_centre
                        else _choose(draw, other, other_cum))
                night_out = draw.random() < (AE_NIGHT_OUT_IN_CENTRE if in_centre
                                             else night_elsewhere)
                if night_out:
                    day = draw.choice(weekend)
                    hour = _choose(draw, hours, hour_cum)
                    if hour < 12:
                        day += datetime.timedelta(days=1)
                else:
                    day = _choose(draw, days, day_cum)
                    hour = _choose(draw, HOURS, any_hour_cum)
                when = datetime.datetime(day.year, day.month, day.day, hour, draw.randint(0, 59))
                age = _draw_band(draw, HIDDEN_AGE_BANDS)
                sex = _choose(draw, sexes, sex_cum)
                method = _choose(draw, AE_METHODS, method_cum["hidden"])
                attendance = self._attendance(draw, when, method, lsoa, age, sex, None, False,
                                              night_out=night_out)
                attendance.time_known = draw.random() >= AE_TIME_UNKNOWN
                self._file(by_month, attendance)
        for label in self.window:
            by_month[label].sort(key=lambda a: (a.arrival, a.assault))
        return by_month

    def _attendance(self, draw: random.Random, when: datetime.datetime, method: str,
                    lsoa: _Lsoa, age: int, sex: str, person: _Person | None, domestic: bool,
                    night_out: bool) -> _Attendance:
        if domestic and draw.random() < 0.9:
            place = "home"
        elif night_out:
            place = _pick(draw, {"licensed premises": 55, "street": 40, "other": 5})
        else:
            school = 6 if 10 <= age <= 17 and when.weekday() < 5 and 8 <= when.hour < 16 else 0
            place = _pick(draw, {"street": 50, "home": 18, "licensed premises": 13,
                                     "other": 13, "school": school})
        if draw.random() < 0.1:
            description = ""
        elif place == "street":
            description = draw.choice(lsoa.points).location.removeprefix("On or near ")
        elif place == "licensed premises":
            description = draw.choice(PUB_NAMES)
            if draw.random() < 0.4:
                street = draw.choice(lsoa.points).location.removeprefix("On or near ")
                description = f"outside {description}, {street}"
        else:
            description = draw.choice(PLACE_TEXT[place])
        other_text = _pick(draw, AE_METHOD_OTHER) if method == "other" else ""
        if other_text == "glass or bottle" and place != "licensed premises" \
                and draw.random() < 0.5:
            other_text = _pick(draw, {"thrown object": 1, "stamped on": 1, "bitten": 1})
        call = None
        if draw.random() < AE_CONVEYED[method]:
            call = when + datetime.timedelta(minutes=draw.randint(2, 20))
            arrival = call + datetime.timedelta(minutes=draw.randint(25, 80))
        else:
            arrival = when + datetime.timedelta(minutes=20 + int(draw.gammavariate(1.5, 45)))
            if draw.random() < 0.1:  # came in the next day, or later
                arrival += datetime.timedelta(minutes=draw.randint(8 * 60, 40 * 60))
        west, east, south, north = lsoa.cell
        return _Attendance(
            when, arrival, method, other_text, place, description, lsoa,
            draw.random() < AE_GEOCODED, age, sex, person, call,
            (west + (0.05 + 0.9 * draw.random()) * (east - west),
             south + (0.05 + 0.9 * draw.random()) * (north - south)),
            admitted=draw.random() < AE_ADMITTED[method],
        )

    def _file(self, by_month: dict[str, list[_Attendance]], attendance: _Attendance) -> None:
        label = attendance.arrival.strftime("%Y-%m")
        if label in by_month:
            by_month[label].append(attendance)

    def ae_rows(self, by_month: dict[str, list[_Attendance]]) -> dict[str, list[list[str]]]:
        draw, _ = self.stream("ae_assaults", 1)
        out, serials = {}, {}
        for label in self.window:
            start, end = _month_bounds(label)
            rows = []
            for a in by_month[label]:
                year = a.arrival.year
                serials[year] = serials.get(year, 0) + 1
                rows.append([
                    AE_SITE, start.isoformat(), end.isoformat(),
                    f"RFA{year % 100:02d}{serials[year]:06d}",
                    a.arrival.strftime("%Y-%m-%d"), a.arrival.strftime("%H:%M"),
                    a.assault.strftime("%Y-%m-%d"),
                    a.assault.strftime("%H:%M") if a.time_known else "",
                    a.method, a.method_other, a.location_type, a.description,
                    self.code(a.lsoa, label, draw=draw) if a.geocoded else "",
                    _age_band(a.age), a.sex,
                ])
            out[label] = rows
        return out

    def admissions(self, by_month: dict[str, list[_Attendance]]) -> dict[str, list[dict]]:
        """Admissions of the attendances admitted: the patient (a police-known victim keeps
        the force's person), cause code and home."""
        draw, _ = self.stream("hospital_admissions")
        homes: dict[int, _Lsoa] = {}
        hidden = 0
        out: dict[str, list[dict]] = {label: [] for label in self.window}
        for label in self.window:
            for a in by_month[label]:
                if not a.admitted:
                    continue
                day = a.arrival.date()
                person = a.person
                if person is None:
                    district = (a.lsoa.district.name if draw.random() < 0.7
                                else draw.choice(self.area).district.name)
                    names, cum = self.ethnicity[district]["victim"]
                    person = _Person(HOSPITAL_PERSON_FIRST + hidden, a.sex,
                                     _born_for_age(draw, a.age, a.assault.date()),
                                     _choose(draw, names, cum), district)
                    hidden += 1
                if person.number not in homes:
                    homes[person.number] = self.residence(draw, "hospital", person.district)
                cause = draw.choice(ICD10_CAUSE[a.method])
                if draw.random() < ICD10_UNSPECIFIED:
                    cause = "Y09"
                out[label].append({
                    "person": person, "date": day, "age": _age_on(person.born, day),
                    "sex": person.sex, "cause": cause,
                    "ethnicity": self.recorded_ethnicity(draw, person.ethnicity),
                    "home": homes[person.number],
                })
        return out

    def admission_rows(self, admissions: dict[str, list[dict]], hes_from: int,
                       ) -> dict[str, tuple[list[str], list[list[str]]]]:
        """Canonical rows before hes_from (a window position), then the trust's HES shape."""
        draw, _ = self.stream("hospital_admissions", 1)
        out = {}
        canonical_serial, spell = 0, 7300000000 + draw.randint(0, 99999) * 1000
        for label in self.window:
            rows = []
            for adm in admissions[label]:
                person, day = adm["person"], adm["date"]
                lsoa_code = self.code(adm["home"], label, key=person.number)
                if self.position[label] < hes_from:
                    canonical_serial += 1
                    rows.append([
                        f"ADM{day.year % 100:02d}{canonical_serial:06d}", person.canonical_id,
                        day.isoformat(), adm["cause"], str(adm["age"]), adm["sex"],
                        adm["ethnicity"], lsoa_code,
                    ])
                    continue
                spell += draw.randint(40, 900)
                number = person.number % 10000000
                rows.append([
                    str(spell), f"999 {number // 10000:03d} {number % 10000:04d}",
                    person.canonical_id, person.fake_name(),
                    f"ZZ99 {person.number % 9 + 1}ZZ", day.strftime(HES_DATE), str(adm["age"]),
                    HES_GENDER[adm["sex"]], NHS_ETHNIC_CATEGORY.get(adm["ethnicity"], ""),
                    lsoa_code, adm["cause"],
                ])
            header = (PARTNER_HEADERS["hospital_admissions"] if self.position[label] < hes_from
                      else HES_HEADER)
            out[label] = (header, rows)
        return out

    def callouts(self, by_month: dict[str, list[_Attendance]]) -> dict[str, list[list[str]]]:
        """The conveyed attendances' calls, and calls whose patient did not come here."""
        draw, rng = self.stream("ambulance_callouts")
        calls: dict[str, list[tuple[datetime.datetime, str, _Lsoa, tuple[float, float]]]] = {
            label: [] for label in self.window}
        violence_cum = _cumulative([self.violence_weight[id(x)] for x in self.area])
        hour_cum = _cumulative(HOUR_WEIGHTS["night"])
        for label in self.window:
            conveyed = [a for a in by_month[label] if a.call]
            for a in conveyed:
                key = a.call.strftime("%Y-%m")
                if key in calls:
                    longitude, latitude = a.point
                    calls[key].append((a.call, AMBULANCE_CATEGORY[a.method], a.lsoa,
                                       (longitude + draw.uniform(-4e-4, 4e-4),
                                        latitude + draw.uniform(-3e-4, 3e-4))))
            days = _month_days(label)
            for _ in range(int(rng.poisson(AMBULANCE_NOT_CONVEYED * len(conveyed)))):
                lsoa = _choose(draw, self.area, violence_cum)
                day = draw.choice(days)
                when = datetime.datetime(day.year, day.month, day.day,
                                         _choose(draw, HOURS, hour_cum), draw.randint(0, 59))
                category = _pick(draw, {"assault": 90, "stabbing": 9, "shooting": 0.6})
                west, east, south, north = lsoa.cell
                calls[label].append((when, category, lsoa, (
                    west + (0.05 + 0.9 * draw.random()) * (east - west),
                    south + (0.05 + 0.9 * draw.random()) * (north - south))))
        out = {}
        for label in self.window:
            rows, day_serial, last_day = [], 0, None
            for when, category, lsoa, (longitude, latitude) in sorted(
                    calls[label], key=lambda c: c[0]):
                if when.date() != last_day:
                    day_serial, last_day = draw.randint(1, 60), when.date()
                day_serial += draw.randint(3, 60)  # the service's other calls in between
                code = "" if draw.random() < 0.015 else self.code(lsoa, label, draw=draw)
                rows.append([f"{when:%y%m%d}{day_serial:04d}", when.strftime("%Y-%m-%d %H:%M"),
                             category, f"{longitude:.6f}", f"{latitude:.6f}", code])
            out[label] = rows
        return out

    def aggregates(self) -> list[list[str]]:
        """The minor injuries unit's monthly counts per district, small counts suppressed."""
        _, rng = self.stream("partner_aggregates")
        rows = []
        for label in self.window:
            season = _season(label, 0.15)
            for measure, share in (("assault attendances", 1.0),
                                   ("knife or sharp object assault attendances",
                                    AGGREGATE_KNIFE_SHARE)):
                for code, monthly in AGGREGATE_SITE_MONTHLY.items():
                    count = int(rng.poisson(monthly * share * season))
                    hidden = count < AGGREGATE_SUPPRESS_BELOW
                    rows.append(["ae_assaults", measure, label, code,
                                 "" if hidden else str(count), _yes_no(hidden)])
        return rows

    # --- youth justice, social care, school exclusions, probation ---------------------------

    def youth_justice(self) -> tuple[dict[str, list[list[str]]], list[tuple]]:
        """Proven offences: a child new to the service (a first-time entrant, unless the
        outcome is 22) or one with an offence in the 18 months before."""
        draw, rng = self.stream("youth_justice")
        known: list[_Resident] = []
        for _ in range(YOUTH_KNOWN_AT_START):
            before = self.window_first - datetime.timedelta(days=draw.randint(15, 365))
            child = self.new_resident(draw, "youth", _draw_band(draw, YOUTH_AGES), before,
                                      YOUTH_SEX, "suspect")
            child.entered, child.last_offence = True, before
            child.offences.append(_pick(draw, YOUTH_OFFENCE_TYPES))
            known.append(child)
        offences: list[tuple] = []
        out = {}
        for label in self.window:
            days = _month_days(label)
            start, end = days[0], days[-1]
            # who may offend again this month: an offence in the 18 months before, under 18
            recent = [c for c in known if (start - c.last_offence).days
                      <= YOUTH_REOFFEND_MONTHS * 30.5 and _age_on(c.born, end) <= 17]
            events = []
            for _ in range(int(rng.poisson(YOUTH_JUSTICE_MONTHLY * _season(label, 0.08)))):
                day = draw.choice(days)
                if draw.random() < YOUTH_NEW_CHILD or not recent:
                    child = self.new_resident(draw, "youth", _draw_band(draw, YOUTH_AGES), day,
                                              YOUTH_SEX, "suspect")
                    known.append(child)
                else:
                    child = draw.choice(recent)
                first = not child.offences
                disposal = _pick(draw, YOUTH_DISPOSALS[first])
                age = _age_on(child.born, day)
                if disposal == "custody" and age < 12:
                    disposal = "youth rehabilitation order"
                entrant = not child.entered and disposal != "outcome 22"
                child.entered = child.entered or entrant
                offence = _pick(draw, YOUTH_OFFENCE_TYPES)
                child.offences.append(offence)
                child.last_offence = max(day, child.last_offence or day)
                events.append((day, child, offence, disposal, entrant, age))
            events.sort(key=lambda e: (e[0], e[1].number))
            rows = []
            for day, child, offence, disposal, entrant, age in events:
                rows.append([child.person_id, day.isoformat(), offence, disposal,
                             _yes_no(entrant), str(age), child.sex,
                             self.recorded_ethnicity(draw, child.ethnicity),
                             self.code(child.lsoa, label, key=child.number)])
                offences.append((day, child, offence))
            out[label] = rows
        return out, offences

    def _share_of(self, draw: random.Random, children: list[_Resident], share: float,
                  eligible: dict[int, list]) -> list[_Resident]:
        """`share` of the children (as near as can be), drawn among those with a date."""
        able = [c for c in children if eligible[c.number]]
        return draw.sample(able, min(len(able), round(share * len(children))))

    def social_care(self, youth: list[_Resident]) -> tuple[dict[str, list[list[str]]], list]:
        draw, rng = self.stream("social_care_assessments")
        events: dict[str, list[tuple]] = {label: [] for label in self.window}
        weekdays = {label: [d for d in _month_days(label) if d.weekday() < 5]
                    for label in self.window}
        all_weekdays = [d for label in self.window for d in weekdays[label]]
        eligible = {c.number: _days_aged(all_weekdays, c.born, 0, 17) for c in youth}
        for child in self._share_of(draw, youth, PARTNER_OVERLAPS["youth_justice_in_social_care"],
                                    eligible):
            for day in draw.sample(eligible[child.number],
                                   min(len(eligible[child.number]), 1 + (draw.random() < 0.2))):
                events[day.strftime("%Y-%m")].append((day, child))
        assessed: list[_Resident] = []
        for label in self.window:
            end = _month_bounds(label)[1]
            earlier = [c for c in assessed if _age_on(c.born, end) <= 17]
            for _ in range(int(rng.poisson(SOCIAL_CARE_MONTHLY))):
                day = draw.choice(weekdays[label])
                if earlier and draw.random() < SOCIAL_CARE_REASSESSED:
                    child = draw.choice(earlier)
                else:
                    child = self.new_resident(draw, "social", _draw_band(draw, SOCIAL_CARE_AGES),
                                              day, SOCIAL_CARE_SEX)
                    assessed.append(child)
                events[label].append((day, child))
        out = {}
        for label in self.window:
            rows = []
            for day, child in sorted(events[label], key=lambda e: (e[0], e[1].number)):
                factors = [draw.random() < p for p in SOCIAL_CARE_FACTORS]
                if not any(factors):
                    factors[draw.randrange(3)] = True
                rows.append([child.person_id, day.isoformat(), *map(_yes_no, factors),
                             str(_age_on(child.born, day)), child.sex,
                             self.recorded_ethnicity(draw, child.ethnicity),
                             self.code(child.lsoa, label, key=child.number)])
            out[label] = rows
        return out, assessed

    def exclusions(self, youth: list[_Resident], social: list[_Resident],
                   ) -> dict[str, list[list[str]]]:
        draw, rng = self.stream("school_exclusions")
        school_days = {label: [d for d in _month_days(label) if _is_school_day(d)]
                       for label in self.window}
        all_days = [d for label in self.window for d in school_days[label]]
        events: dict[str, list[tuple]] = {label: [] for label in self.window}

        def schedule(children: list[_Resident], share: float, reasons: str) -> None:
            eligible = {c.number: _days_aged(all_days, c.born, 10, 16) for c in children}
            for child in self._share_of(draw, children, share, eligible):
                count = min(len(eligible[child.number]), _choose(draw, [1, 2, 3, 4],
                                                                 [45, 75, 92, 100]))
                for day in draw.sample(eligible[child.number], count):
                    events[day.strftime("%Y-%m")].append((day, child, reasons))

        schedule(youth, PARTNER_OVERLAPS["youth_justice_in_exclusions"], "youth")
        youth_ids = {c.number for c in youth}
        schedule([c for c in social if c.number not in youth_ids],
                 PARTNER_OVERLAPS["social_care_in_exclusions"], "youth")
        pupils: list[_Resident] = []
        for label in self.window:
            start, end = _month_bounds(label)
            # pupils suspended in the 12 months before, still of school age
            earlier = [p for p in pupils if (start - p.last_excluded).days <= 365
                       and _age_on(p.born, end) <= 16]
            days = school_days[label]
            count = int(rng.poisson(EXCLUSIONS_PER_SCHOOL_DAY * len(days)))
            if not days:  # the summer holiday: a school back early, summer provision
                days = [d for d in _month_days(label) if d.weekday() < 5 and d.day >= 27]
                count = 1 + int(rng.poisson(1.0))
            for _ in range(count):
                day = draw.choice(days)
                if earlier and draw.random() < EXCLUSION_REPEAT:
                    pupil = draw.choice(earlier)
                else:
                    pupil = self.new_resident(draw, "school", _draw_band(draw, PUPIL_AGES), day,
                                              PUPIL_SEX)
                    if draw.random() < 0.05:
                        pupil.school_phase = "special"
                    pupils.append(pupil)
                pupil.last_excluded = day
                events[label].append((day, pupil, ""))
        out = {}
        for label in self.window:
            rows = []
            for day, pupil, reasons in sorted(events[label], key=lambda e: (e[0], e[1].number)):
                permanent = draw.random() < (EXCLUSION_PERMANENT * (3 if reasons else 1))
                kind = "permanent" if permanent else "suspension"
                reason = _pick(draw, EXCLUSION_REASONS["permanent" if permanent
                                                           else reasons or "suspension"])
                age = _age_on(pupil.born, day)
                phase = pupil.school_phase or ("primary" if age <= 10 else "secondary")
                if permanent:
                    pupil.school_phase = "alternative provision"
                rows.append([pupil.person_id, day.isoformat(), kind, reason, phase, str(age),
                             pupil.sex, self.recorded_ethnicity(draw, pupil.ethnicity),
                             self.code(pupil.lsoa, label, key=pupil.number)])
            out[label] = rows
        return out

    def probation(self, youth: list[_Resident]) -> dict[str, list[list[str]]]:
        """Quarter-end snapshots of a caseload of ~PROBATION_CASELOAD people; some of the
        children known to youth justice join it after they turn 18."""
        draw, rng = self.stream("probation_caseload")
        snapshots = [label for label in self.window if int(label[5:]) % 3 == 0]
        if not snapshots:
            return {}
        last_snapshot = _month_bounds(snapshots[-1])[1]
        pending = []  # (start, end, person, offence)
        adults = [c for c in youth
                  if self.window_first < _shift_years(c.born, 18) <= last_snapshot]
        for child in adults:
            if draw.random() >= PARTNER_OVERLAPS["youth_justice_to_probation"]:
                continue
            start = _shift_years(child.born, 18) + datetime.timedelta(days=draw.randint(30, 240))
            offence = ("violence against the person" if draw.random() < 0.5
                       else child.offences[-1])
            months = draw.randint(12, 24)
            pending.append((start, start + datetime.timedelta(days=int(months * 30.4)),
                            child, offence))
        caseload: list[tuple] = []
        out = {}
        for index, label in enumerate(snapshots):
            day = _month_bounds(label)[1]
            caseload = [c for c in caseload if c[1] > day]
            caseload += [p for p in pending if p[0] <= day < p[1]]
            pending = [p for p in pending if p[0] > day]
            target = int(round(rng.normal(PROBATION_CASELOAD, 8)))
            for _ in range(max(0, target - len(caseload))):
                months = draw.randint(*PROBATION_MONTHS)
                if index == 0:  # the caseload the window opens with: started at any time
                    start = day - datetime.timedelta(days=draw.randint(0, int(months * 30.4)))
                else:
                    start = day - datetime.timedelta(days=draw.randint(0, 91))
                person = self.new_resident(draw, "probation", _draw_band(draw, PROBATION_AGES),
                                           start, PROBATION_SEX, "suspect")
                caseload.append((start, start + datetime.timedelta(days=int(months * 30.4)),
                                 person, _pick(draw, PROBATION_OFFENCES)))
            rows = []
            for _, _, person, offence in sorted(caseload, key=lambda c: c[2].number):
                rows.append([person.person_id, day.isoformat(), offence,
                             _yes_no(offence in VIOLENT_INDEX_OFFENCES),
                             str(_age_on(person.born, day)), person.sex,
                             self.code(person.lsoa, label, key=person.number)])
            out[label] = rows
        return out


def _partner_tables(seed: int, lsoas: list[_Lsoa], expected: np.ndarray, window: list[str],
                    force: dict[str, list[_ForceCrime]], ethnicity: dict, canonical_months: int,
                    ) -> tuple[dict[str, tuple[list[str], list[list[str]]]], dict]:
    """The partners' files (relative path -> header and rows) and what the summary says about
    them: the months of each hospital shape and the overlaps built."""
    sim = _PartnerSimulation(seed, lsoas, expected, window, force, ethnicity)
    by_month = sim.attendances()
    ae = sim.ae_rows(by_month)
    admissions = sim.admissions(by_month)
    hes_from = len(window) - min(HES_MONTHS, len(window))
    hospital = sim.admission_rows(admissions, hes_from)
    ambulance = sim.callouts(by_month)
    youth, offences = sim.youth_justice()
    youth_children = list({id(c): c for _, c, _ in offences}.values())
    social, assessed = sim.social_care(youth_children)
    excluded = sim.exclusions(youth_children, assessed)
    probation = sim.probation(youth_children)

    files: dict[str, tuple[list[str], list[list[str]]]] = {}
    monthly = {"ae_assaults": ae, "ambulance_callouts": ambulance, "youth_justice": youth,
               "school_exclusions": excluded, "social_care_assessments": social}
    for label in window:
        for name in ("ae_assaults", "hospital_admissions", "ambulance_callouts", "youth_justice",
                     "school_exclusions", "social_care_assessments"):
            header, rows = (hospital[label] if name == "hospital_admissions"
                            else (PARTNER_HEADERS[name], monthly[name][label]))
            files[f"{PARTNERS_DIR}/{name}/{name}_{label}.csv"] = (header, rows)
        if label in probation:
            files[f"{PARTNERS_DIR}/probation_caseload/probation_caseload_{label}.csv"] = (
                PARTNER_HEADERS["probation_caseload"], probation[label])
    files[AGGREGATES_FILE] = (PARTNER_HEADERS["partner_aggregates"], sim.aggregates())

    # What was built, from the rows themselves.
    def ids(name: str, column: int = 0) -> set[str]:
        return {row[column] for path, (header, rows) in files.items()
                if path.startswith(f"{PARTNERS_DIR}/{name}/") for row in rows}

    youth_ids = ids("youth_justice")
    victims = {v.person.canonical_id for label in window[:canonical_months]
               for crime in force[label] for v in crime.victims}
    canonical_admissions = [row[1] for label in window[:min(hes_from, canonical_months)]
                            for row in hospital[label][1]]
    attendances = [a for label in window for a in by_month[label]]
    hidden = [a for a in attendances if a.person is None]

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    summary = {
        "hospital_admissions": {"canonical_months": window[:hes_from],
                                "hes_months": window[hes_from:]},
        "probation_snapshots": sorted(probation),
        "ae_hidden_share": share(len(hidden), len(attendances)),
        "town_centre_lsoas": sorted(
            {x.code for x in sim.hotspots} | {p.lsoa11.code for x in sim.hotspots
                                              for p in x.points}),
        "overlaps": {
            "youth_justice_children": len(youth_ids),
            "youth_justice_in_exclusions": share(len(youth_ids & ids("school_exclusions")),
                                                 len(youth_ids)),
            "youth_justice_in_social_care": share(
                len(youth_ids & ids("social_care_assessments")), len(youth_ids)),
            "youth_justice_in_probation": share(len(youth_ids & ids("probation_caseload")),
                                                len(youth_ids)),
            "hospital_admissions_of_force_victims": share(
                sum(p in victims for p in canonical_admissions), len(canonical_admissions)),
        },
    }
    return files, summary


def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, crlf: bool,
               bom: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate_demo_data(raw_dir: Path, *, seed: int = 20240601, months: int = 36,
                       end_month: str = "2025-12") -> dict:
    """Writes the demo's police.uk archives, reference files (census tables included) and the
    force's crime extract and the partners' data under raw_dir and returns a summary: the
    files written (relative paths), rows per kind, the month whose stop-and-search file is
    deliberately missing, the months of the extract in canonical CSVs and in Athena
    workbooks, and under "partners" files and rows per partner dataset, the months of each
    hospital shape, the probation snapshots, the share of A&E attendances without a police
    record, the town-centre LSOAs and the person overlaps built between sources. Existing
    files at those paths are replaced; nothing else is touched."""
    if months < 1:
        raise ValueError(f"months must be at least 1, not {months}")
    raw_dir = Path(raw_dir)
    rng = np.random.default_rng(seed)
    draw = random.Random(seed)
    labels = _month_labels(end_month, months + OUTCOME_LAG_MONTHS)
    window = labels[-months:]
    lsoas = _build_geography(rng, draw)
    expected = _expected_records(lsoas, labels)
    street, outcomes = _simulate_police_records(rng, draw, seed, lsoas, labels, months, expected)
    searches = _simulate_stop_searches(rng, draw, lsoas, expected, window)
    _apply_demo_intervention(seed, lsoas, street, outcomes)

    files: list[str] = []
    rows = {"street": 0, "outcomes": 0, "stop_and_search": 0}

    def write(relative: str, kind: str, header: list[str], content: list[list[str]], *,
              crlf: bool, bom: bool = False) -> None:
        _write_csv(raw_dir / relative, header, content, crlf=crlf, bom=bom)
        files.append(relative)
        rows[kind] = rows.get(kind, 0) + len(content)

    for label in window:
        stem = f"police_uk/{label}/{label}-{FORCE_SLUG}"
        write(f"{stem}-street.csv", "street", STREET_HEADER, street[label], crlf=True)
        write(f"{stem}-outcomes.csv", "outcomes", OUTCOMES_HEADER, outcomes[label], crlf=True)
        if label in searches:
            write(f"{stem}-stop-and-search.csv", "stop_and_search", STOP_SEARCH_HEADER,
                  searches[label], crlf=True)
    for name, (bom, header, content) in _reference_tables(rng, lsoas).items():
        write(f"reference/{name}", name.removesuffix(".csv"), header, content, crlf=False,
              bom=bom)
    files.append(write_demo_boundaries(raw_dir, lsoas))  # for the maps

    # Everything below draws from streams of its own: the files above stay as they were.
    ethnicity = _ethnicity_weights(np.random.default_rng([seed, 0xE7]))
    year, month = int(end_month[:4]), int(end_month[5:])
    extract_date = datetime.date(year, month, calendar.monthrange(year, month)[1])
    exported = datetime.datetime.combine(extract_date + datetime.timedelta(days=1),
                                         datetime.time(6, 0))
    simulation = _ForceSimulation(seed, lsoas, expected,
                                  _month_labels(end_month, months + FORCE_BURN_IN_MONTHS),
                                  FORCE_BURN_IN_MONTHS, extract_date, ethnicity)
    force = simulation.run()
    athena_draw = random.Random(f"svna-demo/athena/{seed}")
    athena_from = len(window) - min(ATHENA_MONTHS, len(window))
    for position, label in enumerate(window):
        if position < athena_from:
            tables = zip(("offences", "victims", "suspects"),
                         (FORCE_OFFENCES_HEADER, FORCE_VICTIMS_HEADER, FORCE_SUSPECTS_HEADER),
                         _canonical_tables(force[label]), strict=True)
            for table, header, content in tables:
                write(f"{FORCE_EXTRACT_DIR}/{table}_{label}.csv", f"force_{table}", header,
                      content, crlf=False)
            continue
        sheets = _athena_tables(athena_draw, force[label])
        relative = f"{FORCE_EXTRACT_DIR}/athena/athena_export_{label}.xlsx"
        (raw_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (raw_dir / relative).write_bytes(_xlsx_bytes(
            {name: (ATHENA_SHEETS[name], content) for name, content in sheets.items()},
            exported, ATHENA_APPLICATION))
        files.append(relative)
        for name, content in sheets.items():
            rows[f"force_{name.lower()}"] = rows.get(f"force_{name.lower()}", 0) + len(content)
    for name, content in _census_tables(lsoas, ethnicity, seed).items():
        header = CENSUS_ETHNICITY_HEADER if "ts021" in name else CENSUS_AGE_HEADER
        write(f"reference/{name}", name.removesuffix(".csv"), header, content, crlf=False)
    partner_files, partners = _partner_tables(seed, lsoas, expected, window, force, ethnicity,
                                              athena_from)
    partner_rows: dict[str, int] = {}
    partner_file_counts: dict[str, int] = {}
    for relative, (header, content) in partner_files.items():
        _write_csv(raw_dir / relative, header, content, crlf=False, bom=False)
        files.append(relative)
        dataset = relative.split("/")[1]
        dataset = "partner_aggregates" if dataset == "aggregates" else dataset
        partner_rows[dataset] = partner_rows.get(dataset, 0) + len(content)
        partner_file_counts[dataset] = partner_file_counts.get(dataset, 0) + 1
    return {
        "area": DEMO_AREA_NAME,
        "force": FORCE_NAME,
        "months": [window[0], window[-1]],
        "missing_stop_and_search_month": next(m for m in window if m not in searches),
        "force_extract": {
            "canonical_months": window[:athena_from],
            "athena_months": window[athena_from:],
        },
        "files": files,
        "rows": rows,
        "partners": {"files": partner_file_counts, "rows": partner_rows, **partners},
    }
