"""Headline findings of the multi-agency assessment as plain sentences, generated from the
published (already suppressed) tables, for a board that will not read the tables. Each
sentence states its figure with its 95% confidence interval and claims no more than the
interval allows; anything suppressed or missing is left unsaid rather than guessed."""

from __future__ import annotations

from typing import Any

import pandas as pd

# Below this many events a rate or a ratio is too unstable to headline (see stats.py).
MIN_EVENTS = 10


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _n(value: float, dp: int = 0) -> str:
    return f"{float(value):,.{dp}f}"


def _rows(frame: pd.DataFrame, **equal: Any) -> list[dict[str, Any]]:
    for column, value in equal.items():
        frame = frame[frame[column] == value]
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def change_findings(rows: list[dict[str, Any]], label_of: dict[str, str]) -> list[str]:
    """Each source's latest 12 months against the 12 before, at area level: a sentence for
    every change beyond chance, then one for the sources whose change is within it."""
    out, steady, new = [], [], []
    for row in rows:
        label, latest = label_of.get(row["source"], row["source"]), row["latest_12"]
        previous, lower, upper = row["previous_12"], row["ratio_ci_lower"], row["ratio_ci_upper"]
        if _missing(latest) or row.get("previous_12_suppressed") == "yes":
            continue  # suppressed: left unsaid, not called missing
        if not _missing(previous) and previous == 0:  # a full year with none: no ratio
            if latest:
                out.append(f"{label} had none in the previous 12 months and {_n(latest)} in "
                           "the latest 12.")
        elif _missing(previous) or _missing(lower) or _missing(upper):
            new.append(label)
        elif lower > 1 or upper < 1:
            out.append(f"{label} {'rose' if lower > 1 else 'fell'} by "
                       f"{abs(row['pct_change']):.0f}%, from {_n(previous)} to {_n(latest)} "
                       f"(95% confidence interval for the ratio {lower:.2f} to {upper:.2f}): "
                       "more than chance variation would explain.")
        else:
            steady.append(f"{label} {row['pct_change']:+.0f}% "
                          f"({lower:.2f} to {upper:.2f})")
    if steady:
        out.append(("No other source" if out else "No source") + " changed by more than chance "
                   "variation between the latest 12 months and the 12 before (change, and the "
                   "95% interval of the ratio): " + "; ".join(steady) + ".")
    if new:
        out.append("There are not two full years to compare (every month of the latest 12 and "
                   "the 12 before, or a snapshot a year before the latest) for: "
                   + "; ".join(new) + ".")
    return out


def hidden_violence_finding(frame: pd.DataFrame) -> str | None:
    """The share of A&E assault attendances with no police record nearby in place and time."""
    overall = _rows(frame, dimension="All")
    if not overall or _missing(overall[0]["no_police_record_pct"]):
        return None
    row = overall[0]
    text = (f"{row['no_police_record_pct']:.0f}% of A&E assault attendances placed in the area "
            f"(95% CI {row['pct_ci_lower']:.0f}% to {row['pct_ci_upper']:.0f}%; "
            f"{_n(row['no_police_record'])} of {_n(row['attendances'])}) had no police record "
            "of violence in the same neighbourhood at about the same time")
    groups = [r for r in _rows(frame, dimension="Time") + _rows(frame, dimension="Location type")
              if not _missing(r["no_police_record_pct"]) and r["attendances"] >= MIN_EVENTS
              and r["pct_ci_lower"] > row["pct_ci_upper"]]
    if groups:
        top = max(groups, key=lambda r: r["no_police_record_pct"])
        text += (f", rising to {top['no_police_record_pct']:.0f}% (95% CI "
                 f"{top['pct_ci_lower']:.0f}% to {top['pct_ci_upper']:.0f}%) for "
                 f"{_lower_first(top['value'])}")
    return text + (". This is an indicator of violence the police do not see, not proof of it: "
                   "a record may be placed or timed differently.")


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _lower_first(text: str) -> str:
    """'Other times' -> 'other times'; a day's name keeps its capital."""
    return text if text.startswith(DAYS) else text[:1].lower() + text[1:]


def hotspot_finding(frame: pd.DataFrame, min_sources: int = 3) -> str | None:
    """Neighbourhoods that several sources independently rank among the area's hotspots."""
    if frame.empty:
        return None
    lsoas = frame.drop_duplicates("lsoa21_code")
    compared = int(lsoas["sources_compared"].max())
    agreed = lsoas[lsoas["sources_agreeing"] >= min(min_sources, compared)]
    if compared < 2 or agreed.empty:
        return None
    agreed = agreed.sort_values(["sources_agreeing", "lsoa21_code"], ascending=[False, True])
    names = [f"{r.lsoa21_name} ({r.sources_agreeing} of {compared})"
             for r in agreed.head(3).itertuples()]
    districts = agreed["lad_name"].value_counts()
    where = (f"; {districts.iloc[0]} of them in {districts.index[0]}"
             if len(agreed) > 1 and districts.iloc[0] > len(agreed) / 2 else "")
    one = len(agreed) == 1
    return (f"{len(agreed)} neighbourhood{'' if one else 's'} (LSOA{'' if one else 's'}) "
            f"{'is a hotspot' if one else 'are hotspots'} for at least "
            f"{min(min_sources, compared)} of the {compared} sources compared{where}; most of "
            f"all: {', '.join(names)}.")


