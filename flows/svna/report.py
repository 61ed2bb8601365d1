"""The baseline serious violence needs assessment: one self-contained HTML file for the board.

Everything the page needs travels inside it (inline CSS, charts as inline SVG drawn offline by
vl-convert), because these reports are e-mailed, printed and opened on locked-down machines.
The numbers come only from the assessment tables; this module formats, never recomputes (its
sentences at most add up or compare what the tables hold). Sections 9-16 come from the force
crime extract and appear only when it holds data. Person-level tables are shown only as
schema.yml's suppression leaves them: a suppressed count is [c], and is never drawn.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import duckdb
import jinja2
import pandas as pd
import vl_convert
from markupsafe import Markup, escape

from svna.evaluation import MEASURE_LABELS
from svna.exports import as_published, needed_tables, published_tables
from svna.maps import area_map
from svna.spc import SERIES as SPC_SERIES
from svna.stats import HIGH, LOW, MIN_RELIABLE_COUNT, xmr_summary
from svna.warehouse import quote_ident

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
POLICE_UK_TABLES = (
    "monthly_trend", "period_comparison", "rates", "lsoa_concentration",
    "concentration_summary", "deprivation", "outcomes", "stop_search", "data_quality",
)
# The force crime extract's tables (sections 9-16 when the extract holds data).
FORCE_TABLES = (
    "force_monthly", "force_rates", "youth_violence", "time_profile", "repeat_people",
    "outcomes_force", "outcome22_monthly", "suspect_outcomes", "disproportionality",
    "recording_completeness", "force_data_quality", "spc",
)
# The evaluation of configured interventions (flows/svna/evaluation.py).
INTERVENTION_TABLES = ("intervention_effects", "intervention_series")
ASSESSMENT_TABLES = POLICE_UK_TABLES + FORCE_TABLES + INTERVENTION_TABLES + ("since_last",)
# What else the report reads: the periods, and the definition the models were built with.
OTHER_TABLES = (
    ("marts", "reporting_period"), ("marts", "force_reporting_period"),
    ("marts", "offence_codes"), ("cfg", "sv_groups"), ("cfg", "sv_codes"),
    ("cfg", "settings"), ("cfg", "age_bands"), ("seeds", "ho_outcome_codes"),
    ("marts", "street_points_12m"),
)
# police.uk's age bands, youngest first: a board reads them as a scale, not a ranking.
AGE_ORDER = ("under 10", "10-17", "18-24", "25-34", "over 34")
SUPPRESSED = "[c]"
MISSING = "–"
# Okabe-Ito: distinguishable with every common form of colour-blindness, and in greyscale print.
BLACK, ORANGE, GREEN, BLUE, VERMILLION = "#000000", "#E69F00", "#009E73", "#0072B2", "#D55E00"
GREY = "#6b6b6b"


# --- the force crime extract: names ------------------------------------------------------
FORCE_SV, KNIFE, HOMICIDE = ("Serious violence", "Knife or sharp instrument serious violence",
                             "Homicide")
YOUTH_MEASURE_PREFIX = "Serious violence with a victim under"
GROUP_NAMES = {
    "homicide": "homicide", "attempted_murder": "attempted murder",
    "threats_to_kill": "threats to kill",
    "wounding_gbh": "wounding and grievous bodily harm (GBH)",
    "assault_with_injury": "assault with injury", "robbery": "robbery",
    "possession_of_weapons": "possession of weapons", "sexual_offences": "sexual offences",
    "assault_without_injury": "assault without injury", "other": "other offences",
}
OUTCOME_CATEGORIES = {  # Home Office outcome categories, in the order a board reads them
    "charge_summons": "Charge or summons",
    "diversion": "Diversionary, educational or intervention activity",
    "out_of_court_formal": "Caution",
    "out_of_court_informal": "Community resolution or cannabis/khat warning",
    "penalty_notice": "Penalty notice for disorder",
    "no_further_action_evidential": "Evidential difficulties",
    "no_further_action_public_interest": "Not in the public interest",
    "prevented": "Prosecution prevented or not possible",
    "no_suspect": "Investigation complete, no suspect identified",
    "other_body": "Passed to another body",
    "not_yet": "No outcome yet (under investigation)",
    "unknown": "Outcome code not recognised",
}
OTHER_OUT_OF_COURT = ("out_of_court_formal", "out_of_court_informal", "penalty_notice")
SUSPECT_OUTCOME_GROUPS = ("Charge or summons", "Outcome 22 (diversion)", "Other out-of-court",
                          "No further action or other")
REFERENCE_GROUP = "White"
ETHNIC_ORDER = (REFERENCE_GROUP, "Asian", "Black", "Mixed", "Other")
TRAILING_VALUES = ("Not stated", "Unknown code", "Not recorded")  # listed last, in this order
DISPROPORTIONALITY_MEASURES = (
    "Victims of serious violence", "Suspects of serious violence", "Stop and search",
    "Outcome 22 among suspects with a final outcome")
EVENT_LABELS = dict(zip(DISPROPORTIONALITY_MEASURES,
                        ("Victims", "Suspects", "Searches", "Given outcome 22"), strict=True))
RELIABLE, UNRELIABLE = "Reliable", "Unreliable: fewer than ten events"
FIELDS = ("Ethnicity", "Sex", "Age")
ROLE_POSSESSIVE = {"victim": "victims'", "suspect": "suspects'"}
# Recording "improving" or "worsening": the latest 6 months' % against the 6 before, by at
# least this many percentage points (smaller moves are read as little changed).
TREND_POINTS = 0.5

_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


def render_baseline(con: duckdb.DuckDBPyConnection, out_path: Path, *, config: Config,
                    run_id: str, generated_at: str, validation_href: str | None,
                    published: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the baseline assessment for `config.area` to `out_path` and return the path.
    `published`: the exports' tables (exports.publication), so that the document shows what
    they publish without suppressing again; suppressed here when not given."""
    frames = load_frames(con)
    safe = as_published(_person_level_tables(), frames, config.suppression.threshold, published)
    left_out = mark_districts_shown(frames, config.report.district_tables, safe)
    context = build_context(frames, config, safe)
    context["districts_left_out"] = left_out
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
    names = [*ASSESSMENT_TABLES, *needed_tables(_person_level_tables())]
    frames = {name: _read(con, "assessment", name) for name in dict.fromkeys(names)}
    for schema, name in OTHER_TABLES:
        frames[name] = _read(con, schema, name)
    return frames


def _person_level_tables() -> list[str]:
    """The tables the document shows whose small counts are suppressed on publication."""
    return [t.name for t in published_tables() if t.suppress and t.name in ASSESSMENT_TABLES]


