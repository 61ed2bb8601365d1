"""The multi-agency serious violence needs assessment: the partners' data beside the police's,
one self-contained HTML file beside the baseline. Like the baseline (svna.report, whose
formatting and chart helpers it shares) it only lays out the assessment tables; person-level
tables are shown as schema.yml's suppression leaves them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import duckdb
import pandas as pd

from svna.exports import as_published, needed_tables
from svna.findings import headline_findings
from svna.maps import area_map
from svna.report import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    VERMILLION,
    _environment,
    _figure,
    _geography_groups,
    _missing,
    _month_axis,
    _one_row,
    _read,
    _records,
    _where,
    _with_dates,
    fmt_num,
    month_label,
)

if TYPE_CHECKING:
    from svna.config import Config

PARTNER_TABLES = (
    "partner_monthly", "partner_comparison", "partner_rates", "partner_profiles",
    "partner_hotspots", "partner_deprivation", "cohort_overlaps", "partner_data_gaps",
    "triangulation", "hidden_violence",
)
# triangulation's columns, in the order and colours the chart draws them
TRIANGULATED = {
    "police_uk_violence": ("Police: violence and sexual offences (police.uk)", BLACK),
    "force_serious_violence": ("Police: serious violence (force extract)", GREY),
    "ae_assaults": ("A&E assault attendances", VERMILLION),
    "ambulance_callouts": ("Ambulance call-outs", BLUE),
    "hospital_admissions": ("Hospital admissions for assault", GREEN),
}
PROFILE_DIMENSIONS = ("Age band", "Sex", "Ethnic group")
TRAILING = ("Not known", "Not stated", "Unknown code", "Not recorded")


def render_multiagency(con: duckdb.DuckDBPyConnection, out_path: Path, *, config: Config,
                       run_id: str, generated_at: str, validation_href: str | None,
                       baseline_href: str | None,
                       published: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the multi-agency assessment for `config.area` to `out_path` and return the path.
    `published`: the exports' tables (exports.publication), shown as they are published;
    suppressed here when not given."""
    # and the tables publishing some of the same counts (headlines): suppressed together
    frames = {name: _read(con, "assessment", name) for name in needed_tables(PARTNER_TABLES)}
    frames["sources"] = _read(con, "seeds", "sources")
    frames["period"] = _read(con, "marts", "partner_reporting_period")
    context = build_context(frames, config, as_published(
        PARTNER_TABLES, frames, config.suppression.threshold, published))
    context.update(run_id=run_id, generated_at=generated_at, validation_href=validation_href,
                   baseline_href=baseline_href)
    html = _environment().get_template("multiagency.html.j2").render(**context)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(html, encoding="utf-8")
    return out_path