def deprivation_finding(frame: pd.DataFrame, label_of: dict[str, str]) -> str | None:
    """How much higher each source's rate is in the area's most deprived decile than in its
    least deprived (IMD deciles are national tenths: the area may span only some of them)."""
    parts, deciles = [], None
    for source, rows in frame.groupby("source", sort=False):
        most = rows[rows["imd_decile"] == rows["imd_decile"].min()]
        if most.empty or rows["imd_decile"].min() == rows["reference_decile"].iloc[0]:
            continue
        r = most.iloc[0]
        if (_missing(r["rate_ratio"]) or _missing(r["rate_ratio_ci_lower"])
                or _missing(r["events"]) or r["events"] < MIN_EVENTS):
            continue
        if r["rate_ratio_ci_lower"] > 1:
            deciles = deciles or (r["imd_decile"], r["reference_decile"])
            parts.append((r["rate_ratio"], f"{label_of.get(source, source)} "
                          f"{r['rate_ratio']:.1f} times (95% CI {r['rate_ratio_ci_lower']:.1f} "
                          f"to {r['rate_ratio_ci_upper']:.1f})"))
    if not parts:
        return None
    parts.sort(key=lambda p: -p[0])
    more = len(parts) - 3
    return ("Violence is concentrated in deprived neighbourhoods: against the area's least "
            f"deprived neighbourhoods (IMD decile {deciles[1]}), the rate in its most deprived "
            f"(decile {deciles[0]}) is "
            + "; ".join(text for _, text in parts[:3])
            + (f"; and higher beyond chance for {more} more source{'s' if more > 1 else ''}"
               if more > 0 else "") + ".")


def profile_findings(frame: pd.DataFrame, label_of: dict[str, str]) -> list[str]:
    """For each source, the age band with the highest rate per 1,000 residents of that age,
    when its interval lies above every other band's."""
    out = []
    bands = frame[(frame["dimension"] == "Age band") & frame["population"].notna()]
    # a suppressed band (a secondary one can hold any number) might have the highest rate
    unknown = set(bands.loc[bands["rate_per_1000"].isna(), "source"])
    ages = bands[bands["rate_per_1000"].notna()]
    for source, rows in ages.groupby("source", sort=False):
        if len(rows) < 2 or source in unknown:
            continue
        top = rows.loc[rows["rate_per_1000"].idxmax()]
        others = rows.drop(index=top.name)
        if top["records"] < MIN_EVENTS or not (top["ci_lower"] > others["ci_upper"]).all():
            continue
        out.append(f"{label_of.get(source, source)}: the highest rate is among people aged "
                   f"{top['value']}, {top['rate_per_1000']:.1f} per 1,000 residents of that age "
                   f"(95% CI {top['ci_lower']:.1f} to {top['ci_upper']:.1f}).")
    return out


def cohort_finding(frame: pd.DataFrame, label_of: dict[str, str], threshold: int
                   ) -> str | None:
    """The largest overlaps between two sources, not both the police's. `frame` is the table
    before suppression: a pair's total over its age bands reaches the threshold or is left
    out, and no band can be worked out from it because suppression hides two bands or none."""
    if frame.empty:
        return None
    partners = frame[~(frame["source_a"].str.startswith("police")
                       & frame["source_b"].str.startswith("police"))]
    totals = partners.groupby(["source_a", "source_b"])["people"].sum()
    totals = totals[totals >= threshold].sort_values(ascending=False).head(3)
    if totals.empty:
        return None
    pairs = [f"{_n(people)} people in both {label_of.get(a, a)} and {label_of.get(b, b)}"
             for (a, b), people in totals.items()]
    return ("The same people reach several services (matched by keyed pseudonym, never "
            "named): " + "; ".join(pairs) + ".")


def gap_findings(gaps: pd.DataFrame, label_of: dict[str, str]) -> list[str]:
    """What the assessment cannot say, from the partners' coverage."""
    out = []
    missing = [label_of.get(r["source"], r["source"]) for r in _rows(gaps)
               if not r["records"] and not r["aggregate_rows"]]
    if missing:
        out.append("No data were supplied for: " + "; ".join(missing)
                   + ". The assessment cannot describe what those services see.")
    holes = [f"{label_of.get(r['source'], r['source'])} ({_n(r['months_missing_within'])} "
             f"month{'s' if r['months_missing_within'] != 1 else ''})" for r in _rows(gaps)
             if not _missing(r["months_missing_within"]) and r["months_missing_within"]]
    if holes:
        out.append("Months are missing within the period supplied by: " + "; ".join(holes)
                   + ". Trends across those months are not reliable.")
    return out


def headline_findings(frames: dict[str, pd.DataFrame], cohort_overlaps: pd.DataFrame,
                      label_of: dict[str, str], threshold: int) -> list[dict[str, str]]:
    """The findings in the order a board reads them: what changed, what the police do not see,
    where, whom, why (deprivation), who overlaps, and what cannot be said. `frames` are the
    published (suppressed) tables; `cohort_overlaps` is that table before suppression."""
    found: list[tuple[str, str | None]] = []
    comparison = frames["partner_comparison"]
    if not comparison.empty:
        found += [("What changed", text) for text in change_findings(
            _rows(comparison, geography_level="area"), label_of)]
    if not frames["hidden_violence"].empty:
        found.append(("What the police do not see",
                      hidden_violence_finding(frames["hidden_violence"])))
    found.append(("Where", hotspot_finding(frames["partner_hotspots"])))
    if not frames["partner_profiles"].empty:
        found += [("Whom", text) for text in profile_findings(frames["partner_profiles"],
                                                              label_of)]
    if not frames["partner_deprivation"].empty:
        found.append(("Deprivation", deprivation_finding(frames["partner_deprivation"],
                                                         label_of)))
    found.append(("Who overlaps", cohort_finding(cohort_overlaps, label_of, threshold)))
    if not frames["partner_data_gaps"].empty:
        found += [("What cannot be said", text)
                  for text in gap_findings(frames["partner_data_gaps"], label_of)]
    return [{"topic": topic, "text": text} for topic, text in found if text]