def mark_districts_shown(frames: dict[str, pd.DataFrame], limit: int,
                         suppressed: dict[str, pd.DataFrame]) -> dict[str, int] | None:
    """Mark each row of every geography table `_in_document` (of `frames`, and of
    `suppressed` alike): the area, and the `limit` districts with the most serious violence in
    the latest 12 months (an area of hundreds of districts would fill a thousand pages). Rows
    are dropped only after suppression, which must see every district. Returns {shown, total}
    when districts were left out."""
    tables = [f for f in [*frames.values(), *suppressed.values()]
              if {"geography_level", "geography_order"} <= set(f)]
    districts = {o for f in tables for o in f.loc[f["geography_level"] == "district",
                                                      "geography_order"]}
    if len(districts) <= limit:
        return None
    volume = {r["geography_order"]: r["latest_12"] or 0 for r in _records(_where(
        frames["period_comparison"], category=SV, geography_level="district"))}
    shown = sorted(districts, key=lambda o: (-volume.get(o, 0), o))[:limit]
    for frame in tables:
        frame["_in_document"] = ((frame["geography_level"] != "district")
                                 | frame["geography_order"].isin(shown))
    return {"shown": limit, "total": len(districts)}


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the geographies the document shows (see mark_districts_shown)."""
    return frame[frame["_in_document"]] if "_in_document" in frame else frame


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
        f"CAST({quote_ident(name)} AS BIGINT) AS {quote_ident(name)}" if name in integer
        else quote_ident(name)
        for name, _ in columns
    )
    frame = con.execute(f"SELECT {select} FROM {quote_ident(schema)}.{quote_ident(table)}").df()
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
                       MISSING=MISSING, suspect_outcome_groups=SUSPECT_OUTCOME_GROUPS,
                       trend_points=TREND_POINTS)
    return env


# --- charts --------------------------------------------------------------------------------

def _figure(chart: alt.TopLevelMixin, alt_text: str) -> dict[str, Any]:
    """Chart -> inline SVG. The xmlns declarations are dropped: HTML needs none, and the page
    then names no http(s) address at all."""
    # aria off: the marks and axes are hidden from assistive technology, which reads the
    # figure's text alternative instead (unnamed graphics-symbol marks fail WCAG 1.1.1)
    chart = (chart.configure(font="Helvetica, Arial, sans-serif", aria=False)
             .configure_mark(aria=False).configure_view(stroke=None))
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)
    # ids inside an SVG (a colour legend's gradient) are the page's: make them the figure's own
    prefix = "f" + hashlib.sha256((alt_text + svg).encode()).hexdigest()[:8] + "-"
    for name in set(re.findall(r'\bid="([^"]+)"', svg)):
        svg = re.sub(rf'(\bid="|url\(#|href="#){re.escape(name)}(?=[")])',
                     rf"\g<1>{prefix}{name}", svg)
    # the SVG's title is what a tagged PDF gives as the figure's alternate text (/Alt)
    svg = re.sub(r"<svg\b[^>]*>", lambda tag: f"{tag.group(0)}<title>{escape(alt_text)}</title>",
                 svg, count=1)
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


CURVE_POINTS = 1000  # below altair's 5,000-row limit, and finer than the drawing shows


def concentration_figure(lsoas: pd.DataFrame, summary: dict[str, Any] | None
                         ) -> dict[str, Any] | None:
    """The cumulative share curve: the further it bows above the diagonal, the more
    concentrated the violence."""
    if lsoas.empty or not lsoas["incidents"].fillna(0).sum():
        return None
    ranked = lsoas.sort_values("rank")[["cumulative_lsoa_pct", "cumulative_share_pct"]]
    if len(ranked) > CURVE_POINTS:  # a region's thousands of LSOAs: the curve's shape is enough
        ranked = pd.concat([ranked.iloc[::len(ranked) // CURVE_POINTS], ranked.iloc[[-1]]])
    curve = pd.concat([
        pd.DataFrame({"cumulative_lsoa_pct": [0.0], "cumulative_share_pct": [0.0]}),
        ranked.astype(float),
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


# --- the force crime extract: charts ------------------------------------------------------

def _months_span(frame: pd.DataFrame) -> str:
    return f"{month_label(frame['month'].iloc[0])} to {month_label(frame['month'].iloc[-1])}"


def _series_sentence(name: str, rows: pd.DataFrame, column: str) -> str:
    """'<name>: N in the latest 12 months, highest H in <month>, latest L.' for a monthly
    series of offences (not people)."""
    values = rows[column].astype(float)
    peak = rows.loc[values.idxmax()]
    return (f"{name}: {fmt_num(values.tail(12).sum())} in the latest "
            f"{min(12, len(rows))} months, highest {fmt_num(peak[column])} in "
            f"{month_label(peak['month'])}, latest {fmt_num(values.iloc[-1])} in "
            f"{month_label(rows['month'].iloc[-1])}")


def headline_trend_figure(monthly: pd.DataFrame) -> dict[str, Any] | None:
    """Knife-enabled serious violence and homicide each month: counts two hundred times apart,
    so each has its own axis."""
    data = _where(monthly, geography_level="area", measure=(KNIFE, HOMICIDE), sort=["month"])
    if data.empty:
        return None
    present = [m for m in (KNIFE, HOMICIDE) if m in set(data["measure"])]
    data = _with_dates(data)[["date", "month", "measure", "offences"]].assign(
        offences=lambda f: f["offences"].astype(float))
    chart = alt.Chart(data).mark_line(point=True).encode(
        _month_axis(), alt.Y("offences:Q", title="Offences in the month"),
        alt.Color("measure:N", sort=present, legend=None,
                  scale=alt.Scale(domain=present, range=[VERMILLION, BLACK][: len(present)])),
    ).properties(width=640, height=130).facet(
        row=alt.Row("measure:N", sort=present, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start",
                                      labelOrient="top", labelFontWeight="bold")),
    ).resolve_scale(y="independent")
    parts = [_series_sentence(m, data[data["measure"] == m].reset_index(drop=True), "offences")
             for m in present]
    return _figure(chart, f"Offences recorded by the force each month, {_months_span(data)}, "
                          "each on its own scale. " + "; ".join(parts) + ".")


def single_trend_figure(rows: pd.DataFrame, title: str, colour: str = BLUE
                        ) -> dict[str, Any] | None:
    """One monthly series of offences."""
    if rows.empty:
        return None
    data = _with_dates(rows)[["date", "month", "offences"]].assign(
        offences=lambda f: f["offences"].astype(float)).reset_index(drop=True)
    chart = alt.Chart(data).mark_line(
        color=colour, point=alt.OverlayMarkDef(color=colour, filled=True, size=30)).encode(
        _month_axis(), alt.Y("offences:Q", title="Offences in the month"),
    ).properties(width=640, height=200)
    return _figure(chart, f"{title} each month, {_months_span(data)}. "
                          + _series_sentence("Offences", data, "offences") + ".")


SPC_KINDS = {HIGH: "Special cause: higher", LOW: "Special cause: lower"}
SPC_POINTS = ("Common cause", "Special cause: higher", "Special cause: lower",
              "Not assessed (too few months)")
SPC_LINES = ("Mean", "Process limits", "Two-sigma lines")


def spc_figure(rows: pd.DataFrame, series: str) -> dict[str, Any]:
    """An XmR chart in the Making Data Count style: the values joined by a grey line, the mean
    (solid), the process limits (dashed) and the two-sigma lines (dotted); special cause points
    in orange (higher) or blue (lower) and drawn as triangles, so that neither colour nor
    print is needed to see them."""
    data = _with_dates(rows).reset_index(drop=True)
    has_limits = bool(data["upper_limit"].notna().any())
    kind = data["variation"].map(SPC_KINDS).fillna(
        "Common cause" if has_limits else SPC_POINTS[3])
    points = pd.DataFrame({"date": data["date"], "value": data["value"].astype(float),
                           "kind": kind})
    x = _month_axis()
    y = alt.Y("value:Q", title="Count in the month (axis not from 0)",
              scale=alt.Scale(zero=False))
    present = [k for k in SPC_POINTS if k in set(kind)]
    colours = {"Common cause": "#7a7a7a", SPC_POINTS[1]: ORANGE, SPC_POINTS[2]: BLUE,
               SPC_POINTS[3]: "#7a7a7a"}
    shapes = {"Common cause": "circle", SPC_POINTS[1]: "triangle-up",
              SPC_POINTS[2]: "triangle-down", SPC_POINTS[3]: "circle"}
    layers = []
    if has_limits:
        lines = pd.concat([
            pd.DataFrame({"date": data["date"], "value": data[column].astype(float),
                          "line": label, "which": column})
            for column, label in (("mean", "Mean"), ("upper_limit", "Process limits"),
                                  ("lower_limit", "Process limits"),
                                  ("upper_two_sigma", "Two-sigma lines"),
                                  ("lower_two_sigma", "Two-sigma lines"))
        ], ignore_index=True)
        layers.append(alt.Chart(lines).mark_line(strokeWidth=1.3, color="#505050").encode(
            x, y, alt.Detail("which:N"),
            alt.StrokeDash("line:N", title=None, sort=list(SPC_LINES), scale=alt.Scale(
                domain=list(SPC_LINES), range=[[1, 0], [7, 4], [2, 3]]),
                legend=alt.Legend(orient="bottom", symbolStrokeColor="#505050"))))
    layers.append(alt.Chart(points).mark_line(color="#9a9a9a", strokeWidth=1.5).encode(x, y))
    marker = alt.Legend(orient="bottom", symbolSize=90)
    layers.append(alt.Chart(points).mark_point(filled=True, opacity=1, size=75).encode(
        x, y,
        alt.Color("kind:N", title=None, sort=present, legend=marker, scale=alt.Scale(
            domain=present, range=[colours[k] for k in present])),
        alt.Shape("kind:N", title=None, sort=present, legend=marker, scale=alt.Scale(
            domain=present, range=[shapes[k] for k in present]))))
    chart = alt.layer(*layers).properties(width=640, height=220)
    text = f"XmR chart of {series} each month, {_months_span(data)}"
    if not has_limits:
        return _figure(chart, text + ": too few months for process limits.")
    last = data.iloc[-1]
    text += (f": mean {fmt_num(last['mean'], 1)}, process limits "
             f"{fmt_num(last['lower_limit'], 1)} to {fmt_num(last['upper_limit'], 1)}, two-sigma "
             f"lines {fmt_num(last['lower_two_sigma'], 1)} and "
             f"{fmt_num(last['upper_two_sigma'], 1)} (the axis does not start at zero).")
    special = []
    for label in SPC_POINTS[1:3]:
        months = data.loc[kind == label, "month"]
        if not months.empty:
            special.append(f"{label.split(': ')[1]} in {len(months)} "
                           f"month{'s' if len(months) != 1 else ''} (latest "
                           f"{month_label(months.iloc[-1])})")
    text += (" Special cause variation: " + "; ".join(special) + "." if special
             else " No month shows special cause variation.")
    return _figure(chart, text)


def _months_in_words(sentence: str) -> str:
    """'2025-06' -> 'June 2025' in a sentence from svna.stats."""
    return re.sub(r"\b(\d{4}-\d{2})\b", lambda m: month_label(m.group(1)), sentence)


def youth_rates_figure(group: dict[str, Any] | None) -> dict[str, Any] | None:
    """Victims and suspects per 1,000 residents of each age band, with intervals. Suppressed
    cells are not drawn (their rates are blank)."""
    if not group:
        return None
    rows = []
    for row in group["rows"]:
        for role, label in (("victim", "Victims"), ("suspect", "Suspects")):
            cell = row[role]
            if cell and not cell["suppressed"] and not _missing(cell["rate_per_1000"]):
                rows.append({"band": row["band"], "role": label,
                             "rate": float(cell["rate_per_1000"]),
                             "lower": float(cell["ci_lower"]), "upper": float(cell["ci_upper"])})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    bands = list(dict.fromkeys(data["band"]))
    roles = [r for r in ("Victims", "Suspects") if r in set(data["role"])]
    y = alt.Y("band:N", sort=bands, title="Age band")
    colour = alt.Color("role:N", legend=None, sort=roles,
                       scale=alt.Scale(domain=roles, range=[BLUE, VERMILLION][: len(roles)]))
    base = alt.Chart()
    chart = alt.layer(
        base.mark_rule(strokeWidth=2).encode(
            alt.X("lower:Q", title="Per 1,000 residents of the age band (95% CI)"),
            alt.X2("upper:Q"), y, colour),
        base.mark_point(filled=True, size=70, opacity=1).encode(alt.X("rate:Q"), y, colour),
        data=data,
    ).properties(width=280, height=30 * len(bands) + 10).facet(
        column=alt.Column("role:N", sort=roles, title=None,
                          header=alt.Header(labelFontWeight="bold", labelFontSize=12)))
    parts = [f"{r.role.lower()} aged {r.band} {fmt_num(r.rate, 2)} "
             f"({fmt_ci(r.lower, r.upper, 2, ' to ')})" for r in data.itertuples()]
    return _figure(chart, f"Victims and suspects of serious violence per 1,000 residents of "
                          f"each age band, {group['name']}, latest 12 months: "
                          + "; ".join(parts) + ".")


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _hours(start: int, end: int | None = None) -> str:
    end = start if end is None else end
    return f"{start:02d}:00–{end:02d}:59"


def heatmap_grid(profile: pd.DataFrame) -> pd.DataFrame:
    """Every day and hour (Monday first), 0 where no offence was recorded."""
    rows = _where(profile, profile="hour_by_day")
    counts = {(int(r.period_a), int(r.period_b)): int(r.offences) for r in rows.itertuples()}
    return pd.DataFrame([{"day_number": d, "day": DAYS[d - 1], "hour": h,
                          "offences": counts.get((d, h), 0)}
                         for d in range(1, 8) for h in range(24)])


def heatmap_figure(grid: pd.DataFrame) -> dict[str, Any] | None:
    total = int(grid["offences"].sum()) if not grid.empty else 0
    if not total:
        return None
    data = grid.assign(hour_label=grid["hour"].map(lambda h: f"{h:02d}"))
    chart = alt.Chart(data).mark_rect(stroke="white", strokeWidth=1).encode(
        alt.X("hour_label:O", title="Hour of the day (24-hour clock)",
              axis=alt.Axis(labelAngle=0)),
        alt.Y("day:O", sort=list(DAYS), title=None),
        alt.Color("offences:Q", title="Offences", scale=alt.Scale(scheme="blues"),
                  legend=alt.Legend(orient="right", gradientLength=150)),
    ).properties(width=24 * 25, height=7 * 25)
    by_day = grid.groupby("day_number")["offences"].sum()
    by_hour = grid.groupby("hour")["offences"].sum()
    peak = grid.loc[grid["offences"].idxmax()]
    busiest, quietest = by_day.idxmax(), by_day.idxmin()
    night = grid.loc[(grid["hour"] >= 18) | (grid["hour"] < 6), "offences"].sum()
    day, hour = grid["day_number"], grid["hour"]
    weekend_night = grid.loc[(day.isin((5, 6)) & (hour >= 18)) | (day.isin((6, 7)) & (hour < 6)),
                             "offences"].sum()
    text = (f"Serious violence by day of the week and hour of the day, latest 12 months, "
            f"{fmt_num(total)} offences with a time: darker is more. Busiest day "
            f"{DAYS[busiest - 1]} ({fmt_pct(100 * by_day[busiest] / total)}), quietest "
            f"{DAYS[quietest - 1]} ({fmt_pct(100 * by_day[quietest] / total)}). Busiest hour "
            f"of the week {peak['day']} {_hours(int(peak['hour']))} "
            f"({fmt_num(peak['offences'])} offences); across the week, busiest hour "
            f"{_hours(int(by_hour.idxmax()))}, quietest {_hours(int(by_hour.idxmin()))}. "
            f"{fmt_pct(100 * night / total)} happened between 18:00 and 05:59, and "
            f"{fmt_pct(100 * weekend_night / total)} on Friday and Saturday nights (18:00 to 05:59 "
            "the next morning).")
    return _figure(chart, text)


def seasonality_figure(profile: pd.DataFrame) -> dict[str, Any] | None:
    rows = _where(profile, profile="month_by_year", sort=["period_a", "period_b"])
    if rows.empty:
        return None
    data = pd.DataFrame({"year": rows["period_a"].astype(int).astype(str),
                         "month": rows["period_b"].astype(int).map(lambda m: MONTHS[m - 1]),
                         "offences": rows["offences"].astype(float)}).reset_index(drop=True)
    years = list(dict.fromkeys(data["year"]))
    palette = [BLUE, ORANGE, GREEN, VERMILLION, BLACK, "#56B4E9", "#CC79A7", "#F0E442"]
    shapes = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down",
              "circle", "square"]
    colour = alt.Color("year:N", title="Year", sort=years, scale=alt.Scale(
        domain=years, range=(palette * 4)[: len(years)]), legend=alt.Legend(orient="right"))
    x = alt.X("month:O", sort=list(MONTHS), title=None, axis=alt.Axis(labelAngle=0),
              scale=alt.Scale(domain=list(MONTHS)))
    y = alt.Y("offences:Q", title="Serious violence offences (month recorded)")
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_line().encode(x, y, colour),
        base.mark_point(filled=True, size=60, opacity=1).encode(
            x, y, colour, alt.Shape("year:N", sort=years, legend=None, scale=alt.Scale(
                domain=years, range=(shapes * 4)[: len(years)]))),
    ).properties(width=560, height=240)
    parts = []
    for year in years:
        months = data[data["year"] == year].reset_index(drop=True)
        peak = months.loc[months["offences"].idxmax()]
        span = "" if len(months) == 12 else (
            f" ({len(months)} month{'s' if len(months) != 1 else ''} only, "
            f"{months['month'].iloc[0]} to {months['month'].iloc[-1]})")
        parts.append(f"{year}{span}: {fmt_num(months['offences'].sum())}, highest "
                     f"{peak['month']} ({fmt_num(peak['offences'])})")
    return _figure(chart, "Serious violence offences by calendar month, one line per year: "
                          + "; ".join(parts) + ".")


OUTCOME_LINES = (("outcome_22", "Outcome 22 (diversion)", ORANGE, "circle"),
                 ("other_out_of_court", "Other out-of-court", BLUE, "square"),
                 ("charge_summons", "Charge or summons", GREEN, "triangle-up"))


def outcome22_figure(monthly: pd.DataFrame, latest_12_start: str | None
                     ) -> dict[str, Any] | None:
    if monthly.empty:
        return None
    frame = monthly.sort_values("month").reset_index(drop=True)
    data = pd.concat([
        pd.DataFrame({"date": frame["month"] + "-01", "crimes": frame[column].astype(float),
                      "outcome": label})
        for column, label, _, _ in OUTCOME_LINES], ignore_index=True)
    labels = [label for _, label, _, _ in OUTCOME_LINES]
    colour = alt.Color("outcome:N", title=None, sort=labels, scale=alt.Scale(
        domain=labels, range=[c for _, _, c, _ in OUTCOME_LINES]),
        legend=alt.Legend(orient="bottom"))
    shape = alt.Shape("outcome:N", title=None, sort=labels, scale=alt.Scale(
        domain=labels, range=[s for _, _, _, s in OUTCOME_LINES]),
        legend=alt.Legend(orient="bottom"))
    y = alt.Y("crimes:Q", title="Serious violence crimes")
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_line().encode(_month_axis("Month recorded"), y, colour),
        base.mark_point(filled=True, size=45, opacity=1).encode(
            _month_axis("Month recorded"), y, colour, shape),
    ).properties(width=640, height=220)
    recent = frame[frame["month"] >= latest_12_start] if latest_12_start else frame.tail(12)
    finalised = recent["finalised"].sum()
    parts = []
    for column, label, _, _ in OUTCOME_LINES:
        n = recent[column].sum()
        parts.append(f"{label.lower()} {fmt_num(n)} "
                     f"({fmt_pct(100 * n / finalised if finalised else None)})")
    last = frame.iloc[-1]
    open_share = (100 * (last["crimes"] - last["finalised"]) / last["crimes"]
                  if last["crimes"] else None)
    return _figure(chart, f"Outcomes of serious violence crimes by month recorded, "
                          f"{_months_span(frame)}. Crimes of the latest 12 months with an "
                          f"outcome: " + "; ".join(parts) + " of those with an outcome. Of "
                          f"crimes recorded in {month_label(last['month'])}, "
                          f"{fmt_pct(open_share)} have no outcome yet, so the latest months "
                          "are low.")


def disproportionality_figure(measures: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Dot and whisker of each group's RRI on a log scale, with the line of no difference at 1.
    Reliable rows: filled dots, solid whiskers; unreliable ones hollow and dashed. Suppressed
    rows and the reference group are not drawn, nor an RRI of 0 (no place on a log scale)."""
    rows = []
    for m in measures:
        if m["reference_suppressed"]:
            continue
        for r in m["rows"]:
            if r["reference"] or r["suppressed"] or _missing(r["rri"]) or r["rri"] <= 0:
                continue
            lower, upper = r["rri_lower"], r["rri_upper"]
            rows.append({"measure": m["measure"], "group": r["ethnic_group"],
                         "rri": float(r["rri"]),
                         "lower": None if _missing(lower) or lower <= 0 else float(lower),
                         "upper": None if _missing(upper) else float(upper),
                         "reliability": RELIABLE if r["reliable"] else UNRELIABLE})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    measures_drawn = list(dict.fromkeys(data["measure"]))
    groups = [g for g in ETHNIC_ORDER if g in set(data["group"])]
    groups += sorted(set(data["group"]) - set(groups))
    values = pd.concat([data["rri"], data["lower"].dropna(), data["upper"].dropna()])
    domain = [min(values.min(), 1.0) / 1.25, max(values.max(), 1.0) * 1.25]
    x = alt.X("rri:Q", title="Relative rate index against White (log scale; 1 = same rate)",
              scale=alt.Scale(type="log", domain=domain, nice=False))
    y = alt.Y("group:N", sort=groups, title=None)
    reliability = [RELIABLE, UNRELIABLE]
    legend = alt.Legend(orient="bottom", symbolStrokeWidth=2, symbolSize=90)
    stroke = alt.Stroke("reliability:N", title=None, legend=legend,
                        scale=alt.Scale(domain=reliability, range=[BLUE, GREY]))
    fill = alt.Fill("reliability:N", title=None, legend=legend,
                    scale=alt.Scale(domain=reliability, range=[BLUE, "white"]))
    dash = alt.StrokeDash("reliability:N", title=None, legend=legend,
                          scale=alt.Scale(domain=reliability, range=[[1, 0], [4, 3]]))
    base = alt.Chart()
    chart = alt.layer(
        base.mark_rule(color=BLACK, strokeDash=[3, 3]).encode(x=alt.datum(1.0)),
        base.mark_rule(strokeWidth=2).encode(alt.X("lower:Q"), alt.X2("upper:Q"), y, stroke,
                                             dash),
        base.mark_point(size=75, opacity=1, strokeWidth=2, shape="circle").encode(
            x, y, stroke, fill, dash),
        data=data,
    ).properties(width=520, height=alt.Step(24)).facet(
        row=alt.Row("measure:N", sort=measures_drawn, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start",
                                      labelOrient="top", labelFontWeight="bold")),
    ).resolve_scale(y="independent")
    parts = []
    for measure in measures_drawn:
        items = []
        for r in data[data["measure"] == measure].itertuples():
            item = f"{r.group} {fmt_num(r.rri, 2)}"
            if not _missing(r.lower) and not _missing(r.upper):
                item += f" ({fmt_ci(r.lower, r.upper, 2, ' to ')})"
            if r.reliability == UNRELIABLE:
                item += ", unreliable"
            items.append(item)
        parts.append(f"{measure}: " + ", ".join(items))
    text = ("Relative rate index of each ethnic group against White with 95% intervals, on a "
            "log scale with a dashed line at 1 (the same rate as White). " + "; ".join(parts)
            + ". Unreliable indexes (fewer than ten events in a group) are drawn hollow with "
              "dashed whiskers.")
    hidden = sum(1 for m in measures for r in m["rows"]
                 if not r["reference"] and (r["suppressed"] or m["reference_suppressed"]))
    if hidden:
        text += (f" {hidden} suppressed {'index is' if hidden == 1 else 'indexes are'} "
                 "not drawn.")
    return _figure(chart, text)


