"""The baseline HTML report, rendered from warehouses built by the real pipeline on the synthetic
demo data: 26 months with the force crime extract (every section filled), and 13 months of
police.uk data alone (no comparison yet, no force extract).

The assessment tables are copied into a small DuckDB file once per warehouse; tests that need
odd contents (markup in names, empty tables) change their own copy of it.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from svna import demo, pipeline, report, warehouse
from svna.config import Config
from svna.exports import published_table, suppress_for_publication

from conftest import build_warehouse

POLICE_UK_SECTIONS = [
    "Summary", "Since the last assessment", "Trends", "Latest 12 months against the previous 12",
    "Rates by district",
    "Where: concentration", "Deprivation", "Outcomes", "Stop and search",
]
FORCE_SECTIONS = [
    "Serious violence as the Home Office defines it",
    "Is it changing? (statistical process control)", "Serious youth violence", "When",
    "Repeat victims and suspects", "Outcome 22 and other outcomes", "Racial disproportionality",
    "Recording of protected characteristics",
]
FORCE_IDS = ["sv-definition", "spc", "youth", "when", "repeats", "outcome-22",
             "disproportionality", "recording"]
SECTIONS = [*POLICE_UK_SECTIONS, *FORCE_SECTIONS, "Evaluating interventions", "Data quality",
            "Methods and definitions"]
NO_FORCE_SECTIONS = [*POLICE_UK_SECTIONS, "Force crime extract", "Evaluating interventions",
                     "Data quality", "Methods and definitions"]
# Built from person-level records: shown only after suppression.
PERSON_LEVEL_SECTIONS = ("youth", "repeats", "outcome-22", "disproportionality", "recording")
DISTRICTS = [code for code, _ in demo.DEMO_DISTRICTS]
LEAKS = re.compile(r"\b(nan|NaN|None|NaT|undefined|Undefined)\b|<NA>|\{\{|\{%|%\}|\}\}")
CHANGED_DEFINITION = {"sexual_offences": True, "domestic_abuse": False}


def _report_db(con: duckdb.DuckDBPyConnection, out: Path) -> Path:
    """Only the tables the report reads, from a built warehouse, in a small file."""
    con.execute(f"ATTACH '{out}' AS rpt")
    for schema in ("assessment", *dict.fromkeys(s for s, _ in report.OTHER_TABLES)):
        con.execute(f"CREATE SCHEMA rpt.{schema}")
    tables = [("assessment", t) for t in report.ASSESSMENT_TABLES] + list(report.OTHER_TABLES)
    for schema, table in tables:
        con.execute(f"CREATE TABLE rpt.{schema}.{table} AS SELECT * FROM {schema}.{table}")
    con.execute("DETACH rpt")
    return out


@pytest.fixture(scope="module")
def demo26(tmp_path_factory) -> tuple[Path, Path]:
    """The demo's 26 months, police.uk and force extract, through the pipeline: the raw folder
    and the whole warehouse (kept, so that a test can assess it again with another config)."""
    tmp = tmp_path_factory.mktemp("demo26")
    demo.generate_demo_data(tmp / "raw", months=26)
    con = build_warehouse(tmp / "raw", tmp / "w.duckdb", DISTRICTS, name=demo.DEMO_AREA_NAME)
    _report_db(con, tmp / "report.duckdb")
    con.close()
    return tmp / "raw", tmp / "w.duckdb"


@pytest.fixture(scope="module")
def db26(demo26) -> Path:
    return demo26[1].parent / "report.duckdb"


@pytest.fixture(scope="module")
def db13(demo26, tmp_path_factory) -> Path:
    """The latest 13 months of the same police.uk archives with the reference files, and no
    force extract: a partnership that has police.uk data only."""
    tmp = tmp_path_factory.mktemp("demo13")
    raw26 = demo26[0]
    for month in sorted(p.name for p in (raw26 / "police_uk").iterdir())[-13:]:
        shutil.copytree(raw26 / "police_uk" / month, tmp / "raw" / "police_uk" / month)
    shutil.copytree(raw26 / "reference", tmp / "raw" / "reference")
    con = build_warehouse(tmp / "raw", tmp / "w.duckdb", DISTRICTS, name=demo.DEMO_AREA_NAME)
    out = _report_db(con, tmp / "report.duckdb")
    con.close()
    return out


def _config(threshold: int = 5, name: str = demo.DEMO_AREA_NAME, **settings) -> Config:
    return Config.model_validate({"area": {"name": name, "districts": DISTRICTS},
                                  "suppression": {"threshold": threshold}, **settings})


def _render(db: Path, out_dir: Path, config: Config | None = None, sql: str = "",
            validation_href: str | None = "validation/index.html") -> str:
    """Render from a private copy of `db`, after running `sql` on it."""
    copy = out_dir / "copy.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    if sql:
        con.execute(sql)
    path = report.render_baseline(con, out_dir / "baseline.html", config=config or _config(),
                                  run_id="run-1", generated_at="2026-01-15 09:00",
                                  validation_href=validation_href)
    con.close()
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page26(db26, tmp_path_factory) -> str:
    """The full report, with a suppression threshold high enough to bite in every table."""
    return _render(db26, tmp_path_factory.mktemp("page26"), _config(threshold=50))


EVIL = "<b>Riverford</b> & <script>alert(1)</script>"
EVIL_AREA = "Area <i>x</i>"
EVIL_SQL = "".join(
    f"UPDATE assessment.{t} SET geography_name = $${EVIL}$$ WHERE geography_name = 'Riverford';"
    for t in ("monthly_trend", "period_comparison", "rates", "deprivation", "outcomes",
              "stop_search", "force_monthly", "force_rates", "youth_violence", "outcomes_force",
              "recording_completeness")) + (
    f"UPDATE assessment.lsoa_concentration SET lsoa21_name = $${EVIL}$$ WHERE rank = 1;"
    f"UPDATE assessment.data_quality SET detail = $${EVIL}$$ WHERE check_order = 1;"
    f"UPDATE assessment.force_data_quality SET detail = $${EVIL}$$ WHERE check_order = 1;"
    f"UPDATE marts.offence_codes SET description = $${EVIL}$$ WHERE code = '1';")


@pytest.fixture(scope="module")
def changed(demo26, tmp_path_factory) -> tuple[Path, str]:
    """A second page, unlike the first in every way (one render, to keep the file quick): the
    warehouse assessed again with another serious violence definition (sexual offences in,
    domestic abuse out), markup in the names, and no suppression (threshold 1), so that the
    rows too small for a reliable index are on the page. Returns the copy and the page."""
    tmp = tmp_path_factory.mktemp("changed")
    copy = tmp / "changed.duckdb"  # not cfg.duckdb: a catalog named cfg hides the cfg schema
    shutil.copy(demo26[1], copy)
    config = _config(threshold=1, name=EVIL_AREA, serious_violence=CHANGED_DEFINITION)
    con = warehouse.connect(copy)
    pipeline.stage_assess(con, config)
    con.execute(EVIL_SQL)
    path = report.render_baseline(con, tmp / "baseline.html", config=config, run_id="run-2",
                                  generated_at="2026-01-15 09:00", validation_href=None)
    con.close()
    return copy, path.read_text(encoding="utf-8")


def _visible_text(page: str) -> str:
    without_svg = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", without_svg))


def _section(page: str, start: str, end: str | None = None) -> str:
    """From the heading `start` to the heading `end` (default: the next h2)."""
    begin = page.index(f'<h2 id="{start}">')
    following = page.find("<h2 id=", begin + 1)
    stop = page.index(f'<h2 id="{end}">') if end else (
        following if following > 0 else page.index("</main>"))
    return page[begin:stop]


def _assert_clean(page: str, sections: list[str] = SECTIONS) -> None:
    assert page.count("<h1") == 1
    headings = re.findall(r'<h2 id="[^"]+">(\d+)\. ([^<]+)</h2>', page)
    assert [(int(n), html.unescape(t)) for n, t in headings] == list(enumerate(sections, 1))
    assert not LEAKS.findall(_visible_text(page))
    assert not LEAKS.findall(" ".join(re.findall(r'aria-label="([^"]*)"', page)))


def _figures(page: str) -> list[tuple[str, str]]:
    """(the drawing's text alternative, the drawing and its caption) of each figure."""
    drawings = [re.match(r'\s*<div class="chart" role="img" aria-label="([^"]+)">(.*)', body,
                         flags=re.S)
                for body in re.findall(r"<figure>(.*?)</figure>", page, flags=re.S)]
    return [(html.unescape(d.group(1)), d.group(2).lstrip()) for d in drawings]


def test_sections_are_numbered_in_order_with_contents(page26):
    _assert_clean(page26)
    contents = page26[page26.index("<nav"):page26.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">', contents)
    assert len(links) == len(SECTIONS)
    positions = [page26.index(f'<h2 id="{anchor}">') for anchor in links]
    assert positions == sorted(positions)
    assert page26.count("<p class=\"marking\">OFFICIAL</p>") == 2


def test_force_sections_come_between_stop_and_search_and_interventions(page26):
    ids = re.findall(r'<h2 id="([^"]+)">', page26)
    assert ids[ids.index("stop-search") + 1:ids.index("interventions")] == FORCE_IDS
    # 9 police.uk sections (summary .. stop and search), then the force extract's from 10
    for number, (anchor, title) in enumerate(zip(FORCE_IDS, FORCE_SECTIONS, strict=True), 10):
        assert f'<h2 id="{anchor}">{number}. {html.escape(title, quote=False)}</h2>' in page26
    assert "force-extract" not in ids and "was not supplied" not in page26
    # the summary note and the methods point at the right sections after renumbering:
    # 9 + 8 force sections + interventions + data quality = 19, methods 20
    note = _visible_text(_section(page26, "summary"))
    assert "(see section 20)" in note and "Sections 10 to 17 use the force's own" in note


def test_page_is_self_contained(page26):
    assert not re.search(r"https?://", page26)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page26, re.I)
    assert not re.search(r"<script[^>]*\bsrc=", page26, re.I)
    assert "@import" not in page26 and not re.search(r"url\((?!#)", page26)  # only fragments
    # ids (the heatmap legend's gradient) are unique, and every url(#id) finds its own
    ids = re.findall(r'\bid="([^"]+)"', page26)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r"url\(#([^)]+)\)", page26)) <= set(ids)


