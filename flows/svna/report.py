"""The baseline serious violence needs assessment: one self-contained HTML file for the board.

Everything the page needs travels inside it (inline CSS, charts as inline SVG drawn offline by
vl-convert), because these reports are e-mailed, printed and opened on locked-down machines.
The numbers come only from the assessment tables; this module formats, never recomputes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import duckdb
import jinja2
import pandas as pd
import vl_convert
from markupsafe import Markup

from svna.exports import published_table, suppress_for_publication

if TYPE_CHECKING:
    from svna.config import Config

TEMPLATES = Path(__file__).parent / "templates"

SV = "Serious violence"
SV_TYPES = ("Violence and sexual offences", "Robbery", "Possession of weapons")
COMPARED = (SV, *SV_TYPES, "All crime")
SEARCH_DIMENSIONS = (
    "Object of search", "Outcome", "Age range", "Officer-defined ethnicity",
    "Self-defined ethnicity",
)
ASSESSMENT_TABLES = (
    "monthly_trend", "period_comparison", "rates", "lsoa_concentration",
    "concentration_summary", "deprivation", "outcomes", "stop_search", "data_quality",
)
# police.uk's age bands, youngest first: a board reads them as a scale, not a ranking.
AGE_ORDER = ("under 10", "10-17", "18-24", "25-34", "over 34")
SUPPRESSED = "[c]"
MISSING = "–"
# Okabe-Ito: distinguishable with every common form of colour-blindness, and in greyscale print.
BLACK, ORANGE, GREEN, BLUE, VERMILLION = "#000000", "#E69F00", "#009E73", "#0072B2", "#D55E00"
GREY = "#6b6b6b"
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


def render_baseline(con: duckdb.DuckDBPyConnection, out_path: Path, *, config: Config,
                    run_id: str, generated_at: str, validation_href: str | None) -> Path:
    """Write the baseline assessment for `config.area` to `out_path` and return the path."""
    frames = load_frames(con)
    context = build_context(frames, config)
    context.update(run_id=run_id, generated_at=generated_at, validation_href=validation_href)
    html = _environment().get_template("baseline.html.j2").render(**context)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(html, encoding="utf-8")
    return out_path


# --- loading -------------------------------------------------------------------------------

def load_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The assessment tables and the reporting period; a missing table reads as empty so that
    a partial warehouse still gives a report that says what is missing."""
    frames = {name: _read(con, "assessment", name) for name in ASSESSMENT_TABLES}
    frames["reporting_period"] = _read(con, "marts", "reporting_period")
    return frames


