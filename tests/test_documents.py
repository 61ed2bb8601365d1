"""The two board documents checked as a person would: the baseline and the multi-agency
assessment of the synthetic demo area (26 months, every source), opened in headless Chromium
(what is on the page, a screenshot), checked by axe-core against WCAG 2.1 AA, and printed to
PDF (page images, text per page, the contents against the pages the sections start on).

External tools, each skipped with its reason when missing: Chromium (Debian: chromium),
Playwright and axe-playwright-python (PyPI, the dev extras; they drive the system Chromium,
no browser is downloaded), WeasyPrint's Pango (libpango-1.0-0, libpangoft2-1.0-0) and
pdftoppm (poppler-utils).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pypdf
import pytest
from PIL import Image

from svna import demo
from svna.config import Config
from svna.pdf import _weasyprint, find_browser, html_to_pdf
from svna.report import render_baseline
from svna.report_multiagency import render_multiagency

from conftest import build_warehouse

MARKING = "OFFICIAL-SENSITIVE"
THRESHOLD = 5
DISTRICTS = [code for code, _ in demo.DEMO_DISTRICTS]
# The sections a reader must find, in this order (a section added later may sit between).
BASELINE_SECTIONS = [
    "Summary", "Since the last assessment", "Trends", "Latest 12 months against the previous 12",
    "Rates by district", "Where: concentration", "Deprivation", "Outcomes", "Stop and search",
    "Serious violence as the Home Office defines it",
    "Is it changing? (statistical process control)", "Serious youth violence", "When",
    "Repeat victims and suspects", "Outcome 22 and other outcomes", "Racial disproportionality",
    "Recording of protected characteristics", "Evaluating interventions", "Data quality",
    "Methods and definitions",
]
MULTIAGENCY_SECTIONS = [
    "Summary", "Sources and what they cover", "Trends: the police and the health services",
    "Latest 12 months against the previous 12", "Rates by district",
    "Violence the police do not see", "Where: hotspots across sources",
    "Whom: the people each service sees", "Risk and context: deprivation",
    "The same people across services", "Methods, definitions and caveats",
]
SECTIONS = {"baseline": BASELINE_SECTIONS, "multiagency": MULTIAGENCY_SECTIONS}
DOCUMENTS = list(SECTIONS)
LEAKS = re.compile(r"\b(nan|NaN|None|NaT|undefined|Undefined|null)\b|<NA>|\{\{|\{%|%\}|\}\}|\{#")
SMALL = re.compile(rf"[1-{THRESHOLD - 1}]")  # a shown count of 1 to threshold-1
# a count cell's text once the suppression symbol, the missing symbol and a hotspot tick
# (multi-agency) are allowed for
COUNT_TEXT = re.compile(r"(✓ ?)?(\[c\]|–|\d{1,3}(,\d{3})*)")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-extensions", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND"]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": (1280, 900), "phone": (320, 640)}  # 320 px: WCAG 1.4.10 reflow
DRAWN = ("path", "line", "rect", "circle", "polyline", "polygon")


# ---- the documents -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    """Both HTML documents of the demo area, rendered from a warehouse the pipeline built."""
    tmp = tmp_path_factory.mktemp("documents")
    demo.generate_demo_data(tmp / "raw", months=26)
    con = build_warehouse(tmp / "raw", tmp / "w.duckdb", DISTRICTS, name=demo.DEMO_AREA_NAME)
    config = Config.model_validate({
        "area": {"name": demo.DEMO_AREA_NAME, "districts": DISTRICTS},
        "suppression": {"threshold": THRESHOLD},
        "report": {"protective_marking": MARKING,  # the demo's maps: LSOA boundaries
                   "boundaries": str(tmp / "raw" / "reference" / "lsoa21_boundaries.geojson")}})
    out = tmp / "assessment"
    common = {"config": config, "run_id": "run-7", "generated_at": "2026-01-15 09:00 UTC",
              "validation_href": "../../validation/index.html"}
    paths = {"baseline": render_baseline(con, out / "baseline.html", **common),
             "multiagency": render_multiagency(con, out / "multiagency.html",
                                               baseline_href="baseline.html", **common)}
    con.close()
    return paths


# ---- a small DOM, from Chromium's serialisation ----------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def text(self, skip: tuple[str, ...] = ("script", "style")) -> str:
        return "".join(child if isinstance(child, str) else
                       ("" if child.tag in skip else child.text(skip))
                       for child in self.children)


class DomBuilder(HTMLParser):
    """A tree of the serialised DOM (html.parser from the standard library: no dependency)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = DomBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# ---- (a) the page in Chromium ------------------------------------------------------------------

