"""Synthetic demo data for a fictional community safety partnership, in the published formats.

The pipeline, its tests and `make demo` need inputs that look exactly like data.police.uk
archives and the ONS/MHCLG reference files (headers, quoting, BOMs, line endings, vocabularies
and the usual messiness) without shipping any real data. Everything is generated from a seed:
the same seed gives byte-identical files. All codes are fictional and collide with no real code.

Besides the published files, the force's own crime extract (offences, victims, suspects: the
canonical CSVs of sql/staging/force_*.yml, then for the last 12 months one XLSX workbook a
month from its new records system "Athena", mapped by config/mappings/demo-athena-*.yml) and
the Census 2021 tables TS021 (ethnic group) and TS007 (single year of age) of the districts.
Their random streams are separate from the police.uk ones, which they leave byte-identical.
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
    force's crime extract under raw_dir and returns a summary: the files written (relative
    paths), rows per kind, the month whose stop-and-search file is deliberately missing, and
    the months of the extract in canonical CSVs and in Athena workbooks. Existing files at
    those paths are replaced; nothing else is touched."""
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
    }