def test_every_chart_is_an_inline_svg_with_a_text_alternative(page26):
    figures = re.findall(r"<figure\b([^>]*)>(.*?)</figure>", page26, flags=re.S)
    # police.uk: trend, districts, types, rates, concentration, IMD, outcomes, S&S; force
    # extract: headline trend, 3 XmR, youth rates, youth trend, heatmap, seasonality,
    # outcome 22, disproportionality, recording
    assert len(figures) == 8 + 11 + 1  # and the map (a grid of points: no boundaries here)
    for attributes, body in figures:
        assert "role" not in attributes  # a figure, whose caption screen readers read
        drawing = re.match(r'\s*<div class="chart" role="img" aria-label="([^"]+)">\s*<svg',
                           body)
        assert drawing, body[:200]
        label = drawing.group(1)
        assert len(label) > 40 and re.search(r"\d", label)  # states figures, not just a title
        assert "</svg>" in body and "<figcaption>" in body
    assert page26.count("<svg") == len(figures)
    captions = re.findall(r"<figcaption><strong>Figure (\d+):", page26)
    assert [int(n) for n in captions] == list(range(1, len(figures)))
    assert page26.count("<figcaption><strong>Map 1:") == 1


def test_tables_are_accessible(page26):
    tables = re.findall(r"<table\b.*?</table>", page26, flags=re.S)
    assert len(tables) > 30
    for table in tables:
        assert "<caption>" in table and 'scope="col"' in table and 'scope="row"' in table