def _browser() -> str:
    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium-family browser on PATH (Debian: apt-get install chromium)")
    return browser


def _chromium(browser: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="svna-test-chromium-") as profile:
        return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def chromium_pages(request, tmp_path_factory) -> dict[str, tuple[Node, Path]]:
    """Each document as Chromium has it after its scripts ran: the DOM and a screenshot."""
    browser = _browser()  # before the documents: no browser, no warehouse built for nothing
    documents = request.getfixturevalue("documents")
    shots = tmp_path_factory.mktemp("screenshots")
    pages = {}
    for name, path in documents.items():
        dumped = _chromium(browser, "--dump-dom", path.as_uri())
        assert dumped.returncode == 0 and "</html>" in dumped.stdout, dumped.stderr[-500:]
        shot = shots / f"{name}.png"
        taken = _chromium(browser, f"--screenshot={shot}", "--window-size=1280,1600",
                          "--hide-scrollbars", path.as_uri())
        assert taken.returncode == 0 and shot.is_file(), taken.stderr[-500:]
        pages[name] = (parse(dumped.stdout), shot)
    return pages


def _numbered_headings(dom: Node) -> list[tuple[int, str]]:
    found = []
    for h2 in dom.iter("h2"):
        match = re.fullmatch(r"(\d+)\. (.+)", " ".join(h2.text().split()))
        if match:
            found.append((int(match.group(1)), match.group(2)))
    return found


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_section_is_on_the_page_in_order_and_in_the_contents(chromium_pages, name):
    dom, _ = chromium_pages[name]
    headings = _numbered_headings(dom)
    assert [n for n, _ in headings] == list(range(1, len(headings) + 1))  # 1, 2, 3... no gap
    titles = [t for _, t in headings]
    positions = [titles.index(t) for t in SECTIONS[name] if t in titles]
    assert [t for t in SECTIONS[name] if t not in titles] == []
    assert positions == sorted(positions)
    nav = next(dom.iter("nav"))
    entries = [" ".join(a.text().split()) for a in nav.iter("a")]
    assert entries == titles
    assert len(list(dom.iter("h1"))) == 1
    assert next(dom.iter("html")).attrs.get("lang") == "en-GB"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_template_leftovers_or_missing_values_on_the_page(chromium_pages, name):
    dom, _ = chromium_pages[name]
    body = next(dom.iter("body"))
    words = " ".join(body.text(skip=("script", "style", "svg")).split())  # prose and tables
    assert len(words) > 5000
    assert LEAKS.findall(words) == []
    for svg in body.iter("svg"):  # the charts' and maps' own words
        for text in svg.iter("text"):
            label = " ".join(text.text().split())
            assert LEAKS.findall(label) == [], label
    labels = " ".join(n.attrs[a] for n in body.iter() for a in ("aria-label", "title")
                      if a in n.attrs)
    assert LEAKS.findall(labels) == []
    assert words.count(MARKING) == 2  # the marking above the cover and at the foot


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_figure_is_drawn_and_has_a_text_alternative(chromium_pages, name):
    dom, _ = chromium_pages[name]
    figures = list(dom.iter("figure"))
    assert len(figures) >= (15 if name == "baseline" else 3)
    for figure in figures:
        caption = " ".join(next(figure.iter("figcaption")).text().split())
        svgs = list(figure.iter("svg"))
        assert len(svgs) == 1, caption
        # the drawing is an image named by its text alternative; the figure keeps its role, so
        # its caption is read too
        assert "role" not in figure.attrs, caption
        image = next(n for n in figure.iter() if n.attrs.get("role") == "img")
        alternative = image.attrs.get("aria-label", "")
        assert len(alternative) > 30 and re.search(r"\d", alternative), caption
        assert svgs[0] in list(image.iter()), caption
        # the data drawn, not only axes and a background: shapes inside Vega's mark groups
        # (a chart), or the areas and points of a map
        marks = [m for m in svgs[0].iter() if m.tag in DRAWN and _is_data_mark(m)]
        # segments and shapes: a month-by-month line has 25, a bar chart a rect per bar
        drawn = sum(len(re.findall(r"[LlHhVvCcAaQqSsTt]", m.attrs.get("d", "")))
                    if m.tag == "path" else 1 for m in marks)
        assert drawn >= 5, caption
        assert float(svgs[0].attrs.get("width", 0)) > 200, caption
        if "map" in svgs[0].classes():
            _assert_sequential_palette(svgs[0], caption)
    assert any("map" in next(f.iter("svg")).classes() for f in figures)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _assert_sequential_palette(svg: Node, caption: str) -> None:
    """A map's shades (legend swatches c1, c2...) darken from class to class, so that they
    read in order in greyscale and with any colour vision; suppressed areas are hatched."""
    swatches = [r for r in svg.iter("rect") if "swatch" in r.classes()]
    shades = [r.attrs["fill"] for r in swatches if re.fullmatch(r"c\d+", r.classes()[1])]
    assert len(shades) >= 2, caption
    lightness = [_luminance(fill) for fill in shades]
    assert lightness == sorted(lightness, reverse=True) and len(set(lightness)) == len(shades)
    # next to each other, classes differ in lightness by at least 1.2 : 1
    assert all((a + 0.05) / (b + 0.05) >= 1.2 for a, b in zip(lightness, lightness[1:],
                                                               strict=False)), shades
    assert all(r.attrs["fill"].startswith("url(#") for r in swatches if "small" in r.classes())