def build_context(frames: dict[str, pd.DataFrame], config: Config,
                  safe: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Everything the template shows, suppressed and ordered; the template only lays out.
    `safe`: the partner tables as published."""
    threshold = config.suppression.threshold
    sources = _records(frames["sources"])
    label_of = {s["source"]: s["label"] for s in sources}
    gaps = frames["partner_data_gaps"]
    present = set() if gaps.empty else set(
        gaps.loc[(gaps["records"] > 0) | (gaps["aggregate_rows"] > 0), "source"])
    return {
        "area_name": config.area.name,
        "marking": config.report.protective_marking,
        "threshold": threshold,
        "period": _one_row(frames["period"]),
        "has_partners": bool(present),
        "findings": headline_findings(safe, frames["cohort_overlaps"], label_of, threshold),
        "sources": [s for s in sources
                    if s["source"] in present | {"police_uk", "police_force"}],
        "label_of": label_of,
        "gaps": _records(safe["partner_data_gaps"]),
        "triangulation_figure": triangulation_figure(
            _where(safe["triangulation"], geography_level="area"), config.area.name),
        "change_figure": change_figure(_where(safe["partner_comparison"],
                                              geography_level="area"), label_of),
        "comparison": _geography_groups(_with_labels(safe["partner_comparison"], label_of)),
        "rates": _rates(_with_labels(safe["partner_rates"], label_of)),
        "hidden": _hidden(safe["hidden_violence"]),
        "hotspots": _hotspots(safe["partner_hotspots"], label_of,
                              {s["source"]: s["short_label"] for s in sources},
                              config.report.top_lsoas),
        "deprivation_figure": deprivation_figure(safe["partner_deprivation"], label_of),
        "deprivation": _by_source(safe["partner_deprivation"], label_of),
        "profiles": _profiles(safe["partner_profiles"], label_of),
        "cohorts": _cohorts(safe["cohort_overlaps"], label_of),
        "map": _agreement_map(frames["partner_hotspots"], config),
    }


def _agreement_map(hotspots: pd.DataFrame, config: Config) -> dict[str, Any] | None:
    """LSOAs shaded by how many sources rank them hotspots (a number of sources, not of
    people); drawn only from boundaries: record points would show one source, not agreement."""
    if hotspots.empty or config.report.boundaries is None:
        return None
    return area_map(hotspots.drop_duplicates("lsoa21_code"), value="sources_agreeing",
                    value_label="sources ranking the neighbourhood a hotspot",
                    area_name=config.area.name, boundaries=config.report.boundaries,
                    top_n=min(config.report.top_lsoas, 10))


def _with_labels(frame: pd.DataFrame, label_of: dict[str, str]) -> pd.DataFrame:
    """The source's label and a `suppressed` flag on every row, for the template."""
    if frame.empty:
        return frame
    flag = next(c for c in frame.columns if c.endswith("_suppressed"))
    return frame.assign(label=frame["source"].map(label_of).fillna(frame["source"]),
                        suppressed=frame[flag] == "yes")


def _rates(frame: pd.DataFrame) -> dict[str, Any]:
    """Sources down, geographies across: each cell a rate with its interval."""
    if frame.empty:
        return {"geographies": [], "rows": []}
    geographies = list(dict.fromkeys(frame.sort_values("geography_order")["geography_name"]))
    rows = []
    for label, cells in frame.groupby("label", sort=False):
        by_name = {r["geography_name"]: r for r in _records(cells)}
        rows.append({"label": label, "cells": [by_name.get(g) for g in geographies]})
    return {"geographies": geographies, "rows": rows}


def _by_source(frame: pd.DataFrame, label_of: dict[str, str]) -> list[dict[str, Any]]:
    """[{source, label, rows}] in the order the table holds the sources."""
    if frame.empty:
        return []
    return [{"source": source, "label": label_of.get(source, source),
             "rows": _suppressed_rows(rows)}
            for source, rows in frame.groupby("source", sort=False)]


def _suppressed_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with a `suppressed` flag from the table's <count>_suppressed column."""
    flags = [c for c in frame.columns if c.endswith("_suppressed")]
    return [dict(r, suppressed=bool(flags) and r[flags[0]] == "yes") for r in _records(frame)]


def _hidden(frame: pd.DataFrame) -> dict[str, Any] | None:
    if frame.empty:
        return None
    rows = _suppressed_rows(frame)
    return {"overall": next((r for r in rows if r["dimension"] == "All"), None),
            "groups": [r for r in rows if r["dimension"] != "All"]}


def _hotspots(frame: pd.DataFrame, label_of: dict[str, str], short_of: dict[str, str],
              top_n: int) -> dict[str, Any]:
    """The LSOAs most sources agree on: one row per LSOA with a tick per source."""
    if frame.empty:
        return {"sources": [], "rows": [], "compared": 0}
    rank = {source: i for i, source in enumerate(label_of)}
    order = sorted(frame["source"].unique(), key=lambda s: rank.get(s, len(rank)))
    agreed = frame[frame["sources_agreeing"] >= 2]
    rows = []
    for code, cells in agreed.groupby("lsoa21_code", sort=False):
        first = cells.iloc[0]
        by_source = {r["source"]: r for r in _suppressed_rows(cells)}
        rows.append({"lsoa21_code": code, "lsoa21_name": first["lsoa21_name"],
                     "lad_name": first["lad_name"], "imd_decile": first["imd_decile"],
                     "agreeing": int(first["sources_agreeing"]),
                     "cells": [by_source.get(s) for s in order]})
    rows.sort(key=lambda r: (-r["agreeing"], r["lsoa21_code"]))
    return {"sources": [{"source": s, "label": label_of.get(s, s),
                         "short": short_of.get(s, s)} for s in order],
            "rows": rows[:top_n], "more": max(0, len(rows) - top_n),
            "compared": int(frame["sources_compared"].max()),
            "places": int(frame["is_hotspot"].groupby(frame["source"]).sum().max())}


def _profiles(frame: pd.DataFrame, label_of: dict[str, str]) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    out = []
    for source, rows in frame.groupby("source", sort=False):
        dims = []
        for dim in PROFILE_DIMENSIONS:
            part = rows[rows["dimension"] == dim]
            if part.empty:
                continue
            part = part.assign(_last=part["value"].isin(TRAILING)).sort_values(
                ["_last", "value"], kind="stable").drop(columns="_last")
            dims.append({"name": dim, "rows": _suppressed_rows(part),
                         "has_rates": part["rate_per_1000"].notna().any()})
        out.append({"source": source, "label": label_of.get(source, source), "dimensions": dims})
    return out


def _cohorts(frame: pd.DataFrame, label_of: dict[str, str]) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    return [{"a": label_of.get(a, a), "b": label_of.get(b, b), "rows": _suppressed_rows(rows)}
            for (a, b), rows in frame.groupby(["source_a", "source_b"], sort=False)]


# --- charts --------------------------------------------------------------------------------

def triangulation_figure(area: pd.DataFrame, area_name: str) -> dict[str, Any] | None:
    """The police's and the health services' monthly counts on one time axis."""
    if area.empty:
        return None
    present = [c for c in TRIANGULATED if c in area and area[c].notna().any()]
    if len(present) < 2:
        return None
    long = area.melt(id_vars=["month"], value_vars=present, var_name="series",
                     value_name="count").dropna(subset=["count"])
    long["series"] = long["series"].map(lambda c: TRIANGULATED[c][0])
    long["count"] = long["count"].astype(float)
    names = [TRIANGULATED[c][0] for c in present]
    chart = alt.Chart(_with_dates(long)).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=_month_axis(),
        y=alt.Y("count:Q", title="Records a month"),
        color=alt.Color("series:N", title=None, sort=names,
                        scale=alt.Scale(domain=names,
                                        range=[TRIANGULATED[c][1] for c in present]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        strokeDash=alt.StrokeDash("series:N", sort=names, legend=None),
        tooltip=["month", "series", "count"],
    ).properties(width=760, height=280)
    latest = long[long["month"] == long["month"].max()]
    parts = [f"{r.series} {fmt_num(r.count)}" for r in latest.itertuples()]
    return _figure(chart, f"Monthly records by source in {area_name}, "
                          f"{month_label(long['month'].min())} to "
                          f"{month_label(long['month'].max())}. Latest month: "
                          + "; ".join(parts) + ".")


def change_figure(area: pd.DataFrame, label_of: dict[str, str]) -> dict[str, Any] | None:
    """Each source's ratio of the latest 12 months to the previous 12, with its interval."""
    if area.empty:
        return None
    data = area.dropna(subset=["ratio", "ratio_ci_lower", "ratio_ci_upper"]).copy()
    if data.empty:
        return None
    data["label"] = data["source"].map(label_of).fillna(data["source"])
    data["verdict"] = data.apply(lambda r: "rise" if r.ratio_ci_lower > 1 else
                                 "fall" if r.ratio_ci_upper < 1 else "within chance", axis=1)
    order = list(data["label"])
    domain = [min(data["ratio_ci_lower"].min(), 1) * 0.9,
              max(data["ratio_ci_upper"].max(), 1) * 1.1]
    base = alt.Chart(data).encode(y=alt.Y("label:N", title=None, sort=order,
                                          axis=alt.Axis(labelLimit=360)))
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ratio_ci_lower:Q", title="Latest 12 months ÷ previous 12 (log scale)",
                scale=alt.Scale(type="log", domain=domain, nice=False)), x2="ratio_ci_upper:Q")
    point = base.mark_point(filled=True, size=70).encode(
        x="ratio:Q",
        color=alt.Color("verdict:N", title=None,
                        scale=alt.Scale(domain=["rise", "fall", "within chance"],
                                        range=[VERMILLION, BLUE, GREY]),
                        legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("verdict:N", legend=None,
                        scale=alt.Scale(domain=["rise", "fall", "within chance"],
                                        range=["triangle-up", "triangle-down", "circle"])))
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3], color=BLACK
                                                          ).encode(x="x:Q")
    chart = (one + rule + point).properties(width=560, height=28 * len(data))
    parts = [f"{r.label} {r.ratio:.2f} ({r.ratio_ci_lower:.2f} to {r.ratio_ci_upper:.2f}, "
             f"{r.verdict})" for r in data.itertuples()]
    return _figure(chart, "Ratio of each source's latest 12 months to the previous 12, with "
                          "95% confidence intervals; 1 means no change: " + "; ".join(parts) + ".")


