"""The baseline HTML report, rendered from warehouses built by the real pipeline on the synthetic
demo data: 26 months (every section filled) and 13 months (no comparison yet).

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

from svna import demo, report
from svna.config import Config
from svna.exports import published_table, suppress_for_publication

from conftest import build_warehouse

SECTIONS = [
    "Summary", "Trends", "Latest 12 months against the previous 12", "Rates by district",
    "Where: concentration", "Deprivation", "Outcomes", "Stop and search", "Data quality",
    "Methods and definitions",
]
DISTRICTS = [code for code, _ in demo.DEMO_DISTRICTS]
LEAKS = re.compile(r"\b(nan|NaN|None|NaT|undefined|Undefined)\b|<NA>|\{\{|\{%|%\}|\}\}")


def _report_db(tmp: Path, months: int) -> Path:
    """Demo data -> pipeline -> only the tables the report reads, in a small file."""
    demo.generate_demo_data(tmp / "raw", months=months)
    con = build_warehouse(tmp / "raw", tmp / "w.duckdb", DISTRICTS, name=demo.DEMO_AREA_NAME)
    out = tmp / "report.duckdb"
    con.execute(f"ATTACH '{out}' AS rpt")
    con.execute("CREATE SCHEMA rpt.assessment; CREATE SCHEMA rpt.marts")
    for table in report.ASSESSMENT_TABLES:
        con.execute(f"CREATE TABLE rpt.assessment.{table} AS SELECT * FROM assessment.{table}")
    con.execute("CREATE TABLE rpt.marts.reporting_period AS SELECT * FROM marts.reporting_period")
    con.close()
    return out


@pytest.fixture(scope="module")
def db26(tmp_path_factory) -> Path:
    return _report_db(tmp_path_factory.mktemp("demo26"), 26)


@pytest.fixture(scope="module")
def db13(tmp_path_factory) -> Path:
    return _report_db(tmp_path_factory.mktemp("demo13"), 13)


def _config(threshold: int = 5, name: str = demo.DEMO_AREA_NAME) -> Config:
    return Config.model_validate({"area": {"name": name, "districts": DISTRICTS},
                                  "suppression": {"threshold": threshold}})


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


def _visible_text(page: str) -> str:
    without_svg = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", without_svg))


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(f'<h2 id="{start}">'):page.index(f'<h2 id="{end}">')]


def _assert_clean(page: str) -> None:
    assert page.count("<h1") == 1
    headings = re.findall(r'<h2 id="[^"]+">(\d+)\. ([^<]+)</h2>', page)
    assert [(int(n), html.unescape(t)) for n, t in headings] == list(enumerate(SECTIONS, 1))
    assert not LEAKS.findall(_visible_text(page))
    assert not LEAKS.findall(" ".join(re.findall(r'aria-label="([^"]*)"', page)))


def test_sections_are_numbered_in_order_with_contents(page26):
    _assert_clean(page26)
    contents = page26[page26.index("<nav"):page26.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">', contents)
    assert len(links) == len(SECTIONS)
    positions = [page26.index(f'<h2 id="{anchor}">') for anchor in links]
    assert positions == sorted(positions)
    assert page26.count("<p class=\"marking\">OFFICIAL</p>") == 2


def test_page_is_self_contained(page26):
    assert not re.search(r"https?://", page26)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page26, re.I)
    assert not re.search(r"<script[^>]*\bsrc=", page26, re.I)
    assert "@import" not in page26 and "url(" not in page26


def test_every_chart_is_an_inline_svg_with_a_text_alternative(page26):
    figures = re.findall(r"<figure\b([^>]*)>(.*?)</figure>", page26, flags=re.S)
    assert len(figures) == 8  # trend, districts, types, rates, concentration, IMD, outcomes, S&S
    for attributes, body in figures:
        assert 'role="img"' in attributes
        label = re.search(r'aria-label="([^"]+)"', attributes).group(1)
        assert len(label) > 40 and re.search(r"\d", label)  # states figures, not just a title
        assert body.lstrip().startswith("<svg") and "</svg>" in body and "<figcaption>" in body
    assert page26.count("<svg") == len(figures)


def test_tables_are_accessible(page26):
    tables = re.findall(r"<table\b.*?</table>", page26, flags=re.S)
    assert len(tables) > 10
    for table in tables:
        assert "<caption>" in table and 'scope="col"' in table and 'scope="row"' in table


def test_headline_figures_match_the_tables(db26, page26):
    con = duckdb.connect(str(db26), read_only=True)
    latest, previous = con.execute(
        "SELECT latest_12, previous_12 FROM assessment.period_comparison "
        "WHERE geography_level = 'area' AND category = 'Serious violence'").fetchone()
    con.close()
    summary = _visible_text(_section(page26, "summary", "trends"))
    assert latest > 1000 and f"{latest:,} serious violence crimes" in summary
    assert f"({previous:,})" in summary
    comparison = _section(page26, "comparison", "rates")
    assert f'<td class="num">{latest:,}</td><td class="num">{previous:,}</td>' in comparison
    assert '<a href="validation/index.html">' in page26
    assert "Open Government Licence v3.0" in page26


def test_no_stop_and_search_count_below_the_threshold_is_shown(db26, page26):
    con = duckdb.connect(str(db26), read_only=True)
    small = con.execute("SELECT count(*) FROM assessment.stop_search "
                        "WHERE searches < 50").fetchone()[0]
    con.close()
    assert small > 10  # the fixture does have small counts to hide
    section = _section(page26, "stop-search", "data-quality")
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
    label = re.search(r'aria-label="([^"]+)"', figure).group(1)
    assert all(int(n.replace(",", "")) >= 50 for n in re.findall(r"\b[\d,]+(?= *[;.])", label))
    objects = section[section.index("<h3>Object of search</h3>"):section.index("<h3>Outcome")]
    object_rows = re.findall(r'<th scope="row">([^<]*)</th><td class="num">\[c\]', objects)
    assert object_rows
    for value in object_rows:
        assert f">{value}<" not in figure


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


def test_values_with_markup_are_escaped(db26, tmp_path):
    evil = "<b>Riverford</b> & <script>alert(1)</script>"
    sql = "".join(
        f"UPDATE assessment.{t} SET geography_name = $${evil}$$ "
        "WHERE geography_name = 'Riverford';"
        for t in ("monthly_trend", "period_comparison", "rates", "deprivation", "outcomes",
                  "stop_search"))
    sql += (f"UPDATE assessment.lsoa_concentration SET lsoa21_name = $${evil}$$ WHERE rank = 1;"
            f"UPDATE assessment.data_quality SET detail = $${evil}$$ WHERE check_order = 1;")
    page = _render(db26, tmp_path, _config(name="Area <i>x</i>"), sql=sql)
    assert "<b>" not in page and "<i>" not in page
    assert page.count("<script") == 1  # the page's own print helper, nothing else
    assert "&lt;b&gt;Riverford&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "Area &lt;i&gt;x&lt;/i&gt;" in page
    _assert_clean(page)


def test_thirteen_months_say_the_comparison_needs_24(db13, tmp_path):
    page = _render(db13, tmp_path)
    _assert_clean(page)
    comparison = _visible_text(_section(page, "comparison", "rates"))
    assert "needs 24 months of data" in comparison and "holds 13 months" in comparison
    assert "<table" not in _section(page, "comparison", "rates")
    assert "no comparison with the previous 12 months" in _visible_text(
        _section(page, "summary", "trends"))
    assert page.count("<figure") >= 7  # everything else still drawn


def test_empty_tables_and_no_stop_and_search(db26, tmp_path):
    no_searches = _render(db26, tmp_path, sql="DELETE FROM assessment.stop_search;",
                          validation_href=None)
    _assert_clean(no_searches)
    assert "No stop and search data" in _section(no_searches, "stop-search", "data-quality")
    assert "validation report" not in _section(no_searches, "data-quality", "methods").replace(
        "See the validation report", "")
    empty_sql = "".join(f"DELETE FROM assessment.{t};" for t in report.ASSESSMENT_TABLES)
    empty = _render(db26, tmp_path, sql=empty_sql + "DELETE FROM marts.reporting_period;")
    _assert_clean(empty)
    assert "<figure" not in empty
    assert "needs 24 months" in _section(empty, "comparison", "rates")