def _is_data_mark(node: Node) -> bool:
    if node.tag == "path" and not re.search(r"[LlHhVvCcAaZz]", node.attrs.get("d", "")):
        return False  # a path that goes nowhere draws nothing
    parent = node.parent
    while parent is not None and parent.tag != "svg":
        if "role-mark" in parent.classes():
            return True  # Vega: a data mark, not an axis, a legend or the background
        parent = parent.parent
    svg = parent
    return svg is not None and "map" in svg.classes() and node.parent.tag != "pattern"


class _CountText:
    """The text of every element of class "count", and its section's id."""

    def __init__(self, dom: Node):
        self.cells: list[tuple[str, str]] = []
        section = ""
        for node in dom.iter():
            if node.tag == "h2" and node.attrs.get("id"):
                section = node.attrs["id"]
            if "count" in node.classes():
                self.cells.append((section, " ".join(node.text().split())))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_count_below_the_threshold_is_visible(chromium_pages, name):
    dom, _ = chromium_pages[name]
    cells = _CountText(dom).cells
    assert len(cells) > 100
    for section, text in cells:
        assert COUNT_TEXT.fullmatch(text), (section, text)
        for value in re.findall(r"[\d,]+", text):
            assert not SMALL.fullmatch(value), (section, text)
    # the threshold did bite: suppressed cells are on the page
    assert sum("[c]" in text for _, text in cells) >= 10


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_screenshot_shows_a_page(chromium_pages, name):
    _, shot = chromium_pages[name]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (1600, 1280)
    # the top of the page: mostly white paper with dark text (the marking, the title, the
    # contents), neither blank nor a dark error page
    assert pixels.mean() > 200
    assert pixels.std() > 15
    assert (pixels < 100).mean() > 0.005


