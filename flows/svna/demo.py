"""Synthetic demo data for a fictional community safety partnership, in the published formats.

The pipeline, its tests and `make demo` need inputs that look exactly like data.police.uk
archives and the ONS/MHCLG reference files (headers, quoting, BOMs, line endings, vocabularies
and the usual messiness) without shipping any real data. Everything is generated from a seed:
the same seed gives byte-identical files. All codes are fictional and collide with no real code.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import math
import random
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


def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, crlf: bool,
               bom: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate_demo_data(raw_dir: Path, *, seed: int = 20240601, months: int = 36,
                       end_month: str = "2025-12") -> dict:
    """Writes the demo's police.uk archives and reference files under raw_dir and returns a
    summary: the files written (relative paths), rows per kind, and the month whose
    stop-and-search file is deliberately missing. Existing files at those paths are replaced;
    nothing else is touched."""
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
    return {
        "area": DEMO_AREA_NAME,
        "force": FORCE_NAME,
        "months": [window[0], window[-1]],
        "missing_stop_and_search_month": next(m for m in window if m not in searches),
        "files": files,
        "rows": rows,
    }