def test_headline_figures_match_the_tables(db26, page26):
    con = duckdb.connect(str(db26), read_only=True)
    latest, previous = con.execute(
        "SELECT latest_12, previous_12 FROM assessment.period_comparison "
        "WHERE geography_level = 'area' AND category = 'Serious violence'").fetchone()
    knife, knife_rate = con.execute(
        "SELECT offences, rate_per_100k FROM assessment.force_rates WHERE geography_level = "
        "'area' AND measure = 'Knife or sharp instrument serious violence'").fetchone()
    con.close()
    summary = _visible_text(_section(page26, "summary", "trends"))
    assert latest > 1000 and f"{latest:,} serious violence crimes" in summary
    assert f"({previous:,})" in summary
    assert f"{knife:,} knife or sharp instrument serious violence offences" in summary
    assert f"{knife_rate:,.1f} per 100,000" in summary
    comparison = _section(page26, "comparison", "rates")
    assert f'<td class="num">{latest:,}</td><td class="num">{previous:,}</td>' in comparison
    headline = _section(page26, "sv-definition")
    assert (f'<td class="num">{knife:,}</td><td class="num">381,311</td>'
            f'<td class="num">{knife_rate:,.1f}</td>') in headline
    assert "Knife or sharp instrument serious violence: the Home Office headline measure" \
        in headline
    assert '<a href="validation/index.html">' in page26
    assert "Open Government Licence v3.0" in page26