def deprivation_figure(frame: pd.DataFrame, label_of: dict[str, str]) -> dict[str, Any] | None:
    """Rate ratios by deprivation decile, one line per source, on a log scale."""
    if frame.empty:
        return None
    data = frame.dropna(subset=["rate_ratio"]).copy()
    if data.empty:
        return None
    data["label"] = data["source"].map(label_of).fillna(data["source"])
    labels = list(dict.fromkeys(data["label"]))
    palette = [BLACK, GREY, VERMILLION, BLUE, GREEN, ORANGE, "#56B4E9", "#CC79A7", "#F0E442"]
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("imd_decile:O", title="Deprivation decile (1 = most deprived)",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate_ratio:Q", title="Rate ÷ least deprived decile's (log scale)",
                scale=alt.Scale(type="log")),
        color=alt.Color("label:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=palette[:len(labels)]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        strokeDash=alt.StrokeDash("label:N", sort=labels, legend=None),
        tooltip=["label", "imd_decile", "rate_ratio"],
    ).properties(width=640, height=300)
    most = data[data["imd_decile"] == data["imd_decile"].min()]
    parts = [f"{r.label} {r.rate_ratio:.1f}" for r in most.itertuples()
             if not _missing(r.rate_ratio)]
    return _figure(chart, "Each source's rate by deprivation decile as a multiple of its rate "
                          "in the least deprived decile. In the most deprived decile: "
                          + "; ".join(parts) + ".")