def recording_figure(area: pd.DataFrame, threshold_pct: float) -> dict[str, Any] | None:
    """% recorded each month per field, victims and suspects side by side, with the
    threshold. Suppressed months (their % is blank) are not drawn."""
    data = area.dropna(subset=["recorded_pct"])
    if data.empty:
        return None
    data = _with_dates(data)[["date", "month", "role", "field", "recorded_pct"]].assign(
        recorded_pct=lambda f: f["recorded_pct"].astype(float),
        role=lambda f: f["role"].map({"victim": "Victims", "suspect": "Suspects"}).fillna(
            f["role"]),
        threshold=threshold_pct)
    fields = [f for f in FIELDS if f in set(data["field"])]
    roles = [r for r in ("Victims", "Suspects") if r in set(data["role"])]
    low = min(float(data["recorded_pct"].min()), threshold_pct)
    scale = alt.Scale(domain=[max(0.0, float(math.floor(low - 3))), 100], nice=False)
    y = alt.Y("recorded_pct:Q", title="Recorded (%), axis not from 0", scale=scale)
    colour = alt.Color("field:N", title=None, sort=fields, scale=alt.Scale(
        domain=fields, range=[BLUE, ORANGE, GREEN][: len(fields)]),
        legend=alt.Legend(orient="bottom"))
    shape = alt.Shape("field:N", title=None, sort=fields, scale=alt.Scale(
        domain=fields, range=["circle", "square", "triangle-up"][: len(fields)]),
        legend=alt.Legend(orient="bottom"))
    x = _month_axis()
    base = alt.Chart()
    chart = alt.layer(
        base.mark_rule(color=VERMILLION, strokeDash=[6, 4], strokeWidth=1.5).encode(
            alt.Y("threshold:Q", scale=scale)),
        base.mark_line().encode(x, y, colour),
        base.mark_point(filled=True, size=35, opacity=1).encode(x, y, colour, shape),
        data=data,
    ).properties(width=300, height=220).facet(
        column=alt.Column("role:N", sort=roles, title=None,
                          header=alt.Header(labelFontWeight="bold", labelFontSize=12)))
    latest = data[data["month"] == data["month"].max()]
    latest = latest.assign(_r=latest["role"].map(roles.index),
                           _f=latest["field"].map(fields.index)).sort_values(["_r", "_f"])
    parts = [f"{r.role.lower()}' {r.field.lower()} {fmt_pct(r.recorded_pct)}"
             for r in latest.itertuples()]
    return _figure(chart, f"Share of victims and suspects with their ethnicity, sex and age "
                          f"recorded, each month, {_months_span(data.sort_values('month'))}, "
                          f"against the {fmt_num(threshold_pct)}% threshold (dashed line; the "
                          f"axis does not start at zero). {month_label(data['month'].max())}: "
                          + "; ".join(parts) + ".")


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
    frame = _shown(frame)
    if frame.empty:
        return []
    by_geography: dict[Any, list[dict[str, Any]]] = {}
    # one conversion for the whole frame: an area may have hundreds of districts
    for record in _records(frame.sort_values("geography_order", kind="stable")):
        by_geography.setdefault(record["geography_order"], []).append(record)
    return [{"name": rows[0]["geography_name"], "level": rows[0]["geography_level"],
             "rows": rows} for rows in by_geography.values()]


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