def test_the_definition_is_stated_and_follows_the_config(page26, changed):
    default = _visible_text(_section(page26, "sv-definition"))
    assert ("homicide, attempted murder, threats to kill, wounding and grievous bodily harm "
            "(GBH), assault with injury, robbery and possession of weapons.") in default
    assert "Any other offence flagged as involving a knife or sharp instrument, or a " \
           "firearm, is added." in default
    assert "Offences flagged as domestic abuse are included." in default
    assert "Sexual offences are not included." in default
    assert "This is svna's default definition" in default
    assert "Rape" not in default  # the list of codes counted has no sexual offence

    copy, page = changed
    _assert_clean(page)
    words = _visible_text(_section(page, "sv-definition"))
    assert "robbery, possession of weapons and sexual offences." in words
    assert "Offences flagged as domestic abuse are left out, whatever the offence." in words
    assert "Sexual offences are included." in words
    assert "differs from svna's default definition" in words
    assert "sexual offences added; domestic abuse left out" in words
    assert "Rape" in words and "Sexual offences are not included." not in words
    # the methods say the same, and the numbers are those of the new definition
    assert "Sexual offences are included." in _visible_text(_section(page, "methods"))
    con = duckdb.connect(str(copy), read_only=True)
    offences = con.execute("SELECT offences FROM assessment.force_rates WHERE geography_level"
                           " = 'area' AND measure = 'Serious violence'").fetchone()[0]
    con.close()
    assert re.search(rf"{re.escape(EVIL_AREA)}\s+{offences:,}\s+381,311", words)


def _person_counts(section: str) -> list[str]:
    return re.findall(r'<(?:td|span) class="num count">([^<]*)</td>|<span class="count">'
                      r"([^<]*)</span>", section)


