"""The baseline svna is measured against: what an analyst would write in plain pandas to turn
the police.uk street files into the monthly table (police_uk_monthly.csv, the same columns,
rows and order as svna's export), validating them with Great Expectations' pandas engine.

    python benchmarks/pandas_baseline.py --raw RAW --config AREA.yaml --out police_uk_monthly.csv

Same rules as svna (sql/assessment/police_uk_monthly.sql and the marts it reads): a repeated
Crime ID counts once; a 2011 LSOA code is mapped to its 2021 LSOA; an LSOA missing from the
2021 lookup takes the 2011-to-2021 lookup's district; months run from the first to the latest
with data, every district of the area and every crime type seen, 0 where there were none.
Unlike svna it validates the whole year as one batch and stops if a critical rule fails
(svna drops the failing file alone and keeps its previous version).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import pandas as pd  # noqa: E402
import yaml  # noqa: E402

COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
           "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
           "Context"]
USED = ["Crime ID", "Month", "LSOA code", "Crime type"]
CRIME_TYPES = ["Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
               "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
               "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
               "Violence and sexual offences"]
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def read_street(raw: Path) -> pd.DataFrame:
    frames = []
    for order, path in enumerate(sorted(raw.rglob("*-street.csv"))):
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns.tolist()
        if header != COLUMNS:
            sys.exit(f"{path}: columns {header} are not police.uk's street columns {COLUMNS}")
        frame = pd.read_csv(path, usecols=USED, dtype=str, keep_default_na=False,
                            na_values=[""], encoding="utf-8-sig")
        frame["file"] = order
        frame["line"] = range(2, len(frame) + 2)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def validate(frame: pd.DataFrame) -> list[dict]:
    """The street rules with GX's pandas engine, the whole frame as one batch."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas("baseline").add_dataframe_asset("street")
             .add_batch_definition_whole_dataframe("all").get_batch(
                 batch_parameters={"dataframe": frame}))
    suite = gx.ExpectationSuite(name="street", expectations=[
        gxe.ExpectColumnValuesToNotBeNull(column="Month", severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="Month", regex=MONTH, severity="critical"),
        gxe.ExpectColumnValuesToNotBeNull(column="Crime type", severity="critical"),
        gxe.ExpectColumnValuesToBeInSet(column="Crime type", value_set=CRIME_TYPES,
                                        severity="critical"),
        gxe.ExpectColumnValuesToMatchRegex(column="LSOA code", regex=r"^[EW]01[0-9]{6}$",
                                           severity="warning"),
        gxe.ExpectColumnValuesToNotBeNull(column="LSOA code", mostly=0.9, severity="warning"),
        gxe.ExpectColumnValuesToMatchRegex(column="Crime ID", regex=r"^[0-9a-f]{64}$",
                                           severity="warning"),
        gxe.ExpectColumnValuesToBeUnique(column="Crime ID", severity="warning"),
    ])
    outcome = batch.validate(suite, result_format="SUMMARY")
    return [{"rule": r.expectation_config.type, "column": r.expectation_config.kwargs["column"],
             "severity": str(r.expectation_config.severity.value), "success": bool(r.success),
             "unexpected": r.result.get("unexpected_count", 0)} for r in outcome.results]


def lookups(raw: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Each 2021 LSOA's district, and any LSOA code (2011 or 2021) to its 2021 LSOA."""
    ref = raw / "reference"
    l21 = pd.read_csv(ref / "lsoa21_to_lad23.csv", dtype=str, encoding="utf-8-sig")
    l11 = pd.read_csv(ref / "lsoa11_to_lsoa21_to_lad.csv", dtype=str, encoding="utf-8-sig")
    l21 = pd.DataFrame({"lsoa21": l21["LSOA21CD"].str.strip().str.upper(),
                        "lad_code": l21["LAD23CD"].str.strip().str.upper(),
                        "lad_name": l21["LAD23NM"].str.strip()}).drop_duplicates()
    l11 = pd.DataFrame({"lsoa11": l11["LSOA11CD"].str.strip().str.upper(),
                        "lsoa21": l11["LSOA21CD"].str.strip().str.upper(),
                        "lad_code": l11["LAD22CD"].str.strip().str.upper(),
                        "lad_name": l11["LAD22NM"].str.strip()}).drop_duplicates()
    missing = (l11[~l11["lsoa21"].isin(l21["lsoa21"])]
               .groupby("lsoa21", as_index=False)[["lad_code", "lad_name"]].min())
    lsoas = pd.concat([l21, missing], ignore_index=True)
    old = l11[~l11["lsoa11"].isin(lsoas["lsoa21"])].groupby("lsoa11")["lsoa21"].min()
    code_map = pd.concat([pd.Series(lsoas["lsoa21"].values, index=lsoas["lsoa21"].values), old])
    return lsoas, code_map


def monthly(street: pd.DataFrame, lsoas: pd.DataFrame, code_map: pd.Series,
            districts: list[str]) -> pd.DataFrame:
    crime_id = street["Crime ID"].str.strip().replace("", None)
    month = street["Month"].str.strip()
    lsoa = street["LSOA code"].str.strip().str.upper().replace("", None)
    crime_type = street["Crime type"].str.strip()
    records = pd.DataFrame({"crime_id": crime_id, "month": month, "lsoa": lsoa,
                            "crime_type": crime_type, "file": street["file"],
                            "line": street["line"]})
    records = records.sort_values(["month", "file", "line"], kind="stable")
    repeated = records["crime_id"].notna() & records["crime_id"].duplicated()
    lad = lsoas.drop_duplicates("lsoa21").set_index("lsoa21")["lad_code"]
    records["lad_code"] = records["lsoa"].map(code_map).map(lad)
    counted = records[~repeated & records["lad_code"].isin(districts)]
    counts = counted.groupby(["month", "lad_code", "crime_type"]).size().rename("incidents")

    valid = month[month.str.match(r"^[0-9]{4}-[0-9]{2}$")]
    months = pd.period_range(valid.min(), valid.max(), freq="M").strftime("%Y-%m")
    names = lsoas.groupby("lad_code")["lad_name"].min()
    area = pd.DataFrame({"lad_code": districts, "position": range(len(districts))})
    area["lad_name"] = area["lad_code"].map(names).fillna(area["lad_code"])
    types = sorted(crime_type.dropna().unique())
    grid = (pd.DataFrame({"month": months})
            .merge(area, how="cross").merge(pd.DataFrame({"crime_type": types}), how="cross"))
    grid = grid.join(counts, on=["month", "lad_code", "crime_type"])
    grid["incidents"] = grid["incidents"].fillna(0).astype("int64")
    grid = grid.sort_values(["month", "position", "crime_type"], kind="stable")
    return grid[["month", "lad_code", "lad_name", "crime_type", "incidents"]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    districts = yaml.safe_load(args.config.read_text())["area"]["districts"]
    timings = {}
    started = time.perf_counter()
    street = read_street(args.raw / "police_uk")
    timings["read"] = time.perf_counter() - started
    started = time.perf_counter()
    results = validate(street)
    timings["validate"] = time.perf_counter() - started
    failed = [r for r in results if r["severity"] == "critical" and not r["success"]]
    if failed:
        print(json.dumps(failed), file=sys.stderr)
        return 1
    started = time.perf_counter()
    lsoas, code_map = lookups(args.raw)
    table = monthly(street, lsoas, code_map, districts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, lineterminator="\n")
    timings["transform_and_write"] = time.perf_counter() - started
    print(json.dumps({"rows_read": len(street), "rows_written": len(table),
                      "timings": timings, "validation": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