def _stop_search(frame: pd.DataFrame, safe: pd.DataFrame, threshold: int
                 ) -> list[dict[str, Any]]:
    """Suppressed tables per geography and dimension. Suppressed cells are listed after the
    shown ones, alphabetically, so their order gives nothing away either."""
    if frame.empty:
        return []
    present = set(safe["dimension"])
    dims = [d for d in SEARCH_DIMENSIONS if d in present] + sorted(present - set(SEARCH_DIMENSIONS))
    geographies = []
    for _, geo in _shown(safe).groupby("geography_order", sort=True):
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


# --- the force crime extract: context ------------------------------------------------------

def _pct(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def _and(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _settings(frames: dict[str, pd.DataFrame]) -> dict[str, float]:
    settings = frames["settings"]
    return dict(zip(settings["key"], settings["value"], strict=True)) if "key" in settings else {}


def _definition(frames: dict[str, pd.DataFrame], config: Config) -> dict[str, Any]:
    """The serious violence definition the tables were built with (cfg.*, as the models read
    it), in words; the run's config only where the warehouse does not hold it."""
    sv, settings = config.serious_violence, _settings(frames)
    if "group" in frames["sv_groups"]:
        groups = list(frames["sv_groups"]["group"])
    else:
        groups = list(dict.fromkeys(sv.groups + (["sexual_offences"] if sv.sexual_offences
                                                 else [])))
    flagged = bool(settings.get("sv_knife_or_firearm_flagged", sv.knife_or_firearm_flagged))
    domestic = bool(settings.get("sv_domestic_abuse", sv.domestic_abuse))
    youth_under = int(settings.get("youth_under", config.people.youth_under))
    codes = frames["sv_codes"]
    if "code" in codes:
        include = [c for c, keep in zip(codes["code"], codes["include"], strict=True) if keep]
        exclude = [c for c, keep in zip(codes["code"], codes["include"], strict=True)
                   if not keep]
    else:
        include, exclude = list(sv.include_codes), list(sv.exclude_codes)
    offence_codes = frames["offence_codes"]
    described = ({r["code"]: r["description"] for r in _records(offence_codes)}
                 if "code" in offence_codes else {})

    def named(code: str) -> str:
        return f"{code} ({described[code]})" if described.get(code) else code

    sexual = "sexual_offences" in groups
    sentences = [
        ("Serious violence counts every offence recorded under a Home Office offence code of "
         "these groups: " + _and([GROUP_NAMES.get(g, g.replace("_", " ")) for g in groups])
         + ".") if groups else
        "Serious violence counts no offence group as a whole, only the codes named below.",
        ("Any other offence flagged as involving a knife or sharp instrument, or a firearm, is "
         "added." if flagged else
         "Offences outside these groups are not added for involving a knife or a firearm."),
        ("Offences flagged as domestic abuse are included." if domestic else
         "Offences flagged as domestic abuse are left out, whatever the offence."),
        "Sexual offences are included." if sexual else "Sexual offences are not included.",
    ]
    if include:
        sentences.append("Codes added one by one: " + _and([named(c) for c in include]) + ".")
    if exclude:
        sentences.append("Codes left out one by one: " + _and([named(c) for c in exclude])
                         + ".")
    if not include and not exclude:
        sentences.append("No offence code is added or left out one by one.")
    default = type(sv)()
    differences = []
    if list(dict.fromkeys(groups)) != list(default.groups):
        added = [g for g in groups if g not in default.groups]
        dropped = [g for g in default.groups if g not in groups]
        differences += [f"{GROUP_NAMES.get(g, g)} added" for g in added]
        differences += [f"{GROUP_NAMES.get(g, g)} left out" for g in dropped]
    if flagged != default.knife_or_firearm_flagged:
        differences.append("knife- or firearm-flagged offences not added")
    if domestic != default.domestic_abuse:
        differences.append("domestic abuse left out")
    if include or exclude:
        differences.append("codes added or left out one by one")
    sentences.append("This is svna's default definition, which follows the Serious Violence Duty "
                     "guidance." if not differences else
                     "This differs from svna's default definition (which follows the Serious "
                     "Violence Duty guidance): " + "; ".join(differences) + ".")
    codes_counted = []
    if "serious_violence" in offence_codes:
        counted = offence_codes["serious_violence"].fillna(False).astype(bool)
        if "excluded" in offence_codes:  # an explicit exclusion wins over the group
            counted &= ~offence_codes["excluded"].fillna(False).astype(bool)
        rows = offence_codes[counted]
        rank = {g: i for i, g in enumerate(groups)}
        rows = rows.assign(_g=rows["offence_group"].map(rank).fillna(len(rank)),
                           _c=rows["code"].map(_code_key))
        codes_counted = [
            dict(r, group_name=GROUP_NAMES.get(r["offence_group"], r["offence_group"]))
            for r in _records(rows.sort_values(["_g", "_c"]).drop(columns=["_g", "_c"]))]
    return {"sentences": sentences, "codes": codes_counted, "youth_under": youth_under,
            "flagged": flagged, "domestic": domestic, "sexual": sexual}


def _code_key(code: str) -> tuple:
    """Home Office codes in their natural order: 4.1 before 4.10, 8N after 8."""
    parts = re.findall(r"\d+|\D+", str(code))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _measure_order(present: set[str]) -> list[str]:
    youth = sorted(m for m in present if m.startswith(YOUTH_MEASURE_PREFIX))
    order = [FORCE_SV, KNIFE, HOMICIDE, *youth]
    return [m for m in order if m in present] + sorted(present - set(order))


def _headline(rates: pd.DataFrame) -> list[dict[str, Any]]:
    if rates.empty:
        return []
    return [{"measure": m, "headline": m == KNIFE,
             "rows": [dict(r, small=not _missing(r["offences"])
                           and r["offences"] < MIN_RELIABLE_COUNT)
                      for r in _records(_where(rates, measure=m, sort=["geography_order"]))]}
            for m in _measure_order(set(rates["measure"]))]


def _spc(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    present = list(dict.fromkeys(frame["series"]))
    order = [s for s in SPC_SERIES if s in present] + [s for s in present if s not in SPC_SERIES]
    charts = []
    for series in order:
        rows = frame[frame["series"] == series].sort_values("month", kind="stable")
        summary = xmr_summary(rows.set_index("month"))
        charts.append({"series": series, "sentence": _months_in_words(summary["sentence"]),
                       "variation": summary["variation"], "figure": spc_figure(rows, series)})
    return charts


def _age_labels(frames: dict[str, pd.DataFrame]) -> list[str]:
    bands = frames["age_bands"]
    return list(bands.sort_values("lower_age")["label"]) if "label" in bands else []


def _cells(frame: pd.DataFrame, count: str, *keys: str) -> dict[tuple, dict[str, Any]]:
    """The rows of a suppressed table by their key columns, each marked `suppressed`."""
    return {tuple(r[k] for k in keys): dict(r, suppressed=r.get(f"{count}_suppressed") == "yes")
            for r in _records(frame)}


def _youth(safe: pd.DataFrame, age_labels: list[str]) -> list[dict[str, Any]]:
    if safe.empty:
        return []
    present = list(dict.fromkeys(safe["age_band"]))
    bands = [b for b in age_labels if b in present]
    bands += [b for b in present if b not in bands and b != "Age not recorded"]
    bands += ["Age not recorded"] if "Age not recorded" in present else []
    groups = []
    for _, geo in _shown(safe).groupby("geography_order", sort=True):
        cells = _cells(geo, "people", "age_band", "role")
        rows = []
        for band in bands:
            victim, suspect = cells.get((band, "victim")), cells.get((band, "suspect"))
            population = next((c["population"] for c in (victim, suspect)
                               if c and not _missing(c["population"])), None)
            rows.append({"band": band, "victim": victim, "suspect": suspect,
                         "population": population})
        groups.append({"name": geo["geography_name"].iloc[0],
                       "level": geo["geography_level"].iloc[0], "rows": rows})
    return groups


def _repeats(safe: pd.DataFrame) -> dict[str, Any] | None:
    if safe.empty:
        return None
    roles: dict[str, dict[str, Any]] = {}
    for (role, measure), cell in _cells(safe, "people", "role", "measure").items():
        key = ("people" if measure == "People" else
               "repeat" if measure.startswith("More than once") else
               "both" if measure.startswith("Also") else measure)
        roles.setdefault(role, {})[key] = cell
    rows = []
    for key, label in (("people", "People"), ("repeat", "More than once in 12 months"),
                       ("both", "Also in the other role")):
        rows.append({"label": label, "victim": roles.get("victim", {}).get(key),
                     "suspect": roles.get("suspect", {}).get(key)})
    return {"roles": roles, "rows": rows}


def _outcome_label(category: str, seeds: pd.DataFrame) -> str:
    label = OUTCOME_CATEGORIES.get(category, category.replace("_", " ").capitalize())
    if "category" in seeds and category not in ("not_yet", "unknown"):
        codes = sorted(seeds.loc[seeds["category"] == category, "code"], key=_code_key)
        if codes:
            label += f" (outcome{'s' if len(codes) > 1 else ''} {', '.join(codes)})"
    return label


def _force_outcomes(frame: pd.DataFrame, seeds: pd.DataFrame) -> dict[str, Any] | None:
    """Per geography: crimes, those with an outcome, and the shares of those charged, given
    outcome 22 or another out-of-court outcome; and the area's full list of categories."""
    if frame.empty:
        return None
    comparison, categories = [], []
    for group in _geography_groups(frame):
        crimes = {r["outcome_category"]: int(r["crimes"] or 0) for r in group["rows"]}
        total = sum(crimes.values())
        finalised = total - crimes.get("not_yet", 0)
        charge, diversion = crimes.get("charge_summons", 0), crimes.get("diversion", 0)
        other = sum(crimes.get(c, 0) for c in OTHER_OUT_OF_COURT)
        rest = finalised - charge - diversion - other
        comparison.append({
            "name": group["name"], "level": group["level"], "crimes": total,
            "finalised": finalised, "open_pct": _pct(crimes.get("not_yet", 0), total),
            "cells": [(n, _pct(n, finalised)) for n in (charge, diversion, other, rest)],
        })
        if group["level"] == "area":
            order = list(OUTCOME_CATEGORIES)
            rows = sorted(group["rows"], key=lambda r: (
                order.index(r["outcome_category"]) if r["outcome_category"] in order
                else len(order), r["outcome_category"]))
            categories = [dict(r, label=_outcome_label(r["outcome_category"], seeds),
                               share_of_finalised_pct=None if r["outcome_category"] == "not_yet"
                               else r["share_of_finalised_pct"]) for r in rows]
    return {"comparison": comparison, "categories": categories}


def _suspect_outcomes(safe: pd.DataFrame, age_labels: list[str]
                      ) -> list[dict[str, Any]]:
    if safe.empty:
        return []
    dimensions = []
    for dimension in ("Age band", "Sex", "Ethnic group"):
        rows = safe[safe["dimension"] == dimension]
        if rows.empty:
            continue
        present = list(dict.fromkeys(rows["value"]))
        first = {"Age band": age_labels, "Sex": ["Female", "Male"],
                 "Ethnic group": list(ETHNIC_ORDER)}[dimension]
        values = [v for v in first if v in present]
        values += sorted(v for v in present if v not in values and v not in TRAILING_VALUES)
        values += [v for v in TRAILING_VALUES if v in present]
        cells = _cells(rows, "suspects", "value", "outcome_group")
        zero = {"suspects": 0, "share_pct": 0.0, "suppressed": False}  # no row: none
        table = [{"value": value, "cells": [cells.get((value, outcome), zero)
                                            for outcome in SUSPECT_OUTCOME_GROUPS]}
                 for value in values]
        dimensions.append({"name": dimension, "rows": table})
    return dimensions


def _disproportionality(safe: pd.DataFrame) -> list[dict[str, Any]]:
    """Per measure, White (the reference) first. A reference group whose count is suppressed
    takes every index of its measure with it: rate / RRI would give its rate back."""
    if safe.empty:
        return []
    present = list(dict.fromkeys(safe["measure"]))
    order = [m for m in DISPROPORTIONALITY_MEASURES if m in present]
    order += [m for m in present if m not in order]
    measures = []
    for measure in order:
        rows = safe[safe["measure"] == measure]
        rank = {g: i for i, g in enumerate(ETHNIC_ORDER)}
        rows = rows.assign(_r=rows["ethnic_group"].map(rank).fillna(len(rank))).sort_values(
            ["_r", "ethnic_group"]).drop(columns="_r")
        records = []
        for r in _records(rows):
            suppressed = r.get("events_suppressed") == "yes"
            per_suspect = str(r["rate_unit"]).startswith("%")
            records.append(dict(
                r, suppressed=suppressed, reference=r["ethnic_group"] == REFERENCE_GROUP,
                reliable=None if suppressed else bool(r["reliable"]),
                denominator_suppressed=r.get("denominator_suppressed") == "yes",
                per_suspect=per_suspect))
        reference_suppressed = any(r["reference"] and r["suppressed"] for r in records)
        unit = records[0]["rate_unit"] if records else ""
        measures.append({
            "measure": measure, "rows": records, "reference_suppressed": reference_suppressed,
            "rate_unit": unit, "events_label": EVENT_LABELS.get(measure, "Events"),
            "denominator_label": ("Suspects with a final outcome" if str(unit).startswith("%")
                                  else "Residents (Census 2021)"),
            "unreliable": any(r["reliable"] is False and not r["reference"] for r in records),
            "missing_groups": [g for g in ETHNIC_ORDER
                               if g not in {r["ethnic_group"] for r in records}],
        })
    return measures


def _pooled(rows: pd.DataFrame, months: list[str]) -> float | None:
    """% recorded over some months, or None when a month is missing or suppressed."""
    window = rows[rows["month"].isin(months)]
    if len(months) == 0 or len(window) < len(months) or window["recorded"].isna().any():
        return None
    people = float(window["people"].sum())
    return 100 * float(window["recorded"].sum()) / people if people else None


def _recording(safe: pd.DataFrame, completeness: float) -> dict[str, Any] | None:
    area = _where(safe, geography_level="area", sort=["month"])
    if area.empty:
        return None
    threshold_pct = 100 * completeness
    months = sorted(set(area["month"]))
    last3 = months[-3:]
    last6 = months[-6:] if len(months) >= 6 else []
    previous6 = months[-12:-6] if len(months) >= 12 else []
    below, trends = [], []
    for role in ("victim", "suspect"):
        for field in FIELDS:
            rows = area[(area["role"] == role) & (area["field"] == field)]
            if rows.empty:
                continue
            name = f"{ROLE_POSSESSIVE[role]} {field.lower()}"
            recent = rows[rows["month"].isin(last3) & rows["recorded_pct"].notna()]
            short = recent[recent["recorded_pct"] < threshold_pct]
            if not short.empty:
                below.append({"name": name, "months": len(short), "of": len(last3),
                              "values": [(r["month"], r["recorded_pct"])
                                         for _, r in short.iterrows()]})
            latest, before = _pooled(rows, last6), _pooled(rows, previous6)
            change = None if latest is None or before is None else latest - before
            verdict = (MISSING if change is None else "improving" if change >= TREND_POINTS
                       else "worsening" if change <= -TREND_POINTS else "little changed")
            trends.append({"role": role, "field": field, "name": name, "previous": before,
                           "latest": latest, "change": change, "verdict": verdict,
                           "below": not short.empty})
    cells = {(r["month"], r["role"], r["field"]): r for r in _records(area)}
    columns = [(r, f) for r in ("victim", "suspect") for f in FIELDS
               if any(key[1:] == (r, f) for key in cells)]
    return {
        "threshold_pct": threshold_pct, "last3": last3, "last6": last6, "previous6": previous6,
        "below": below, "trends": trends,
        "figure": recording_figure(area, threshold_pct),
        "columns": [f"{ROLE_POSSESSIVE[r].capitalize()} {f.lower()}" for r, f in columns],
        "rows": [{"month": m, "cells": [
            None if (m, *c) not in cells else
            {"pct": cells[(m, *c)]["recorded_pct"],
             "suppressed": cells[(m, *c)]["people_suppressed"] == "yes"}
            for c in columns]} for m in months],
    }


def _time(profile: pd.DataFrame) -> dict[str, Any] | None:
    if profile.empty:
        return None
    grid = heatmap_grid(profile)
    seasonal = _where(profile, profile="month_by_year", sort=["period_a", "period_b"])
    years = sorted({int(y) for y in seasonal["period_a"]}) if not seasonal.empty else []
    counts = {(int(r.period_a), int(r.period_b)): r.offences for r in seasonal.itertuples()}
    return {
        "heatmap": heatmap_figure(grid),
        "seasonality": seasonality_figure(profile),
        "hours": list(range(24)),
        "days": [{"day": day, "values": list(grid.loc[grid["day_number"] == i + 1, "offences"])}
                 for i, day in enumerate(DAYS)] if int(grid["offences"].sum()) else [],
        "years": years,
        "months": [{"month": name, "values": [counts.get((y, i + 1)) for y in years]}
                   for i, name in enumerate(MONTHS)] if years else [],
    }


def _force_summary(period: dict[str, Any] | None, headline: list[dict[str, Any]],
                   spc: list[dict[str, Any]]) -> list[str]:
    area = {g["measure"]: next((r for r in g["rows"] if r["geography_level"] == "area"), None)
            for g in headline}
    knife, homicide = area.get(KNIFE), area.get(HOMICIDE)
    if not period or not knife:
        return []
    text = (f"The force's own crime records hold {fmt_num(knife['offences'])} knife or sharp "
            f"instrument serious violence offences (the Home Office headline measure) in "
            f"{month_label(period['latest_12_start'])} to {month_label(period['latest_month'])}"
            f", {fmt_num(knife['rate_per_100k'], 1)} per 100,000 residents (95% CI "
            f"{fmt_ci(knife['ci_lower'], knife['ci_upper'], 1, ' to ')})")
    if homicide:
        count = homicide["offences"]
        text += f", and {fmt_num(count)} homicide{'' if count == 1 else 's'}"
    sentences = [text + "."]
    knife_spc = next((c for c in spc if c["series"].startswith(KNIFE)), None)
    if knife_spc and knife_spc["sentence"]:
        sentences.append(f"Knife or sharp instrument serious violence, month by month: "
                         f"{knife_spc['sentence'][0].lower()}{knife_spc['sentence'][1:]}")
    return sentences


def _force(frames: dict[str, pd.DataFrame], safe: dict[str, pd.DataFrame], config: Config
           ) -> dict[str, Any] | None:
    """Everything sections 9-16 show (person-level tables from `safe`, as published); None
    when the force extract holds no data."""
    monthly = frames["force_monthly"]
    if monthly.empty:
        return None
    settings = _settings(frames)
    completeness = float(settings.get("completeness_threshold",
                                      config.people.completeness_threshold))
    period = _one_row(frames["force_reporting_period"])
    age_labels = _age_labels(frames)
    definition = _definition(frames, config)
    headline = _headline(_shown(frames["force_rates"]))
    spc = _spc(frames["spc"])
    youth_measure = next((m for m in _measure_order(set(monthly["measure"]))
                          if m.startswith(YOUTH_MEASURE_PREFIX)), None)
    youth = _youth(safe["youth_violence"], age_labels)
    disproportionality = _disproportionality(safe["disproportionality"])
    outcome22 = frames["outcome22_monthly"]
    quality = _records(_where(frames["force_data_quality"], sort=["check_order"]))
    return {
        "period": period,
        "definition": definition,
        "headline": headline,
        "headline_figure": headline_trend_figure(monthly),
        "summary": _force_summary(period, headline, spc),
        "spc": spc,
        "youth": youth,
        "youth_measure": youth_measure,
        "youth_rates_figure": youth_rates_figure(_area(youth)),
        "youth_trend_figure": single_trend_figure(
            _where(monthly, geography_level="area", measure=youth_measure, sort=["month"]),
            youth_measure or "", VERMILLION) if youth_measure else None,
        "time": _time(frames["time_profile"]),
        "repeats": _repeats(safe["repeat_people"]),
        "no_person_id": next((r["value"] for r in quality
                              if str(r["measure"]).startswith("Victims and suspects with no "
                                                              "person id")), None),
        "outcomes": _force_outcomes(frames["outcomes_force"], frames["ho_outcome_codes"]),
        "outcome22_figure": outcome22_figure(
            outcome22, period["latest_12_start"] if period else None),
        "suspect_outcomes": _suspect_outcomes(safe["suspect_outcomes"], age_labels),
        "disproportionality": disproportionality,
        "disproportionality_figure": disproportionality_figure(disproportionality),
        "recording": _recording(safe["recording_completeness"], completeness),
        "quality": quality,
    }


def intervention_figure(series: pd.DataFrame, name: str, start: str) -> dict[str, Any] | None:
    """The covered and the comparison LSOAs' monthly events per 1,000 residents, with the
    start marked; suppressed months are gaps."""
    data = series.dropna(subset=["events"]).copy()
    data = data[data["population"].notna() & (data["population"] > 0)]
    if data.empty:
        return None
    data["rate"] = 1000.0 * data["events"].astype(float) / data["population"].astype(float)
    data["group"] = data["role"].map({"treated": "Covered LSOAs",
                                      "comparison": "Comparison LSOAs"})
    groups = ["Covered LSOAs", "Comparison LSOAs"]
    lines = alt.Chart(_with_dates(data)).mark_line(point=alt.OverlayMarkDef(size=14)).encode(
        x=_month_axis(),
        y=alt.Y("rate:Q", title="Per 1,000 residents a month"),
        color=alt.Color("group:N", title=None, sort=groups,
                        scale=alt.Scale(domain=groups, range=[VERMILLION, BLUE]),
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("group:N", sort=groups, legend=None),
    )
    rule = alt.Chart(pd.DataFrame({"date": [f"{start}-01"]})).mark_rule(
        strokeDash=[4, 3], color=BLACK).encode(x=alt.X("date:T", scale=alt.Scale(type="utc")))
    chart = (lines + rule).properties(width=700, height=240)
    means = data.groupby(["group", "period"])["rate"].mean()
    parts = [f"{g.lower()}: {fmt_num(means.get((g, 'pre')), 2)} a month before the start and "
             f"{fmt_num(means.get((g, 'post')), 2)} after" for g in groups
             if (g, "pre") in means and (g, "post") in means]
    return _figure(chart, f"{name}: events per 1,000 residents each month in the covered and "
                          f"the comparison LSOAs; the dashed line marks the start, "
                          f"{month_label(start)}. Mean rates, " + "; ".join(parts) + ".")


def _interventions(effects: pd.DataFrame, series: pd.DataFrame) -> list[dict[str, Any]]:
    """`effects` holds its own suppression (evaluation.py); `series` is as published."""
    out = []
    for name, rows in (effects.groupby("intervention", sort=False) if not effects.empty
                       else []):
        first = rows.iloc[0]
        out.append({"name": name, "measure": MEASURE_LABELS.get(first["measure"],
                                                                first["measure"]),
                    "start": first["start_month"], "end": first["end_month"],
                    "comparison": first["comparison"], "rows": _records(rows),
                    "figure": intervention_figure(_where(series, intervention=name), name,
                                                  first["start_month"])
                    if not series.empty else None})
    return out


def build_context(frames: dict[str, pd.DataFrame], config: Config,
                  safe: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Everything the template shows, already chosen and ordered; the template only lays out.
    `safe`: the person-level tables as published."""
    area_name, threshold = config.area.name, config.suppression.threshold
    period = _one_row(frames["reporting_period"])
    trend, rates, lsoas = frames["monthly_trend"], frames["rates"], frames["lsoa_concentration"]
    sv_trend = _where(trend, category=SV, sort=["geography_order", "month"])
    shown_trend = _shown(sv_trend)
    comparison = _comparison(frames["period_comparison"])
    concentration = _one_row(frames["concentration_summary"])
    deprivation, outcomes = frames["deprivation"], frames["outcomes"]
    stop_search = _stop_search(frames["stop_search"], safe["stop_search"], threshold)
    objects = next((d["rows"] for d in (_area(stop_search) or {"dimensions": []})["dimensions"]
                    if d["name"] == "Object of search"), [])
    all_crime = {r["geography_code"]: r["rate_per_1000"]
                 for r in _records(_where(rates, category="All crime"))}
    monthly = (shown_trend.pivot_table(index="month", columns="geography_order",
                                       values="incidents", aggfunc="sum")
               if not shown_trend.empty else pd.DataFrame())
    top_n = config.report.top_lsoas
    force = _force(frames, safe, config)
    summary = _summary(area_name, period, comparison, rates, concentration, deprivation)
    if force and period:
        summary += force["summary"]
    return {
        "area_name": area_name,
        "marking": config.report.protective_marking,
        "threshold": threshold,
        "period": period,
        "summary": summary,
        "force": force,
        "figures": {
            "trend": trend_figure(_where(sv_trend, geography_level="area"), area_name),
            "districts": district_trend_figure(_where(shown_trend, geography_level="district")),
            "types": types_figure(_where(trend, geography_level="area", category=SV_TYPES,
                                         sort=["month"])),
            "rates": rates_figure(_shown(_where(rates, category=SV))),
            "concentration": concentration_figure(lsoas, concentration),
            "deprivation": deprivation_figure(_where(deprivation, geography_level="area")),
            "outcomes": outcomes_figure(_where(outcomes, geography_level="area", category=SV)),
            "search_objects": search_object_figure(objects),
        },
        "map": area_map(lsoas, value="rate_per_1000",
                        value_label="serious violence per 1,000 residents", area_name=area_name,
                        boundaries=config.report.boundaries,
                        points=frames["street_points_12m"], top_n=min(top_n, 10)),
        "monthly": {
            "geographies": [g["name"] for g in _geography_groups(sv_trend)],
            "rows": [{"month": month, "values": list(values)}
                     for month, values in monthly.iterrows()],
        },
        "comparison": comparison,
        "comparison_ready": any(not _missing(r["previous_12"])
                                for r in (_area(comparison) or {"rows": []})["rows"]),
        "rates": [dict(r, all_crime_rate=all_crime.get(r["geography_code"]))
                  for r in _records(_shown(_where(rates, category=SV)))],
        "top_n": top_n,
        "top_lsoas": _records(_where(lsoas, sort=["rank"]).head(top_n)),
        "concentration": concentration,
        "deprivation": _geography_groups(_where(deprivation, sort=["geography_order",
                                                                   "imd_decile"])),
        "outcomes": _outcome_tables(outcomes),
        "stop_search": stop_search,
        "quality": _records(_where(frames["data_quality"], sort=["check_order"])),
        "interventions": _interventions(frames["intervention_effects"],
                                        safe["intervention_series"]),
        "since_last": _records(_where(safe["since_last"],
                                      sort=["headline_order", "measure"])),
    }