def test_no_person_level_count_below_the_threshold_is_shown(db26, page26):
    con = duckdb.connect(str(db26), read_only=True)
    small = {t: con.execute(f"SELECT count(*) FROM assessment.{t} WHERE {c} BETWEEN 1 AND 49"
                            ).fetchone()[0]
             for t, c in (("youth_violence", "people"), ("suspect_outcomes", "suspects"),
                          ("disproportionality", "events"))}
    con.close()
    assert all(small.values())  # the fixture does have small counts to hide
    shown, hidden, checked = 0, 0, 0
    for anchor in PERSON_LEVEL_SECTIONS:
        section = _section(page26, anchor)
        for cell in (a or b for a, b in _person_counts(section)):
            if cell == report.SUPPRESSED:
                hidden += 1
            elif cell not in ("0", report.MISSING):
                assert int(cell.replace(",", "")) >= 50, (anchor, cell)
                shown += 1
        # their charts: no count of people at all, so no small one (rates and shares only)
        for label, body in _figures(section):
            if not re.search(r"<figcaption><strong>Figure \d+: (Victims and suspects of serious "
                             r"violence per|Relative rate index|Ethnicity, sex and age)", body):
                continue  # a chart of offences, not people
            checked += 1
            bare = re.sub(r"per [\d,]+|\d+ months|\d+-\d+|\d+\+|[\d,]*\.\d+|[\d.,]+%|"
                          r"\b(19|20)\d\d\b|line at 1\b|\d+ suppressed index",
                          "", label)  # units, periods, ages, rates, years, how many not drawn
            assert all(int(n) >= 50 for n in re.findall(r"\d+", bare)), (anchor, label)
    assert hidden >= 20 and shown >= 50 and checked == 3
    # nor a suppressed group drawn, nor its reliability (which would say "fewer than 10")
    section = _section(page26, "disproportionality")
    label = _figures(section)[0][0]
    frame = report._read(duckdb.connect(str(db26), read_only=True), "assessment",
                         "disproportionality")
    safe = suppress_for_publication(frame, published_table("disproportionality"), 50)
    suppressed = safe[safe["events_suppressed"] == "yes"]
    assert not suppressed.empty
    parts = dict(part.split(": ", 1) for part in label.split(". ")[1].split("; "))
    for row in suppressed.itertuples():
        assert f"{row.ethnic_group} " not in parts.get(row.measure, "")
    rows = re.findall(r"<tr[^>]*><th scope=\"row\">([^<]*)</th>(.*?)</tr>", section, re.S)
    for _, cells in rows:
        if report.SUPPRESSED in cells:
            assert "Unreliable" not in cells and "Suppressed" in cells


def test_the_heatmap_and_the_spc_charts_are_inline_svg_with_labels(db26, page26):
    when = _section(page26, "when")
    (label, body), (season_label, _) = _figures(when)
    assert body.lstrip().startswith("<svg") and "<img" not in when
    assert "by day of the week and hour of the day" in label and "Busiest day" in label
    svg_text = re.findall(r"<text[^>]*>([^<]*)</text>", body)
    days = [t for t in svg_text if t.endswith("day")]
    assert days == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday"]
    assert "one line per year" in season_label
    con = duckdb.connect(str(db26), read_only=True)
    series = [s for (s,) in con.execute("SELECT DISTINCT series FROM assessment.spc").fetchall()]
    con.close()
    spc = _section(page26, "spc")
    charts = _figures(spc)
    assert len(charts) == len(series) == 3
    for label, body in charts:
        assert label.startswith("XmR chart of ") and "process limits" in label
        assert body.lstrip().startswith("<svg")
        legend = re.findall(r"<text[^>]*>([^<]*)</text>", body)
        assert {"Mean", "Process limits", "Two-sigma lines", "Common cause"} <= set(legend)
    assert any("Special cause: higher" in body for _, body in charts)
    # the plain sentence under each chart, months in words
    verdicts = re.findall(r'<p class="verdict">([^<]+)</p>', spc)
    assert len(verdicts) == 3 and not re.search(r"\d{4}-\d{2}", " ".join(verdicts))
    assert all("no special cause" in v or v.startswith("Special cause") for v in verdicts)


def test_unreliable_indexes_are_marked_and_drawn_hollow(changed):
    copy, page = changed
    con = duckdb.connect(str(copy), read_only=True)
    unreliable = con.execute("SELECT measure, ethnic_group, rri FROM assessment."
                             "disproportionality WHERE NOT reliable").fetchall()
    reliable = con.execute("SELECT count(*) FROM assessment.disproportionality "
                           "WHERE reliable").fetchone()[0]
    con.close()
    assert unreliable and reliable  # the fixture has both, and threshold 1 hides neither
    section = _section(page, "disproportionality")
    marked = re.findall(r'<tr class="unreliable"><th scope="row">([^<]*)</th>(.*?)</tr>',
                        section, flags=re.S)
    assert sorted(g for g, _ in marked) == sorted(g for _, g, _ in unreliable)
    assert all("<strong>Unreliable</strong>: fewer than 10 events" in row for _, row in marked)
    assert section.count("Unreliable</strong>") == len(unreliable)
    label = _figures(section)[0][0]
    drawn = dict(part.split(": ", 1) for part in label.split(". ")[1].split("; "))
    for measure, group, rri in unreliable:
        if group != "White" and rri:
            assert re.search(rf"{group} {rri:.2f} \([^)]*\), unreliable", drawn[measure])
    assert "drawn hollow with dashed whiskers" in label
    assert "What an RRI can and cannot say" in section
    assert "the officer perceived and recorded" in section and "Census 2021" in section


