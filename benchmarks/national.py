"""svna at national scale, against a plain pandas script and a plain DuckDB query.

Generates (seeded, vectorised) data.police.uk archives for the 43 forces of England and Wales
(about 7 million street records a year at --scale 1, with outcomes and stop and search files
in the published formats), the ONS/MHCLG reference files for the LSOAs used, and a force
extract of 1 million offences with victims and suspects (canonical form, sql/staging/force_*).
Then, each in a fresh process measured for wall time, CPU time and peak RSS:

  a. `svna refresh --no-prefect` on a config naming every district (per-stage time and peak);
  b. benchmarks/pandas_baseline.py: street files -> GX pandas validation -> police_uk_monthly;
  c. one DuckDB query checking the same suites' rules over the same loaded rows;
  d. the refresh again after a 13th month is dropped in (against the full refresh).

On data generated before: --street-only runs svna on the pandas script's inputs alone;
--force-areas runs one config of 43 areas, one per force.

    PYTHONPATH=flows .venv/bin/python benchmarks/national.py --scale 0.1 --out /tmp/svna-national

Codes are fictional (LSOAs E01100001.., districts E07900001..): no collision with real ones.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from svna import datasets

from _common import run_measured

# Headers as published, from the declarations (sql/staging/*.yml): one source for them.
HEADERS = {d.name: list(d.columns) for d in datasets.load_datasets()}
STREET_HEADER = HEADERS["police_uk_street"]
OUTCOMES_HEADER = HEADERS["police_uk_outcomes"]
STOP_SEARCH_HEADER = HEADERS["police_uk_stop_search"]
IMD_HEADER = HEADERS["ref_imd2025"]
OFFENCES_HEADER = HEADERS["force_offences"]
VICTIMS_HEADER = HEADERS["force_victims"]
SUSPECTS_HEADER = HEADERS["force_suspects"]

# The 43 territorial forces (data.police.uk slugs) and a rough share of the records of
# England and Wales (the Metropolitan Police about a sixth, the City of London a sliver).
FORCES = {
    "avon-and-somerset": 2.6, "bedfordshire": 1.0, "cambridgeshire": 1.3, "cheshire": 1.6,
    "city-of-london": 0.15, "cleveland": 1.3, "cumbria": 0.7, "derbyshire": 1.5,
    "devon-and-cornwall": 2.0, "dorset": 0.9, "durham": 1.0, "dyfed-powys": 0.6, "essex": 2.9,
    "gloucestershire": 0.8, "greater-manchester": 6.0, "gwent": 0.9, "hampshire": 3.0,
    "hertfordshire": 1.7, "humberside": 1.8, "kent": 3.1, "lancashire": 2.5,
    "leicestershire": 1.6, "lincolnshire": 1.0, "merseyside": 2.6, "metropolitan": 15.5,
    "norfolk": 1.2, "north-wales": 1.0, "north-yorkshire": 0.9, "northamptonshire": 1.2,
    "northumbria": 2.4, "nottinghamshire": 1.9, "south-wales": 2.1, "south-yorkshire": 2.8,
    "staffordshire": 1.6, "suffolk": 1.0, "surrey": 1.4, "sussex": 2.4, "thames-valley": 3.4,
    "warwickshire": 0.8, "west-mercia": 1.9, "west-midlands": 5.6, "west-yorkshire": 5.5,
    "wiltshire": 0.8,
}
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WELSH = {"dyfed-powys", "gwent", "north-wales", "south-wales"}
STREET_ROWS_A_YEAR = 7_000_000
OUTCOME_SHARE = 0.75        # crimes that get an outcome update within the months generated
STOP_SEARCH_SHARE = 0.075   # stop and searches per street record
FORCE_OFFENCES = 1_000_000  # the force extract's offences over the months generated
LSOAS = 35_000
DISTRICTS = 331

CRIME_TYPES = {
    "Anti-social behaviour": 20, "Violence and sexual offences": 33, "Public order": 8,
    "Criminal damage and arson": 8, "Other theft": 7, "Shoplifting": 7, "Vehicle crime": 5,
    "Burglary": 4.5, "Drugs": 2.5, "Other crime": 1.5, "Theft from the person": 1.5,
    "Robbery": 1, "Bicycle theft": 1, "Possession of weapons": 0.8,
}
OUTCOMES = [
    "Investigation complete; no suspect identified", "Unable to prosecute suspect",
    "Under investigation", "Status update unavailable", "Awaiting court outcome",
    "Court result unavailable", "Local resolution", "Offender given a caution",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation", "Offender sent to prison",
    "Offender given community sentence", "Offender fined", "Defendant found not guilty",
]
OUTCOME_WEIGHTS = [38, 30, 10, 5, 4, 3, 3, 2, 1.5, 1.5, 0.8, 0.6, 0.4, 0.2]
OUTCOME_TYPES = [  # the outcomes file's "Outcome type" values
    "Investigation complete; no suspect identified", "Unable to prosecute suspect",
    "Suspect charged", "Local resolution", "Offender given a caution",
    "Formal action is not in the public interest",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation", "Offender sent to prison", "Offender fined",
]
OUTCOME_TYPE_WEIGHTS = [40, 33, 9, 5, 4, 2, 3, 2, 1, 1]
STREETS = [f"On or near {n}" for n in (
    "High Street", "Station Road", "Church Street", "Park Lane", "Victoria Road", "Green Lane",
    "Manor Road", "Church Lane", "Park Road", "London Road", "Queen Street", "King Street",
    "Mill Lane", "School Lane", "The Crescent", "Kings Road", "New Road", "Grange Road",
    "Supermarket", "Shopping Area", "Parking Area", "Petrol Station", "Sports/Recreation Area",
    "Nightclub", "Further/Higher Educational Building", "Hospital", "Police Station",
    "Theatre/Concert Hall", "Conference/Exhibition Centre", "Pedestrian Subway",
    "Market Place, Upper", "St. John's Road", "Bus/Coach Station", "Hotel/Motel")]
SEARCH = {
    "Type": (["Person search", "Person and Vehicle search", "Vehicle search"], [76, 20, 4]),
    "Part of a policing operation": (["", "False", "True"], [73, 25, 2]),
    "Gender": (["Male", "Female", ""], [88, 11.5, 0.5]),
    "Age range": (["18-24", "over 34", "25-34", "10-17", "under 10", ""],
                  [30, 25, 23, 18, 0.2, 3.8]),
    "Self-defined ethnicity": (
        ["White - English/Welsh/Scottish/Northern Irish/British", "Other ethnic group - Not stated",
         "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
         "Asian/Asian British - Pakistani", "White - Any other White background", ""],
        [55, 15, 10, 8, 8, 4]),
    "Officer-defined ethnicity": (["White", "Asian", "Black", "Other", ""],
                                  [72, 11.5, 10.5, 3.3, 2.7]),
    "Legislation": (["Misuse of Drugs Act 1971 (section 23)",
                     "Police and Criminal Evidence Act 1984 (section 1)",
                     "Criminal Justice and Public Order Act 1994 (section 60)"], [62, 35, 3]),
    "Object of search": (["Controlled drugs", "Offensive weapons", "Stolen goods",
                          "Article for use in theft", "Evidence of offences under the Act"],
                         [62, 18, 10, 6, 4]),
    "Outcome": (["A no further action disposal", "Arrest", "Community resolution",
                 "Khat or Cannabis warning", "Penalty Notice for Disorder",
                 "Summons / charged by post"],
                [70, 14, 8, 5, 1.5, 1.5]),
    "Outcome linked to object of search": (["True", "False", ""], [25, 45, 30]),
    "Removal of more than just outer clothing": (["False", "True", ""], [90, 2, 8]),
}
SEXES = (["M", "F", "U"], [55, 43, 2])
ETHNICITY = (["W1", "W2", "W9", "M1", "M3", "A1", "A2", "A3", "A9", "B1", "B2", "O2", "O9", "NS"],
             [60, 1, 6, 1.5, 1, 2.5, 2.5, 1, 1.5, 1.5, 2.5, 0.5, 1.5, 17])


def month_labels(first: str, count: int) -> list[str]:
    start = pd.Period(first, freq="M")
    return [str(start + i) for i in range(count)]


def _pick(rng: np.random.Generator, choices: list, weights: list, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return np.asarray(choices, dtype=object)[rng.choice(len(choices), size, p=p / p.sum())]


_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def _hex_ids(rng: np.random.Generator, size: int) -> np.ndarray:
    """size random 64-character lowercase hex strings (police.uk's Crime ID)."""
    raw = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    return _HEX[raw].view("S64").ravel().astype("U64").astype(object)


def _write(path: Path, frame: pd.DataFrame, crlf: bool, bom: bool = False) -> int:
    """A CSV as the publishers write it: quoted only where needed, blanks empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\r\n" if crlf else "\n", na_rep="",
                 quoting=csv.QUOTE_MINIMAL, float_format="%.6f",
                 encoding="utf-8-sig" if bom else "utf-8")
    return len(frame)


class Geography:
    """Forces, districts and LSOAs (2021 codes; some with a different 2011 code)."""

    def __init__(self, rng: np.random.Generator):
        forces = list(FORCES)
        weight = np.array([FORCES[f] for f in forces])
        share = weight / weight.sum()
        districts = np.maximum(1, np.round(share * DISTRICTS)).astype(int)
        lsoas = np.maximum(6, np.round(share * LSOAS)).astype(int)
        self.forces, self.share = forces, share
        self.force_name = {f: ("Metropolitan Police Service" if f == "metropolitan" else
                               f.replace("-", " ").title().replace(" And ", " and ")
                               .replace(" Of ", " of ") + " Police") for f in forces}
        rows = []
        lad_no = lsoa_no = 0
        for f, nd, nl in zip(forces, districts, lsoas, strict=True):
            nation = "W" if f in WELSH else "E"
            lad_of = np.sort(rng.integers(0, nd, nl))
            lad_of[:nd] = np.arange(nd)  # every district has an LSOA
            for d in np.sort(lad_of):
                rows.append((f, nation, lad_no + d, lsoa_no))
                lsoa_no += 1
            lad_no += nd
        frame = pd.DataFrame(rows, columns=["force", "nation", "lad", "lsoa"])
        lad_prefix = np.where(frame["nation"] == "W", "W06", "E07")
        frame["lad_code"] = lad_prefix + (900001 + frame["lad"]).astype(str)
        frame["lad_name"] = "Benchshire " + (frame["lad"] + 1).map("{:03d}".format)
        frame["lsoa21_code"] = frame["nation"] + "01" + (100001 + frame["lsoa"]).astype(str)
        within = frame.groupby("lad").cumcount()
        frame["lsoa21_name"] = (frame["lad_name"] + " " + (within // 4 + 1).map("{:03d}".format)
                                + np.array(list("ABCD"))[within % 4])
        n = len(frame)
        frame["population"] = rng.integers(1000, 3200, n)
        centre = {f: (rng.uniform(-4.5, -2.9), rng.uniform(51.6, 53.2)) if f in WELSH
                  else (rng.uniform(-4.5, 1.3), rng.uniform(50.5, 55.3)) for f in forces}
        frame["lon"] = frame["force"].map(lambda f: centre[f][0]) + rng.normal(0, 0.25, n)
        frame["lat"] = frame["force"].map(lambda f: centre[f][1]) + rng.normal(0, 0.15, n)
        frame["rate"] = rng.lognormal(0, 0.7, n)
        # police.uk's anonymised map points: a fixed set per LSOA, shared by street records
        # and stop and searches (which is how svna places a search in an LSOA)
        count = 5 + rng.poisson(10, n)
        self.point_start = np.concatenate([[0], np.cumsum(count)[:-1]])
        self.point_count = count
        owner = np.repeat(np.arange(n), count)
        self.point_lon = np.round(frame["lon"].to_numpy()[owner]
                                  + rng.normal(0, 0.006, len(owner)), 6)
        self.point_lat = np.round(frame["lat"].to_numpy()[owner]
                                  + rng.normal(0, 0.004, len(owner)), 6)
        # 1.5% of LSOAs replaced a 2011 LSOA with another code; police.uk sometimes still
        # gives the old one. 0.4% are absent from the 2021 lookup (as in the real lookups) and
        # are placed through the 2011-to-2021 lookup's district.
        changed = rng.random(n) < 0.015
        frame["lsoa11_code"] = np.where(changed, frame["nation"] + "01"
                                        + (200001 + frame["lsoa"]).astype(str),
                                        frame["lsoa21_code"])
        frame["in_2021_lookup"] = rng.random(n) >= 0.004
        self.lsoas = frame
        self.districts = (frame[["lad_code", "lad_name"]].drop_duplicates()
                          .sort_values("lad_code").reset_index(drop=True))

    def write_reference(self, ref: Path) -> None:
        f = self.lsoas
        known = f[f["in_2021_lookup"]]
        _write(ref / "lsoa21_to_lad23.csv", pd.DataFrame({
            "LSOA21CD": known["lsoa21_code"], "LSOA21NM": known["lsoa21_name"],
            "LAD23CD": known["lad_code"], "LAD23NM": known["lad_name"],
            "UTLA23CD": known["lad_code"], "UTLA23NM": known["lad_name"]}), crlf=False)
        _write(ref / "lsoa11_to_lsoa21_to_lad.csv", pd.DataFrame({
            "ObjectId": np.arange(1, len(f) + 1), "LSOA11CD": f["lsoa11_code"],
            "LSOA11NM": f["lsoa21_name"], "LSOA21CD": f["lsoa21_code"],
            "LSOA21NM": f["lsoa21_name"], "LAD22CD": f["lad_code"], "LAD22NM": f["lad_name"],
            "LAD22NMW": ""}), crlf=False, bom=True)
        _write(ref / "lsoa_population.csv", pd.DataFrame(
            {"lsoacd": f["lsoa21_code"], "population": f["population"]}), crlf=False, bom=True)
        england = f[f["nation"] == "E"].reset_index(drop=True)
        rank = np.argsort(np.argsort(-england["rate"].to_numpy())) + 1
        decile = (rank - 1) * 10 // len(england) + 1
        imd = pd.DataFrame({"lsoa21_code": england["lsoa21_code"]})
        for col in IMD_HEADER[1:9]:
            imd[col] = decile.astype(float).astype(str)
        for col in IMD_HEADER[9:17]:
            imd[col] = rank.astype(float).astype(str)
        for col in IMD_HEADER[17:]:
            imd[col] = np.round(60 - rank * 55 / len(england), 3).astype(str)
        _write(ref / "imd2025_england_lsoa21.csv", imd, crlf=False)


def _map_points(rng, geo: Geography, lsoa_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A map point of each given LSOA (by row of geo.lsoas): longitudes, latitudes."""
    pick = geo.point_start[lsoa_rows] + (rng.random(len(lsoa_rows))
                                         * geo.point_count[lsoa_rows]).astype(int)
    return geo.point_lon[pick].copy(), geo.point_lat[pick].copy()


def _street_month(rng, geo: Geography, force: str, month: str, rows: int) -> pd.DataFrame:
    lsoas = geo.lsoas[geo.lsoas["force"] == force]
    p = lsoas["rate"].to_numpy()
    at = rng.choice(len(lsoas), rows, p=p / p.sum())
    place = lsoas.iloc[at]
    code = place["lsoa21_code"].to_numpy(dtype=object).copy()
    old = place["lsoa11_code"].to_numpy(dtype=object)
    use_old = (old != code) & (rng.random(rows) < 0.5)
    code[use_old] = old[use_old]
    name = place["lsoa21_name"].to_numpy(dtype=object).copy()
    lon, lat = _map_points(rng, geo, lsoas.index.to_numpy()[at])
    location = _pick(rng, STREETS, [1] * len(STREETS), rows)
    where = rng.random(rows)
    unknown = where < 0.003  # a code in no lookup
    code[unknown] = "E01" + (300001 + rng.integers(0, 900, unknown.sum())).astype(str)
    name[unknown] = "Elsewhere 001A"
    nowhere = (where >= 0.003) & (where < 0.018)  # no location at all
    code[nowhere] = None
    name[nowhere] = None
    lon[nowhere] = np.nan
    lat[nowhere] = np.nan
    location[nowhere] = "No Location"
    crime_type = _pick(rng, list(CRIME_TYPES), list(CRIME_TYPES.values()), rows)
    asb = crime_type == "Anti-social behaviour"
    crime_id = _hex_ids(rng, rows)
    crime_id[asb] = None
    outcome = _pick(rng, OUTCOMES, OUTCOME_WEIGHTS, rows)
    outcome[asb] = None
    frame = pd.DataFrame({
        "Crime ID": crime_id, "Month": month, "Reported by": geo.force_name[force],
        "Falls within": geo.force_name[force], "Longitude": lon, "Latitude": lat,
        "Location": location, "LSOA code": code, "LSOA name": name, "Crime type": crime_type,
        "Last outcome category": outcome, "Context": None})
    # police.uk repeats a few crimes within a file (same Crime ID, same row)
    again = frame[~asb & (rng.random(rows) < 0.0005)]
    frame = pd.concat([frame, again]).sort_index(kind="stable").reset_index(drop=True)
    return frame


def _stop_search_month(rng, geo: Geography, force: str, month: str, rows: int) -> pd.DataFrame:
    lsoas = geo.lsoas[geo.lsoas["force"] == force]
    at = rng.integers(0, len(lsoas), rows)
    start = np.datetime64(f"{month}-01T00:00:00")
    days = (np.datetime64(str(pd.Period(month, freq="M") + 1) + "-01") - np.datetime64(
        f"{month}-01")).astype(int)
    seconds = rng.integers(0, days * 86400, rows).astype("timedelta64[s]")
    date = np.char.add(np.datetime_as_string(start + seconds, unit="s"), "+00:00")
    lon, lat = _map_points(rng, geo, lsoas.index.to_numpy()[at])
    off_point = rng.random(rows) < 0.05  # as in the real files, 95% fall on a street map point
    lon[off_point] += np.round(rng.normal(0, 0.002, off_point.sum()), 6)
    lat[off_point] += np.round(rng.normal(0, 0.0015, off_point.sum()), 6)
    unplaced = rng.random(rows) < 0.003
    lat[unplaced] = np.nan
    lon[unplaced] = np.nan
    frame = pd.DataFrame({"Type": _pick(rng, *SEARCH["Type"], rows), "Date": date})
    frame["Part of a policing operation"] = _pick(rng, *SEARCH["Part of a policing operation"],
                                                  rows)
    frame["Policing operation"] = None
    frame["Latitude"] = lat
    frame["Longitude"] = lon
    for column in STOP_SEARCH_HEADER[6:]:
        frame[column] = _pick(rng, *SEARCH[column], rows)
    return frame[STOP_SEARCH_HEADER]


def _force_extract_month(rng, geo: Geography, month: str, rows: int, first_ref: int,
                         offence_codes: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    lsoas = geo.lsoas
    at = rng.integers(0, len(lsoas), rows)
    start = np.datetime64(f"{month}-01")
    days = (np.datetime64(str(pd.Period(month, freq="M") + 1) + "-01") - start).astype(int)
    recorded = start + rng.integers(0, days, rows).astype("timedelta64[D]")
    committed = (recorded.astype("datetime64[m]")
                 - rng.integers(0, 3 * 1440, rows).astype("timedelta64[m]"))
    span = rng.random(rows) < 0.3
    committed_to = committed + rng.integers(10, 600, rows).astype("timedelta64[m]")
    code_at = rng.choice(len(offence_codes), rows, p=offence_codes["weight"].to_numpy())
    outcome = _pick(rng, ["0", "1", "2", "3", "8", "14", "15", "16", "18", "21", "22"],
                    [25, 8, 1, 4, 2, 6, 18, 26, 8, 1, 1], rows)
    outcome_date = recorded + rng.integers(1, 200, rows).astype("timedelta64[D]")
    refs = np.char.add("CR/", (first_ref + np.arange(rows)).astype(str))

    def text(values: np.ndarray) -> np.ndarray:
        return np.char.replace(np.datetime_as_string(values), "T", " ")

    offences = pd.DataFrame({
        "crime_reference": refs,
        "recorded_date": np.datetime_as_string(recorded),
        "committed_from": text(committed),
        "committed_to": np.where(span, text(committed_to), ""),
        "offence_code": offence_codes["code"].to_numpy()[code_at],
        "offence_description": offence_codes["description"].to_numpy()[code_at],
        "lsoa_code": lsoas["lsoa21_code"].to_numpy()[at],
        "longitude": np.nan, "latitude": np.nan,
        "knife_flag": np.where(rng.random(rows) < 0.03, "Y", "N"),
        "firearm_flag": np.where(rng.random(rows) < 0.002, "Y", "N"),
        "domestic_abuse_flag": np.where(rng.random(rows) < 0.18, "Y", "N"),
        "outcome_code": outcome,
        "outcome_date": np.where(outcome == "0", "", np.datetime_as_string(outcome_date)),
    })

    def people(per_offence: float, pool: int, prefix: str) -> pd.DataFrame:
        n = rng.poisson(per_offence * rows)
        return pd.DataFrame({
            "crime_reference": refs[rng.integers(0, rows, n)],
            "person_id": np.char.add(prefix, rng.integers(0, pool, n).astype(str)),
            "age": rng.integers(10, 80, n).astype(str),
            "sex": _pick(rng, *SEXES, n),
            "ethnicity": _pick(rng, *ETHNICITY, n),
        })

    victims = people(1.1, 40 * rows, "V")
    victims["repeat_victim"] = np.where(rng.random(len(victims)) < 0.08, "Y", "N")
    suspects = people(0.6, 20 * rows, "S")
    suspects["outcome_code"] = np.where(rng.random(len(suspects)) < 0.05, "16", "")
    return offences, victims, suspects


def generate(out: Path, scale: float, months: list[str], held_back: str | None,
             seed: int = 20260501) -> dict:
    """Writes raw/ under `out` (and the month `held_back` under held/) and returns counts."""
    raw, held = out / "raw", out / "held"
    rng = np.random.default_rng(seed)
    geo = Geography(rng)
    geo.write_reference(raw / "reference")
    counts = {"street": 0, "outcomes": 0, "stop_and_search": 0, "offences": 0, "victims": 0,
              "suspects": 0, "files": 4}
    every = months + ([held_back] if held_back else [])
    per_month = STREET_ROWS_A_YEAR * scale / 12
    for k, force in enumerate(geo.forces):
        frng = np.random.default_rng([seed, k])  # a stream per force: each force's files
        crimes = []                              # are the same whatever the others are
        for month in every:
            folder = (held if month == held_back else raw / "police_uk") / month
            rows = max(1, int(frng.poisson(per_month * geo.share[k])))
            street = _street_month(frng, geo, force, month, rows)
            counts["street"] += _write(folder / f"{month}-{force}-street.csv", street, crlf=True)
            crimes.append(street[street["Crime ID"].notna()].drop_duplicates("Crime ID"))
            # outcome updates this month for crimes of this month and the 5 before it
            recent = pd.concat(crimes[-6:], ignore_index=True)
            pick = frng.random(len(recent)) < OUTCOME_SHARE / min(len(crimes), 6)
            updates = recent[pick].assign(Month=month)
            updates["Outcome type"] = _pick(frng, OUTCOME_TYPES, OUTCOME_TYPE_WEIGHTS,
                                            len(updates))
            counts["outcomes"] += _write(folder / f"{month}-{force}-outcomes.csv",
                                         updates[OUTCOMES_HEADER], crlf=True)
            searches = _stop_search_month(frng, geo, force, month,
                                          max(1, int(rows * STOP_SEARCH_SHARE)))
            counts["stop_and_search"] += _write(
                folder / f"{month}-{force}-stop-and-search.csv", searches, crlf=True)
            counts["files"] += 3
    # the Home Office offence codes svna knows
    codes = pd.read_csv(REPO / "sql" / "seeds" / "ho_offence_codes.csv", dtype=str)
    codes["weight"] = np.where(codes["group"].str.contains("violence|robbery|weapon",
                                                           regex=True), 6.0, 1.0)
    codes["weight"] /= codes["weight"].sum()
    xrng = np.random.default_rng([seed, 999])
    first_ref = 1_000_000
    for month in every:
        rows = max(1, int(FORCE_OFFENCES * scale / len(months)))
        folder = (held / "force_extract") if month == held_back else raw / "force_extract"
        tables = _force_extract_month(xrng, geo, month, rows, first_ref, codes)
        first_ref += rows
        for name, header, table in zip(("offences", "victims", "suspects"),
                                       (OFFENCES_HEADER, VICTIMS_HEADER, SUSPECTS_HEADER),
                                       tables, strict=True):
            counts[name] += _write(folder / f"{name}_{month}.csv", table[header], crlf=False)
            counts["files"] += 1
    counts["districts"] = geo.districts
    counts["lsoas"] = len(geo.lsoas)
    return counts


# ---------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------

# (a) What `svna refresh --no-prefect` runs (cli._run: pipeline.refresh on the loaded config),
# with each stage's wall time and peak RSS recorded.
SVNA_CHILD = """
import json, sys
from pathlib import Path
from svna import pipeline
from svna.config import load_config
from _common import measured_stage_runner
stages = {}
result = pipeline.refresh(load_config(Path(sys.argv[1]), Path.cwd()),
                          stage_runner=measured_stage_runner(stages))
print(json.dumps({"status": result.status, "timings": result.timings, "stages": stages,
                  "lines": pipeline.summarise(result)["lines"]}))
"""

# (c) The rules of every suite svna evaluates, as one plain DuckDB query over the same loaded
# rows (the raw tables of the warehouse svna just built): a row count and, per column rule, the
# count of unexpected values (uniqueness over the whole table rather than per file).
DUCKDB_CHILD = """
import json, sys, time
import duckdb
from svna import datasets
from _common import rule_counts
con = duckdb.connect(sys.argv[1], read_only=True)
parts = []
for ds in datasets.load_datasets():
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                       "AND table_name = ?", [ds.name]).fetchall()[0][0]:
        continue
    parts.append(f"SELECT '{ds.name}' AS dataset, [{', '.join(rule_counts(ds))}] AS counts "
                 f"FROM {ds.raw_table}")
started = time.perf_counter()
rows = con.execute(" UNION ALL ".join(parts)).fetchall()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "counts": {d: c for d, c in rows}}))
"""

# (c') The street rules alone, straight from the CSV files: what one would type in DuckDB.
STREET_CSV_CHILD = """
import json, sys, time
import duckdb
from svna import datasets
from _common import rule_counts
ds = next(d for d in datasets.load_datasets() if d.name == "police_uk_street")
columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in ds.columns) + "}"
started = time.perf_counter()
row = duckdb.execute(f"SELECT {', '.join(rule_counts(ds))} FROM read_csv('{sys.argv[1]}', "
                     f"header = true, columns = {columns}, quote = '\\"', escape = '\\"')"
                     ).fetchall()[0]
print(json.dumps({"seconds": time.perf_counter() - started, "counts": list(row)}))
"""


def child_env(out: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join([str(REPO / "flows"), str(HERE)]),
        "SVNA_PSEUDONYM_KEY": env.get("SVNA_PSEUDONYM_KEY", "svna-benchmark-key-synthetic-only"),
        "PREFECT_HOME": str(out / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
    })
    return env


def write_config(out: Path, districts: list[str], pdf: bool = True) -> Path:
    path = out / "national.yaml"
    path.write_text(yaml.safe_dump({
        "area": {"name": "England and Wales (synthetic)", "districts": districts},
        "paths": {"raw": str(out / "raw"), "processed": str(out / "processed"),
                  "reports": str(out / "reports")},
        "report": {"pdf": pdf}}, width=100))
    return path


def last_json(log: str) -> dict:
    lines = [x for x in Path(log).read_text().splitlines() if x.startswith("{")]
    if not lines:
        raise RuntimeError(f"no result in {log}:\n{Path(log).read_text()[-3000:]}")
    return json.loads(lines[-1])


def run_svna(out: Path, config: Path, label: str) -> dict:
    run = run_measured([sys.executable, "-c", SVNA_CHILD, str(config)],
                       out / "logs" / f"svna-{label}.log",
                       child_env(out), cwd=out)
    if run["returncode"]:
        raise RuntimeError(f"svna refresh ({label}) failed, see {run['log']}:\n"
                           + Path(run["log"]).read_text()[-3000:])
    run.update(last_json(run["log"]))
    stage_peak = max(peak for _, peak in run["stages"].values())
    run["peak_mb"] = max(run["peak_mb"], stage_peak)  # the stage runner resets the mark
    return run


def show(label: str, run: dict) -> None:
    print(f"{label:<44} wall {run['wall_s']:8.1f} s  cpu {run['cpu_s']:8.1f} s  "
          f"peak RSS {run['peak_mb']:7.0f} MB")


def compare_csv(ours: Path, theirs: Path) -> str:
    a, b = ours.read_bytes().splitlines(), theirs.read_bytes().splitlines()
    if a == b and ours.read_bytes() == theirs.read_bytes():
        return f"identical ({len(a) - 1:,} rows, {ours.stat().st_size:,} bytes)"
    first = next((i + 1 for i, (p, q) in enumerate(zip(a, b, strict=False)) if p != q),
                 min(len(a), len(b)) + 1)
    return (f"DIFFERENT: svna {len(a) - 1:,} rows, pandas {len(b) - 1:,} rows; first "
            f"difference at line {first}")


def street_only(out: Path, districts: list[str], months: list[str], pdf: bool) -> dict:
    """svna on the pandas script's inputs alone (street files and reference files, linked):
    like for like, without the outcomes, stop and search and force extract."""
    base = out / "street-only"
    shutil.rmtree(base, ignore_errors=True)
    (base / "raw" / "police_uk").mkdir(parents=True)
    (base / "raw" / "reference").symlink_to(out / "raw" / "reference")
    for month in (out / "raw" / "police_uk" / m for m in months):
        (base / "raw" / "police_uk" / month.name).mkdir()
        for path in month.glob("*-street.csv"):
            (base / "raw" / "police_uk" / month.name / path.name).symlink_to(path)
    run = run_svna(base, write_config(base, districts, pdf), "street-only")
    show("svna refresh, street and reference files only", run)
    for stage, (seconds, peak) in run["stages"].items():
        print(f"    {stage:<9} {seconds:8.1f} s   peak RSS {peak:7.0f} MB")
    return run


def force_areas(out: Path, months: list[str], pdf: bool, workers: int) -> dict:
    """svna with one area per force (the 43 of them) in one config, each district in the
    area of the force with most of its street records: a shared ingest and validation, then
    43 assessments built `workers` at a time (threads)."""
    base = out / "force-areas"
    shutil.rmtree(base, ignore_errors=True)
    (base / "raw" / "police_uk").mkdir(parents=True)
    (base / "raw" / "reference").symlink_to(out / "raw" / "reference")
    (base / "raw" / "force_extract").mkdir()
    for month in months:
        (base / "raw" / "police_uk" / month).symlink_to(out / "raw" / "police_uk" / month)
        for path in (out / "raw" / "force_extract").glob(f"*_{month}.csv"):
            (base / "raw" / "force_extract" / path.name).symlink_to(path)
    streets = [str(p) for m in months for p in (out / "raw" / "police_uk" / m).glob(
        "*-street.csv")]
    assigned = duckdb.execute(
        "SELECT force, list(lad ORDER BY lad) FROM (SELECT lad, arg_max(force, n) AS force "
        "FROM (SELECT regexp_extract(s.filename, '\\d{4}-\\d{2}-(.+)-street\\.csv$', 1) "
        "AS force, l.LAD23CD AS lad, count(*) AS n FROM read_csv($streets, header = true, "
        "columns = $columns, filename = true, auto_detect = false, quote = '\"', "
        "escape = '\"') AS s JOIN read_csv($lookup, header = true, all_varchar = true) AS l "
        "ON l.LSOA21CD = s.\"LSOA code\" GROUP BY ALL) GROUP BY lad) GROUP BY force "
        "ORDER BY force",
        {"streets": streets, "columns": {c: "VARCHAR" for c in STREET_HEADER},
         "lookup": str(out / "raw" / "reference" / "lsoa21_to_lad23.csv")}).fetchall()
    config = base / "national.yaml"
    config.write_text(yaml.safe_dump({
        "areas": [{"name": force, "districts": lads} for force, lads in assigned],
        "paths": {"raw": str(base / "raw"), "processed": str(base / "processed"),
                  "reports": str(base / "reports")},
        "report": {"pdf": pdf}, "run": {"workers": workers}}, width=100))
    run = run_svna(base, config, "force-areas")
    show(f"svna refresh, {len(assigned)} force areas", run)
    for stage, (seconds, peak) in run["stages"].items():
        print(f"    {stage:<9} {seconds:8.1f} s   peak RSS {peak:7.0f} MB")
    warehouses = sorted((base / "processed").rglob("*.duckdb"))
    run["warehouse_mb"] = {p.relative_to(base).as_posix(): round(p.stat().st_size / 2**20)
                           for p in warehouses}
    print(f"    {len(warehouses)} warehouses, {sum(run['warehouse_mb'].values()):,} MB in all")
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="data and results folder (default: a new "
                        "temporary folder outside the repository)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of national volumes")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--first-month", default="2024-01")
    parser.add_argument("--seed", type=int, default=20260501)
    parser.add_argument("--no-pdf", action="store_true",
                        help="svna writes the documents as HTML only (report: {pdf: false})")
    parser.add_argument("--street-only", action="store_true",
                        help="only run svna on the street and reference files of data "
                        "generated before in --out (the pandas script's inputs)")
    parser.add_argument("--force-areas", action="store_true",
                        help="only run svna with one area per force (43 areas) on data "
                        "generated before in --out")
    parser.add_argument("--workers", type=int, default=2,
                        help="areas built at a time with --force-areas")
    args = parser.parse_args()
    out = (args.out or Path(tempfile.mkdtemp(prefix="svna-national-"))).resolve()
    if REPO in out.parents or out == REPO:
        parser.error(f"--out {out} is inside the repository; use a folder outside it")
    suffix = "-no-pdf" if args.no_pdf else ""
    labels = month_labels(args.first_month, args.months + 1)
    months, extra = labels[:-1], labels[-1]
    print(f"svna national benchmark: scale {args.scale}, {args.months} months "
          f"({months[0]}..{months[-1]}) + {extra} held back, data under {out}")
    print(f"machine: {os.cpu_count()} cores (shared with other jobs; load average "
          f"{os.getloadavg()[0]:.1f} at start)")

    done = out / "generated.json"
    if done.exists() and json.loads(done.read_text())["args"] == [args.scale, labels, args.seed]:
        counts = json.loads(done.read_text())["counts"]
        print("data: reusing the files generated before")
    else:
        for sub in ("raw", "held"):
            shutil.rmtree(out / sub, ignore_errors=True)
        started = time.perf_counter()
        counts = generate(out, args.scale, months, extra, args.seed)
        counts["districts"] = counts["districts"]["lad_code"].tolist()
        counts["seconds"] = round(time.perf_counter() - started, 1)
        done.write_text(json.dumps({"args": [args.scale, labels, args.seed], "counts": counts}))
    print(f"data: {counts['street']:,} street, {counts['outcomes']:,} outcomes, "
          f"{counts['stop_and_search']:,} stop and search rows; force extract "
          f"{counts['offences']:,} offences, {counts['victims']:,} victims, "
          f"{counts['suspects']:,} suspects; {len(counts['districts'])} districts, "
          f"{counts['lsoas']:,} LSOAs; {counts['files']:,} files (13th month included); "
          f"generated in {counts['seconds']} s")
    if args.street_only:
        run = street_only(out, counts["districts"], months, not args.no_pdf)
        (out / f"figures-street-only{suffix}.json").write_text(json.dumps(run, indent=1,
                                                                          default=str))
        return 0
    if args.force_areas:
        run = force_areas(out, months, not args.no_pdf, args.workers)
        (out / f"figures-force-areas{suffix}.json").write_text(json.dumps(run, indent=1,
                                                                         default=str))
        return 0
    # a fresh warehouse, with the 13th month held back
    for sub in ("processed", "reports", "pandas"):
        shutil.rmtree(out / sub, ignore_errors=True)
    held_street = out / "raw" / "police_uk" / extra
    if held_street.exists():
        shutil.move(held_street, out / "held" / extra)
    for path in (out / "raw" / "force_extract").glob(f"*_{extra}.csv"):
        shutil.move(path, out / "held" / "force_extract" / path.name)
    config = write_config(out, counts["districts"], not args.no_pdf)
    figures: dict = {"scale": args.scale, "counts": {k: v for k, v in counts.items()
                                                      if k != "districts"}}

    print("\n(a) svna refresh --no-prefect, full")
    full = run_svna(out, config, "full")
    show("svna refresh (whole command)", full)
    for stage, (seconds, peak) in full["stages"].items():
        print(f"    {stage:<9} {seconds:8.1f} s   peak RSS {peak:7.0f} MB")
    print("    " + "\n    ".join(full["lines"][:3]))
    figures["svna_full"] = full

    print("\n(b) pandas + GX pandas engine (benchmarks/pandas_baseline.py)")
    theirs = out / "pandas" / "police_uk_monthly.csv"
    baseline = run_measured([sys.executable, str(HERE / "pandas_baseline.py"), "--raw",
                             str(out / "raw"), "--config", str(config), "--out", str(theirs)],
                            out / "logs" / "pandas.log", child_env(out))
    if baseline["returncode"]:
        raise RuntimeError(f"pandas baseline failed, see {baseline['log']}")
    baseline.update(last_json(baseline["log"]))
    show("pandas script", baseline)
    print("    " + ", ".join(f"{k} {v:.1f} s" for k, v in baseline["timings"].items()))
    figures["pandas"] = {k: v for k, v in baseline.items() if k != "validation"}
    same = compare_csv(out / "processed" / "exports" / "police_uk_monthly.csv", theirs)
    print(f"    police_uk_monthly.csv, svna's against pandas': {same}")
    figures["csv_comparison"] = same

    print("\n(c) one DuckDB query with the same rules")
    query = run_measured([sys.executable, "-c", DUCKDB_CHILD,
                          str(out / "processed" / "warehouse.duckdb")],
                         out / "logs" / "duckdb-all.log", child_env(out))
    query.update(last_json(query["log"]))
    print(f"    every suite's column rules over the loaded raw tables: {query['seconds']:.1f} s "
          f"(process {query['wall_s']:.1f} s, peak RSS {query['peak_mb']:.0f} MB)")
    street_csv = run_measured([sys.executable, "-c", STREET_CSV_CHILD,
                               str(out / "raw" / "police_uk" / "*" / "*-street.csv")],
                              out / "logs" / "duckdb-street-csv.log", child_env(out))
    street_csv.update(last_json(street_csv["log"]))
    print(f"    the street suite's rules read straight from the CSV files: "
          f"{street_csv['seconds']:.1f} s (peak RSS {street_csv['peak_mb']:.0f} MB)")
    figures["duckdb_query"], figures["duckdb_street_csv"] = query, street_csv

    print(f"\n(d) adding a month ({extra}) to the warehouse")
    shutil.move(out / "held" / extra, held_street)
    for path in (out / "held" / "force_extract").glob(f"*_{extra}.csv"):
        shutil.move(path, out / "raw" / "force_extract" / path.name)
    added = run_svna(out, config, "add-month")
    show("svna refresh, one more month", added)
    for stage, (seconds, peak) in added["stages"].items():
        print(f"    {stage:<9} {seconds:8.1f} s   peak RSS {peak:7.0f} MB")
    figures["svna_add_month"] = added

    validate_s = full["timings"]["validate"]
    targets = [
        ("svna refresh wall <= 0.5 x pandas script wall", full["wall_s"], baseline["wall_s"],
         0.5),
        ("svna refresh peak RSS <= 0.5 x pandas script peak", full["peak_mb"],
         baseline["peak_mb"], 0.5),
        ("svna validate stage <= 3 x one DuckDB query", validate_s, query["seconds"], 3.0),
        ("adding a month < 10% of the full refresh (wall)", added["wall_s"], full["wall_s"],
         0.1),
    ]
    print("\ntargets (CPU time given too: the machine is shared, wall time is noisy)")
    print(f"    svna cpu {full['cpu_s']:.0f} s vs pandas cpu {baseline['cpu_s']:.0f} s "
          f"(ratio {full['cpu_s'] / baseline['cpu_s']:.2f}); add-month cpu "
          f"{added['cpu_s']:.0f} s = {added['cpu_s'] / full['cpu_s']:.0%} of the full refresh")
    data_stages = ("ingest", "validate", "assess")  # the report re-renders whatever the data
    full_data, added_data = (sum(run["timings"][s] for s in data_stages) for run in (full, added))
    print(f"    adding a month, data stages alone (ingest, validate, assess): {added_data:.1f} s "
          f"of {full_data:.1f} s = {added_data / full_data:.0%}; report "
          f"{added['timings']['report']:.1f} s of {full['timings']['report']:.1f} s")
    figures["add_month_data_stages"] = added_data / full_data
    figures["targets"] = []
    for name, ours, reference, limit in targets:
        ratio = ours / reference
        met = ratio < limit if "<" in name and "<=" not in name else ratio <= limit
        print(f"    {name:<52} {ours:9.1f} / {reference:9.1f} = {ratio:5.2f}  "
              f"{'MET' if met else 'MISSED'}")
        figures["targets"].append({"target": name, "ratio": ratio, "met": met})
    figures["identical"] = same.startswith("identical")
    (out / f"figures{suffix}.json").write_text(json.dumps(figures, indent=1, default=str))
    print(f"\nfigures: {out / f'figures{suffix}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