# ---- (b) accessibility: axe-core in Chromium ---------------------------------------------------

@pytest.fixture(scope="module")
def browser_page():
    """A Playwright page in the system Chromium (Playwright downloads no browser here)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
    pytest.importorskip("axe_playwright_python.sync_playwright",
                        reason="axe-playwright-python (axe-core for Playwright) is not "
                               "installed (pip install -e '.[dev]')")
    browser = _browser()
    with sync_api.sync_playwright() as playwright, \
            tempfile.TemporaryDirectory(prefix="svna-test-axe-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=browser, headless=True, args=CHROMIUM_FLAGS[1:])
        yield context.new_page()
        context.close()


def _axe(page, path: Path, viewport: tuple[int, int]) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(path.as_uri())
    options = {"runOnly": {"type": "tag", "values": [*WCAG_21_AA, "best-practice"]},
               "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", DOCUMENTS)
def test_axe_finds_no_serious_or_critical_wcag_violation(browser_page, documents, name,
                                                         viewport):
    violations = _axe(browser_page, documents[name], VIEWPORTS[viewport])
    serious = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
               for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []
    # and none at all of WCAG 2.1 A/AA, whatever axe's impact (best practice aside)
    wcag = [v["id"] for v in violations if set(v["tags"]) & set(WCAG_21_AA)]
    assert wcag == []


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_figure_is_laid_out_at_a_readable_size(browser_page, documents, name):
    browser_page.set_viewport_size({"width": 1280, "height": 900})
    browser_page.goto(documents[name].as_uri())
    boxes = browser_page.eval_on_selector_all(
        "figure svg", "svgs => svgs.map(s => { const r = s.getBoundingClientRect(); "
                      "return [r.width, r.height]; })")
    assert len(boxes) >= 3
    assert all(width > 250 and height > 100 for width, height in boxes), boxes


# ---- (c) the PDFs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdfs(request) -> dict[str, Path]:
    if _weasyprint() is None:
        pytest.skip("WeasyPrint cannot load Pango (Debian: apt-get install libpango-1.0-0 "
                    "libpangoft2-1.0-0): no PDF with page numbers in its contents")
    documents = request.getfixturevalue("documents")
    return {name: html_to_pdf(path.read_text(encoding="utf-8"), path.with_suffix(".pdf"),
                              engine="weasyprint")
            for name, path in documents.items()}


def _texts(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


@pytest.fixture(scope="module")
def pdf_texts(pdfs) -> dict[str, list[str]]:
    """The text of each page (pypdf takes seconds over a long document: once per module)."""
    return {name: _texts(path) for name, path in pdfs.items()}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_pages_carry_the_marking_and_their_number(pdf_texts, name):
    texts = pdf_texts[name]
    pages = len(texts)
    assert pages > 2 + len(SECTIONS[name]) // 4  # cover, contents and the sections
    for number, text in enumerate(texts, start=1):
        assert text.count(MARKING) >= 2, number  # the page's header and footer
        assert (f"Page {number} of {pages}" in text) == (number > 1), number  # cover: none
        assert not LEAKS.findall(text), number


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_names_its_language_and_title(pdfs, name):
    """What a screen reader announces and reads with (WCAG 3.1.1, 2.4.2)."""
    reader = pypdf.PdfReader(pdfs[name])
    assert reader.trailer["/Root"].get("/Lang") == "en-GB"
    kind = {"baseline": "baseline", "multiagency": "multi-agency"}[name]
    assert reader.metadata.title == (f"Serious violence needs assessment: {kind} – "
                                     f"{demo.DEMO_AREA_NAME}")


def _structure_elements(node, kind: str):
    """Every element of type `kind` (e.g. /Figure) in a tagged PDF's structure tree."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for child in node:
            yield from _structure_elements(child, kind)
    elif isinstance(node, pypdf.generic.DictionaryObject):
        if node.get("/S") == kind:
            yield node
        if "/K" in node:
            yield from _structure_elements(node["/K"], kind)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_figures_carry_their_text_alternative(pdfs, documents, name):
    """Each drawing in the tagged PDF gives its text alternative as /Alt (PDF/UA, WCAG 1.1.1),
    the same words as the HTML's."""
    root = pypdf.PdfReader(pdfs[name]).trailer["/Root"]
    alts = [str(e.get("/Alt", "")) for e in _structure_elements(root["/StructTreeRoot"],
                                                                  "/Figure")]
    page = documents[name].read_text(encoding="utf-8")
    expected = [html.unescape(a) for a in re.findall(
        r'<div class="chart" role="img" aria-label="([^"]+)">', page)]
    assert len(expected) >= (15 if name == "baseline" else 3)
    assert sorted(alts) == sorted(expected)