def test_recording_says_what_is_below_the_threshold_and_whether_it_improves(db26, page26):
    con = duckdb.connect(str(db26), read_only=True)
    short = con.execute(
        "SELECT DISTINCT role, field FROM assessment.recording_completeness WHERE geography_level"
        " = 'area' AND NOT meets_threshold AND month >= (SELECT strftime(CAST(latest_month || "
        "'-01' AS DATE) - INTERVAL 2 MONTH, '%Y-%m') FROM marts.force_reporting_period)"
    ).fetchall()
    con.close()
    assert short
    words = _visible_text(_section(page26, "recording"))
    assert "these fell below the 90% threshold" in words
    for role, field in short:
        name = f"{role}s' {field.lower()}"
        assert name in words
        assert re.search(rf"{name.capitalize()} is (improving|worsening|little changed): ", words)
    figure = _figures(_section(page26, "recording"))[0][0]
    assert "against the 90% threshold" in figure


def test_suppressed_counts_cannot_be_worked_out_by_subtraction(db26):
    con = duckdb.connect(str(db26), read_only=True)
    frame = report._read(con, "assessment", "stop_search")
    con.close()
    safe = suppress_for_publication(frame, published_table("stop_search"), 5)
    hidden = safe["searches_suppressed"] == "yes"
    assert hidden[(frame["searches"] > 0) & (frame["searches"] < 5)].all()
    assert safe.loc[hidden, ["searches", "share_pct"]].isna().all().all()
    per_table = hidden.groupby([safe["geography_code"], safe["dimension"]]).sum()
    assert hidden.any() and not (per_table == 1).any()
    for _, cells in safe.assign(hidden=hidden).groupby(["dimension", "value"]):
        area_shown = not cells.loc[cells["geography_level"] == "area", "hidden"].any()
        assert not (area_shown and cells.loc[cells["geography_level"] == "district",
                                             "hidden"].sum() == 1)


def test_no_stop_and_search_count_below_the_threshold_is_shown(db26, page26):
    con = duckdb.connect(str(db26), read_only=True)
    small = con.execute("SELECT count(*) FROM assessment.stop_search "
                        "WHERE searches < 50").fetchone()[0]
    con.close()
    assert small > 10  # the fixture does have small counts to hide
    section = _section(page26, "stop-search")
    cells = re.findall(r'<th scope="row">[^<]*</th><td class="num">([^<]*)</td>'
                       r'<td class="num">([^<]*)</td>', section)
    assert len(cells) > 50
    suppressed = [c for c in cells if c[0] == report.SUPPRESSED]
    assert len(suppressed) >= small
    for count, share in cells:
        if count == report.SUPPRESSED:
            assert share == report.SUPPRESSED
        else:
            assert int(count.replace(",", "")) >= 50
    for total in re.findall(r"\(([\d,]+) searches\)", section):
        assert int(total.replace(",", "")) >= 50
    # nor in the chart: neither its text alternative nor its drawing names a suppressed value
    figure = re.search(r"<figure.*?</figure>", section, flags=re.S).group(0)
    label = re.search(r'role="img" aria-label="([^"]+)"', figure).group(1)
    assert all(int(n.replace(",", "")) >= 50 for n in re.findall(r"\b[\d,]+(?= *[;.])", label))
    objects = section[section.index("<h3>Object of search</h3>"):section.index("<h3>Outcome")]
    object_rows = re.findall(r'<th scope="row">([^<]*)</th><td class="num">\[c\]', objects)
    assert object_rows
    for value in object_rows:
        assert f">{value}<" not in figure