def _read(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame:
    """All counts as nullable ints: SUMs arrive as HUGEINT, which pandas would make floats."""
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    if not columns:
        return pd.DataFrame()
    integer = [name for name, kind in columns
               if kind in _INTEGER_TYPES or re.fullmatch(r"DECIMAL\(\d+,0\)", kind)]
    select = ", ".join(
        f'CAST("{name}" AS BIGINT) AS "{name}"' if name in integer else f'"{name}"'
        for name, _ in columns
    )
    frame = con.execute(f'SELECT {select} FROM "{schema}"."{table}"').df()
    for name in integer:
        frame[name] = frame[name].astype("Int64")
    if "geography_order" in frame:
        frame = frame.sort_values("geography_order", kind="stable").reset_index(drop=True)
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for the template, with every kind of missing value as None."""
    if frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# --- formatting ----------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def fmt_num(value: Any, dp: int = 0) -> str:
    return MISSING if _missing(value) else f"{float(value):,.{dp}f}"


def fmt_signed(value: Any, dp: int = 0) -> str:
    if _missing(value):
        return MISSING
    text = f"{abs(float(value)):,.{dp}f}"
    return text if float(text.replace(",", "")) == 0 else ("+" if value > 0 else "−") + text


def fmt_pct(value: Any, dp: int = 1) -> str:
    return MISSING if _missing(value) else f"{fmt_num(value, dp)}%"


def fmt_share(share: Any, count: Any) -> str:
    """A share that rounds to 0.0% of a non-zero count is shown as '<0.1%', not as nothing."""
    if not _missing(share) and not _missing(count) and count > 0 and round(float(share), 1) == 0:
        return "<0.1%"
    return fmt_pct(share)


def fmt_ci(lower: Any, upper: Any, dp: int = 1, sep: str = "–") -> str:
    return MISSING if _missing(lower) or _missing(upper) else (
        f"{fmt_num(lower, dp)}{sep}{fmt_num(upper, dp)}")


def css_string(text: str) -> Markup:
    """A CSS string literal (for the printed page's margin boxes): anything but letters,
    digits and spaces becomes a CSS escape, so no value can end the string or the style."""
    return Markup('"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} "
                                for c in str(text)) + '"')


def month_label(month: Any) -> str:
    """'2024-07' -> 'July 2024'."""
    if _missing(month):
        return MISSING
    return pd.Timestamp(f"{month}-01").strftime("%B %Y")


def chance_label(lower: Any, upper: Any) -> str:
    """Whether the exact 95% interval of the ratio excludes 1 (no change)."""
    if _missing(lower) or _missing(upper):
        return MISSING
    if lower > 1:
        return "Yes: a rise"
    if upper < 1:
        return "Yes: a fall"
    return "No"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(css_string=css_string, num=fmt_num, signed=fmt_signed, pct=fmt_pct,
                       month=month_label)
    env.globals.update(ci=fmt_ci, share=fmt_share, chance=chance_label, SUPPRESSED=SUPPRESSED,
                       MISSING=MISSING)
    return env


# --- charts --------------------------------------------------------------------------------

def _figure(chart: alt.TopLevelMixin, alt_text: str) -> dict[str, Any]:
    """Chart -> inline SVG. The xmlns declarations are dropped: HTML needs none, and the page
    then names no http(s) address at all."""
    chart = chart.configure(font="Helvetica, Arial, sans-serif").configure_view(stroke=None)
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)
    return {"svg": Markup(svg), "alt": alt_text}


def _month_axis(title: str | None = None) -> alt.X:
    # Date-only ISO strings parse as UTC; a UTC scale keeps every month in its own place
    # whatever the time zone of the machine that draws it.
    return alt.X("date:T", title=title, scale=alt.Scale(type="utc"),
                 axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month", labelOverlap=True))


def _with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(date=frame["month"] + "-01")


def trend_figure(area: pd.DataFrame, area_name: str) -> dict[str, Any] | None:
    """Monthly counts and the rolling 12-month total on separate panels: one axis for both
    would flatten the months to a line along the bottom."""
    if area.empty:
        return None
    data = _with_dates(area)[["date", "month", "incidents", "rolling_12m"]]
    monthly = alt.Chart(data).mark_line(point=True, color=BLUE).encode(
        _month_axis(), alt.Y("incidents:Q", title="Crimes in the month"),
    ).properties(width=640, height=200, title="Serious violence crimes each month")
    rolling_rows = data.dropna(subset=["rolling_12m"])
    peak, low, last = (area.loc[area["incidents"].idxmax()], area.loc[area["incidents"].idxmin()],
                       area.iloc[-1])
    text = (f"Monthly serious violence in {area_name}, {month_label(area['month'].iloc[0])} to "
            f"{month_label(last['month'])}: highest {fmt_num(peak['incidents'])} in "
            f"{month_label(peak['month'])}, lowest {fmt_num(low['incidents'])} in "
            f"{month_label(low['month'])}, latest {fmt_num(last['incidents'])}.")
    if len(rolling_rows) < 2:
        return _figure(monthly, text + " A trend in the rolling 12-month total needs at least "
                                       "13 months of data.")
    rolling = alt.Chart(rolling_rows).mark_line(point=True, color=VERMILLION).encode(
        _month_axis(), alt.Y("rolling_12m:Q", title="Crimes in 12 months",
                             scale=alt.Scale(zero=False)),
    ).properties(width=640, height=160, title="Rolling 12-month total (axis does not start at 0)")
    first = rolling_rows.iloc[0]
    text += (f" The rolling 12-month total was {fmt_num(last['rolling_12m'])} at "
             f"{month_label(last['month'])}")
    if first["month"] != last["month"]:
        text += f", against {fmt_num(first['rolling_12m'])} at {month_label(first['month'])}"
    return _figure(alt.vconcat(monthly, rolling).resolve_scale(x="shared"), text + ".")


def district_trend_figure(districts: pd.DataFrame) -> dict[str, Any] | None:
    """One panel per district on a shared scale, so panel heights compare directly."""
    if districts.empty:
        return None
    names = list(dict.fromkeys(districts["geography_name"]))
    chart = alt.Chart(_with_dates(districts)).mark_line(color=BLUE).encode(
        _month_axis(), alt.Y("incidents:Q", title="Crimes in the month"),
    ).properties(width=190, height=120).facet(
        alt.Facet("geography_name:N", sort=names, title=None), columns=3,
    )
    last12 = districts.groupby("geography_name", sort=False)["incidents"].apply(
        lambda s: s.tail(12).mean())
    parts = [f"{name} {fmt_num(last12[name])}" for name in names]
    return _figure(chart, "Monthly serious violence by district, on one scale. Average crimes a "
                          "month over the latest 12 months: " + "; ".join(parts) + ".")


def types_figure(types: pd.DataFrame) -> dict[str, Any] | None:
    """The three types differ forty-fold in volume, so each gets its own axis."""
    if types.empty:
        return None
    present = [t for t in SV_TYPES if t in set(types["category"])]
    colours = [BLUE, ORANGE, GREEN][: len(present)]
    chart = alt.Chart(_with_dates(types)).mark_line(point=True).encode(
        _month_axis(), alt.Y("incidents:Q", title="Crimes in the month"),
        alt.Color("category:N", sort=present, legend=None,
                  scale=alt.Scale(domain=present, range=colours)),
    ).properties(width=640, height=110).facet(
        row=alt.Row("category:N", sort=present, title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start",
                                  labelOrient="top", labelFontWeight="bold")),
    ).resolve_scale(y="independent")
    totals = types.groupby("category")["incidents"].apply(lambda s: s.tail(12).sum())
    parts = [f"{t} {fmt_num(totals[t])}" for t in present]
    return _figure(chart, "Monthly crimes of each serious violence type, each on its own scale. "
                          "Totals in the latest 12 months: " + "; ".join(parts) + ".")


def rates_figure(rates: pd.DataFrame) -> dict[str, Any] | None:
    """Dot and whisker: the interval matters as much as the rate when districts are small."""
    if rates.empty or rates["rate_per_1000"].isna().all():
        return None
    data = rates[["geography_name", "geography_level", "rate_per_1000", "ci_lower", "ci_upper"]]
    data = data.assign(kind=data["geography_level"].map({"area": "Whole area"}).fillna("District"))
    order = list(data["geography_name"])
    y = alt.Y("geography_name:N", sort=order, title=None)
    colour = alt.Color("kind:N", title=None, scale=alt.Scale(domain=["Whole area", "District"],
                                                             range=[BLACK, BLUE]),
                       legend=alt.Legend(orient="bottom"))
    base = alt.Chart(data)
    whiskers = base.mark_rule(strokeWidth=2).encode(
        alt.X("ci_lower:Q", title="Serious violence crimes per 1,000 residents (95% CI)"),
        alt.X2("ci_upper:Q"), y, colour)
    dots = base.mark_point(filled=True, size=70, opacity=1).encode(
        alt.X("rate_per_1000:Q"), y, colour)
    layers = [whiskers, dots]
    area = data[data["geography_level"] == "area"]
    if not area.empty:
        layers.insert(0, alt.Chart(area).mark_rule(strokeDash=[4, 4], color=GREY).encode(
            alt.X("rate_per_1000:Q")))
    parts = [f"{r.geography_name} {fmt_num(r.rate_per_1000, 1)} "
             f"({fmt_ci(r.ci_lower, r.ci_upper, sep=' to ')})" for r in data.itertuples()]
    return _figure(alt.layer(*layers).properties(width=560, height=28 * len(order) + 20),
                   "Serious violence rate per 1,000 residents with 95% confidence intervals: "
                   + "; ".join(parts) + ".")


def concentration_figure(lsoas: pd.DataFrame, summary: dict[str, Any] | None
                         ) -> dict[str, Any] | None:
    """The cumulative share curve: the further it bows above the diagonal, the more
    concentrated the violence."""
    if lsoas.empty or not lsoas["incidents"].fillna(0).sum():
        return None
    curve = pd.concat([
        pd.DataFrame({"cumulative_lsoa_pct": [0.0], "cumulative_share_pct": [0.0]}),
        lsoas.sort_values("rank")[["cumulative_lsoa_pct", "cumulative_share_pct"]].astype(float),
    ], ignore_index=True)
    line = alt.Chart(curve).mark_line(color=VERMILLION, strokeWidth=2.5).encode(
        alt.X("cumulative_lsoa_pct:Q", title="Share of neighbourhoods (LSOAs), highest first (%)",
              scale=alt.Scale(domain=[0, 100])),
        alt.Y("cumulative_share_pct:Q", title="Share of serious violence (%)",
              scale=alt.Scale(domain=[0, 100])),
    )
    even = alt.Chart(pd.DataFrame({"x": [0, 100], "y": [0, 100]})).mark_line(
        color=GREY, strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    text = ("Cumulative share of serious violence against the share of neighbourhoods, "
            "highest first.")
    if summary:
        text += (f" The top 10% of neighbourhoods hold {fmt_pct(summary['top_10pct_share_pct'])};"
                 f" half of all crimes fall in {fmt_num(summary['lsoas_holding_half'])} of "
                 f"{fmt_num(summary['lsoas'])} neighbourhoods. The dashed line is an even spread.")
    return _figure(alt.layer(even, line).properties(width=420, height=320), text)


def deprivation_figure(area: pd.DataFrame) -> dict[str, Any] | None:
    data = area.dropna(subset=["imd_decile", "sv_rate_per_1000"])
    if data.empty:
        return None
    data = data[["imd_decile", "sv_rate_per_1000", "sv_ci_lower", "sv_ci_upper"]].astype(float)
    x = alt.X("imd_decile:O", title="IMD 2025 decile (1 = most deprived 10% in England)",
              axis=alt.Axis(labelAngle=0), scale=alt.Scale(domain=list(range(1, 11))))
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_rule(color=BLUE, strokeWidth=2).encode(
            x, alt.Y("sv_ci_lower:Q", title="Serious violence per 1,000 residents (95% CI)"),
            alt.Y2("sv_ci_upper:Q")),
        base.mark_point(filled=True, size=70, opacity=1, color=BLUE).encode(
            x, alt.Y("sv_rate_per_1000:Q")),
    ).properties(width=560, height=260)
    parts = [f"decile {int(r.imd_decile)} {fmt_num(r.sv_rate_per_1000, 1)}"
             for r in data.itertuples()]
    return _figure(chart, "Serious violence rate per 1,000 residents by deprivation decile: "
                          + "; ".join(parts) + ".")


def outcomes_figure(area_sv: pd.DataFrame) -> dict[str, Any] | None:
    data = area_sv.dropna(subset=["share_pct"])
    if data.empty:
        return None
    labels = [fmt_share(s, c) for s, c in zip(data["share_pct"], data["crimes"], strict=True)]
    data = data[["outcome", "share_pct", "crimes"]].assign(
        share_pct=data["share_pct"].astype(float), label=labels)
    order = list(data.sort_values("crimes", ascending=False)["outcome"])
    y = alt.Y("outcome:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_bar(color=BLUE).encode(alt.X("share_pct:Q", title="Share of crimes (%)"), y),
        base.mark_text(align="left", dx=4, fontSize=11).encode(
            alt.X("share_pct:Q"), y, alt.Text("label:N")),
    ).properties(width=420, height=22 * len(order))
    top = [f"{r.outcome} {r.label}" for r in data.sort_values("crimes", ascending=False)
           .head(3).itertuples()]
    return _figure(chart, "Latest recorded outcome of serious violence crimes, share of crimes. "
                          "Most common: " + "; ".join(top) + ".")


def search_object_figure(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Only counts that survived suppression are drawn; suppressed ones are not in the data."""
    shown = pd.DataFrame([r for r in rows if not r["suppressed"]])
    if shown.empty:
        return None
    shown = shown.assign(searches=shown["searches"].astype(float))
    order = list(shown["value"])
    y = alt.Y("value:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    chart = alt.Chart(shown).mark_bar(color=GREEN).encode(
        alt.X("searches:Q", title="Searches"), y).properties(width=420, height=22 * len(order))
    hidden = len(rows) - len(shown)
    text = "Stop and search by object of search: " + "; ".join(
        f"{r['value']} {fmt_num(r['searches'])}" for r in rows if not r["suppressed"]) + "."
    if hidden:
        text += (f" {hidden} suppressed {'category is' if hidden == 1 else 'categories are'} "
                 "not drawn.")
    return _figure(chart, text)


# --- context -------------------------------------------------------------------------------

def _where(frame: pd.DataFrame, sort: list[str] | None = None, **equal: Any) -> pd.DataFrame:
    """Rows whose columns equal (or, given a tuple, are in) the values; a missing table's
    column-less frame passes through, so every section can ask without checking first."""
    if frame.empty:
        return frame
    for column, value in equal.items():
        frame = frame[frame[column].isin(value) if isinstance(value, tuple)
                      else frame[column] == value]
    return frame.sort_values(sort, kind="stable") if sort else frame


def _geography_groups(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """[{name, level, rows}] in geography order: the area first, then the districts."""
    if frame.empty:
        return []
    return [
        {"name": rows["geography_name"].iloc[0], "level": rows["geography_level"].iloc[0],
         "rows": _records(rows)}
        for _, rows in frame.groupby("geography_order", sort=True)
    ]


def _area(groups: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((g for g in groups if g["level"] == "area"), None)


def _comparison(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = _where(frame, category=COMPARED)
    if rows.empty:
        return []
    rows = rows.assign(_c=rows["category"].map(COMPARED.index)).sort_values(
        ["geography_order", "_c"])
    return _geography_groups(rows.drop(columns="_c"))


def _outcome_tables(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per geography, outcome rows across the SV categories, most common outcome first."""
    if frame.empty:
        return []
    categories = [c for c in (SV, *SV_TYPES) if c in set(frame["category"])]
    tables = []
    for group in _geography_groups(frame):
        cells = {(r["outcome"], r["category"]): r for r in group["rows"]}
        sv_crimes = {r["outcome"]: 0 for r in group["rows"]}
        sv_crimes.update({r["outcome"]: r["crimes"] or 0 for r in group["rows"]
                          if r["category"] == SV})
        outcomes = sorted(sv_crimes, key=lambda o: (-sv_crimes[o], o))
        tables.append({
            "name": group["name"], "level": group["level"], "categories": categories,
            "rows": [{"outcome": o, "cells": [cells.get((o, c)) for c in categories]}
                     for o in outcomes],
            "totals": [sum((r["crimes"] or 0) for r in group["rows"] if r["category"] == c)
                       for c in categories],
        })
    return tables


def _age_position(value: str) -> int:
    return AGE_ORDER.index(value) if value in AGE_ORDER else len(AGE_ORDER)


def _stop_search(frame: pd.DataFrame, threshold: int) -> list[dict[str, Any]]:
    """Suppressed tables per geography and dimension. Suppressed cells are listed after the
    shown ones, alphabetically, so their order gives nothing away either."""
    if frame.empty:
        return []
    safe = suppress_for_publication(frame, published_table("stop_search"), threshold)
    present = set(safe["dimension"])
    dims = [d for d in SEARCH_DIMENSIONS if d in present] + sorted(present - set(SEARCH_DIMENSIONS))
    geographies = []
    for _, geo in safe.groupby("geography_order", sort=True):
        dimensions = []
        for dim in dims:
            rows = geo[geo["dimension"] == dim]
            if rows.empty:
                continue
            hidden = rows["searches_suppressed"] == "yes"
            shown = rows[~hidden].sort_values(["searches", "value"], ascending=[False, True])
            if dim == "Age range":
                shown = shown.sort_values("value", key=lambda v: v.map(_age_position),
                                          kind="stable")
            total = int(frame.loc[rows.index, "searches"].sum())
            dimensions.append({
                "name": dim,
                "rows": [dict(r, suppressed=flag)
                         for part, flag in ((shown, False), (rows[hidden].sort_values("value"),
                                                             True))
                         for r in _records(part[["value", "searches", "share_pct"]])],
                "total": total if total >= threshold else None,  # a small total is a count too
            })
        geographies.append({"name": geo["geography_name"].iloc[0],
                            "level": geo["geography_level"].iloc[0], "dimensions": dimensions})
    return geographies


def _one_row(frame: pd.DataFrame) -> dict[str, Any] | None:
    rows = _records(frame)
    return rows[0] if rows else None


def _change_sentence(sv: dict[str, Any], period: dict[str, Any]) -> str:
    if _missing(sv["previous_12"]):
        return (f"There is no comparison with the previous 12 months yet: it needs 24 months of "
                f"data and the warehouse holds {fmt_num(period['months_spanned'])} "
                f"({month_label(period['first_month'])} to {month_label(period['latest_month'])}).")
    change = sv["change"]
    text = (f"That is {fmt_num(abs(change))} {'more' if change > 0 else 'fewer'} "
            f"({fmt_signed(sv['pct_change'], 1)}%) than" if change else "That is the same as")
    text += (f" the previous 12 months ({fmt_num(sv['previous_12'])}). The ratio of the two "
             f"periods is {fmt_num(sv['ratio'], 2)} (95% confidence interval "
             f"{fmt_ci(sv['ratio_ci_lower'], sv['ratio_ci_upper'], 2, ' to ')}); ")
    verdict = chance_label(sv["ratio_ci_lower"], sv["ratio_ci_upper"])
    if verdict.startswith("Yes"):
        return text + (f"the interval excludes 1, so the {verdict.split()[-1]} is larger than "
                       "chance variation alone would explain.")
    return text + "the interval includes 1, so the change may be chance variation."


def _summary(area_name: str, period: dict[str, Any] | None, comparison: list[dict[str, Any]],
             rates: pd.DataFrame, concentration: dict[str, Any] | None,
             deprivation: pd.DataFrame) -> list[str]:
    """The headline figures as sentences a board member can quote."""
    if not period:
        return [f"The warehouse holds no crime data for {area_name}, so there is nothing "
                "to report."]
    sentences = []
    by_category = {r["category"]: r for r in (_area(comparison) or {"rows": []})["rows"]}
    if sv := by_category.get(SV):
        detail = ""
        if all(t in by_category for t in SV_TYPES):
            vso, robbery, weapons = (fmt_num(by_category[t]["latest_12"]) for t in SV_TYPES)
            detail = (f": {vso} violence and sexual offences, {robbery} robberies and {weapons} "
                      "possession of weapons offences")
        sentences.append(
            f"Police recorded {fmt_num(sv['latest_12'])} serious violence crimes in {area_name} "
            f"in the 12 months {month_label(period['latest_12_start'])} to "
            f"{month_label(period['latest_month'])}{detail}.")
        sentences.append(_change_sentence(sv, period))
    area = _where(rates, category=SV, geography_level="area").dropna(subset=["rate_per_1000"])
    if not area.empty:
        a = area.iloc[0]
        text = (f"The rate was {fmt_num(a['rate_per_1000'], 1)} serious violence crimes per "
                f"1,000 residents (95% CI {fmt_ci(a['ci_lower'], a['ci_upper'], 1, ' to ')}).")
        districts = _where(rates, category=SV, geography_level="district").dropna(
            subset=["rate_per_1000"])
        if len(districts) > 1:
            top = districts.loc[districts["rate_per_1000"].idxmax()]
            low = districts.loc[districts["rate_per_1000"].idxmin()]
            times = (f", {fmt_num(top['rate_per_1000'] / a['rate_per_1000'], 1)} times the area "
                     "rate" if a["rate_per_1000"] else "")
            text += (f" {top['geography_name']} had the highest district rate, "
                     f"{fmt_num(top['rate_per_1000'], 1)} per 1,000 (95% CI "
                     f"{fmt_ci(top['ci_lower'], top['ci_upper'], 1, ' to ')}){times}; "
                     f"{low['geography_name']} had the lowest, "
                     f"{fmt_num(low['rate_per_1000'], 1)} per 1,000.")
        sentences.append(text)
    if concentration and concentration["incidents"] and concentration["lsoas"]:
        c = concentration
        sentences.append(
            f"Serious violence is concentrated in a few places: half of it was recorded in "
            f"{fmt_num(c['lsoas_holding_half'])} of the {fmt_num(c['lsoas'])} neighbourhoods "
            f"(LSOAs, {fmt_pct(100 * c['lsoas_holding_half'] / c['lsoas'])} of them), and the "
            f"10% of neighbourhoods with the most crimes accounted for "
            f"{fmt_pct(c['top_10pct_share_pct'])}.")
    deciles = _where(deprivation, geography_level="area").dropna(
        subset=["imd_decile", "sv_rate_per_1000"])
    if len(deciles) > 1:
        most = deciles.loc[deciles["imd_decile"].idxmin()]
        least = deciles.loc[deciles["imd_decile"].idxmax()]
        times = (f", {fmt_num(most['sv_rate_per_1000'] / least['sv_rate_per_1000'], 1)} times "
                 "the rate" if least["sv_rate_per_1000"] else ", against the rate")
        sentences.append(
            f"The rate in the most deprived neighbourhoods (IMD decile {most['imd_decile']}) was "
            f"{fmt_num(most['sv_rate_per_1000'], 1)} per 1,000{times} in the least deprived "
            f"(decile {least['imd_decile']}, {fmt_num(least['sv_rate_per_1000'], 1)} per 1,000).")
    return sentences


def build_context(frames: dict[str, pd.DataFrame], config: Config) -> dict[str, Any]:
    """Everything the template shows, already chosen and ordered; the template only lays out."""
    area_name, threshold = config.area.name, config.suppression.threshold
    period = _one_row(frames["reporting_period"])
    trend, rates, lsoas = frames["monthly_trend"], frames["rates"], frames["lsoa_concentration"]
    sv_trend = _where(trend, category=SV, sort=["geography_order", "month"])
    comparison = _comparison(frames["period_comparison"])
    concentration = _one_row(frames["concentration_summary"])
    deprivation, outcomes = frames["deprivation"], frames["outcomes"]
    stop_search = _stop_search(frames["stop_search"], threshold)
    objects = next((d["rows"] for d in (_area(stop_search) or {"dimensions": []})["dimensions"]
                    if d["name"] == "Object of search"), [])
    all_crime = {r["geography_code"]: r["rate_per_1000"]
                 for r in _records(_where(rates, category="All crime"))}
    monthly = (sv_trend.pivot_table(index="month", columns="geography_order", values="incidents",
                                    aggfunc="sum") if not sv_trend.empty else pd.DataFrame())
    top_n = config.report.top_lsoas
    return {
        "area_name": area_name,
        "marking": config.report.protective_marking,
        "threshold": threshold,
        "period": period,
        "summary": _summary(area_name, period, comparison, rates, concentration, deprivation),
        "figures": {
            "trend": trend_figure(_where(sv_trend, geography_level="area"), area_name),
            "districts": district_trend_figure(_where(sv_trend, geography_level="district")),
            "types": types_figure(_where(trend, geography_level="area", category=SV_TYPES,
                                         sort=["month"])),
            "rates": rates_figure(_where(rates, category=SV)),
            "concentration": concentration_figure(lsoas, concentration),
            "deprivation": deprivation_figure(_where(deprivation, geography_level="area")),
            "outcomes": outcomes_figure(_where(outcomes, geography_level="area", category=SV)),
            "search_objects": search_object_figure(objects),
        },
        "monthly": {
            "geographies": [g["name"] for g in _geography_groups(sv_trend)],
            "rows": [{"month": month, "values": list(values)}
                     for month, values in monthly.iterrows()],
        },
        "comparison": comparison,
        "comparison_ready": any(not _missing(r["previous_12"])
                                for r in (_area(comparison) or {"rows": []})["rows"]),
        "rates": [dict(r, all_crime_rate=all_crime.get(r["geography_code"]))
                  for r in _records(_where(rates, category=SV))],
        "top_n": top_n,
        "top_lsoas": _records(_where(lsoas, sort=["rank"]).head(top_n)),
        "concentration": concentration,
        "deprivation": _geography_groups(_where(deprivation, sort=["geography_order",
                                                                   "imd_decile"])),
        "outcomes": _outcome_tables(outcomes),
        "stop_search": stop_search,
        "quality": _records(_where(frames["data_quality"], sort=["check_order"])),
    }