def _heading_pages(texts: list[str]) -> dict[str, int]:
    """The page each numbered section heading is printed on."""
    pages: dict[str, int] = {}
    for number, text in enumerate(texts, start=1):
        for line in text.splitlines():
            match = re.fullmatch(r"\s*\d+\. (.+?)\s*", line)
            if match:
                pages.setdefault(match.group(1), number)
    return pages


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_contents_give_the_page_each_section_starts_on(pdf_texts, name):
    texts = pdf_texts[name]
    assert texts[1].lstrip().startswith("Contents")
    starts = _heading_pages(texts)
    first = min(starts.values())
    contents = "\n".join(texts[1:first - 1])
    listed = {}
    for title in SECTIONS[name]:
        match = re.search(rf"^{re.escape(title)}[ .]*?(\d+)\s*$", contents, flags=re.M)
        assert match, title
        listed[title] = int(match.group(1))
    assert listed == {title: starts[title] for title in SECTIONS[name]}
    assert list(listed.values()) == sorted(listed.values())


def _page_images(pdf: Path, out: Path) -> list[Path]:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    subprocess.run([pdftoppm, "-r", "40", "-gray", "-png", str(pdf), str(out / pdf.stem)],
                   check=True, capture_output=True, timeout=300)
    return sorted(out.glob(f"{pdf.stem}-*.png"))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_pdf_page_is_blank(pdfs, pdf_texts, name, tmp_path):
    images = _page_images(pdfs[name], tmp_path)
    assert len(images) == len(pdf_texts[name])
    for image in images:
        pixels = np.asarray(Image.open(image).convert("L"), dtype=float)
        # A4 at 40 dpi is 331 x 468 px; the body lies inside the page margins (20 mm top,
        # 22 mm bottom: 32 and 35 px). A page holding only its header and footer fails.
        body = pixels[40:-40, 20:-20]
        assert (body < 160).sum() > 300, image.name  # a few lines of text at least
        assert body.std() > 10, image.name


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_count_below_the_threshold_is_printed(pdfs, documents, name, tmp_path):
    """The same document printed with every element of class "count" between « and »: the
    text the PDF shows in those places. The figures are left out (no count is drawn in one,
    and they take most of the printing time)."""
    html = documents[name].read_text(encoding="utf-8").replace(
        "</style>", '.count::before { content: "«"; } .count::after { content: "»"; }</style>',
        1)
    html = re.sub(r"<figure\b.*?</figure>", "", html, flags=re.S)
    marked = html_to_pdf(html, tmp_path / f"{name}.pdf", engine="weasyprint")
    text = "\n".join(_texts(marked))
    printed = [" ".join(t.split()) for t in re.findall(r"«([^»]*)»", text)]
    assert len(printed) > 100
    for value in printed:
        assert COUNT_TEXT.fullmatch(value), value
        assert not any(SMALL.fullmatch(n) for n in re.findall(r"[\d,]+", value)), value
    assert sum("[c]" in value for value in printed) >= 10