def test_values_with_markup_are_escaped(changed):
    page = changed[1]
    assert "<b>" not in page and "<i>" not in page
    assert page.count("<script") == 1  # the page's own print helper, nothing else
    assert page.count("&lt;b&gt;Riverford&lt;/b&gt; &amp; &lt;script&gt;") > 10
    assert "Area &lt;i&gt;x&lt;/i&gt;" in page
    _assert_clean(page)


def test_thirteen_months_say_the_comparison_needs_24(db13, tmp_path):
    page = _render(db13, tmp_path)
    _assert_clean(page, NO_FORCE_SECTIONS)
    comparison = _visible_text(_section(page, "comparison", "rates"))
    assert "needs 24 months of data" in comparison and "holds 13 months" in comparison
    assert "<table" not in _section(page, "comparison", "rates")
    assert "no comparison with the previous 12 months" in _visible_text(
        _section(page, "summary", "trends"))
    assert page.count("<figure") >= 7  # everything else still drawn
    # the partnership sent no force extract: one section says so and what it would add
    force = _visible_text(_section(page, "force-extract"))
    assert "The force crime extract was not supplied" in force and "outcome 22" in force
    assert "Force crime extract from" not in page and "knife or sharp" not in _visible_text(
        _section(page, "summary"))


def test_empty_tables_and_no_stop_and_search_or_force_extract(db26, tmp_path):
    sql = "DELETE FROM assessment.stop_search;" + "".join(
        f"DELETE FROM assessment.{t};" for t in report.FORCE_TABLES)
    partial = _render(db26, tmp_path, sql=sql, validation_href=None)
    _assert_clean(partial, NO_FORCE_SECTIONS)
    assert "No stop and search data" in _section(partial, "stop-search", "force-extract")
    assert "was not supplied" in _section(partial, "force-extract", "data-quality")
    assert partial.count("<figure") == 7 + 1  # police.uk charts but stop and search; the map
    assert "validation report" not in _section(partial, "data-quality", "methods").replace(
        "See the validation report", "")
    empty_sql = "".join(f"DELETE FROM assessment.{t};" for t in report.ASSESSMENT_TABLES)
    empty = _render(db26, tmp_path, sql=empty_sql + "DELETE FROM marts.reporting_period;")
    _assert_clean(empty, NO_FORCE_SECTIONS)
    assert "<figure" not in empty
    assert "needs 24 months" in _section(empty, "comparison", "rates")


def test_an_area_of_more_districts_than_the_document_holds_shows_the_busiest(db26, page26,
                                                                             tmp_path):
    """district_tables: 1 keeps the district with the most serious violence in the latest 12
    months; its suppressed tables are those of the full document (suppression saw both)."""
    con = duckdb.connect(str(db26), read_only=True)
    volumes = dict(con.execute(
        "SELECT geography_name, latest_12 FROM assessment.period_comparison "
        "WHERE geography_level = 'district' AND category = 'Serious violence'").fetchall())
    con.close()
    busiest, *others = sorted(volumes, key=volumes.get, reverse=True)
    assert others and volumes[busiest] > max(volumes[o] for o in others)
    page = _render(db26, tmp_path, _config(threshold=50, report={"district_tables": 1}))
    assert (f"This area has {len(volumes)} districts: the district tables and charts show the "
            "1 with") in _visible_text(page)
    assert "districts: the district tables" not in _visible_text(page26)
    for section in ("trends", "rates", "outcomes", "stop-search", "sv-definition", "youth"):
        full, cut = (_section(p, section).replace(demo.DEMO_AREA_NAME, "the area")
                     for p in (page26, page))  # the area's name holds two district names
        assert all(name in full for name in volumes), section
        assert busiest in cut and not any(name in cut for name in others), section

    def district_tables(page: str) -> str:
        section = _section(page, "stop-search")
        start = section.index(f"<summary>{busiest}</summary>")
        return section[start:section.index("</details>", start)]

    assert district_tables(page) == district_tables(page26)
