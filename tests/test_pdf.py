"""PDF: a small report through the print CSS (templates/_print.css.j2) and svna.pdf."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import jinja2
import pypdf
import pytest

from svna.pdf import BackgroundPrinter, PdfError, _weasyprint, find_browser, html_to_pdf
from svna.report import TEMPLATES, css_string

MARKING = "OFFICIAL-SENSITIVE"
# A4 is 297 mm tall; the print CSS leaves 297 - 20 - 22 = 255 mm for content. A page that
# opens with a 148 mm spacer has room for the figure's 4 mm top margin and its 100 mm
# drawing (252 mm) but not for its caption (a 10 pt line, over 3 mm): kept whole, the figure
# moves to the next page; not kept whole, the caption alone would.
SPACER_MM, DRAWING_MM = 148, 100


def _print_css(marking: str = MARKING) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["css_string"] = css_string
    return env.get_template("_print.css.j2").render(marking=marking)


def _report(extra_head: str = "", css: str | None = None) -> str:
    drawing = (f'<svg width="{DRAWING_MM}mm" height="{DRAWING_MM}mm" viewBox="0 0 100 100">'
               '<rect width="100" height="100" fill="#08519c"/>'
               '<text x="5" y="10" font-size="6" fill="#ffffff">DRAWINGTOP</text></svg>')
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>Test report</title>{extra_head}<style>{_print_css() if css is None else css}</style></head>
<body>
<header class="cover"><h1>Serious violence needs assessment</h1><p class="meta">Testshire</p>
</header>
<nav class="toc"><h2>Contents</h2><ol><li><a href="#trends">Trends</a></li>
<li><a href="#where">Where</a></li></ol></nav>
<section><h2 id="trends">1. Trends</h2><p>First words.</p>
<div style="break-before: page; height: {SPACER_MM}mm"></div>
<figure>{drawing}<figcaption>Figure 1: CAPTIONTEXT.</figcaption></figure>
<p>After the figure.</p></section>
<section><h2 id="where" style="break-before: page">2. Where</h2><p>Last words.</p></section>
</body></html>"""


def _page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def _page_of(texts: list[str], needle: str) -> int:
    pages = [number for number, text in enumerate(texts, start=1) if needle in text]
    assert len(pages) == 1, (needle, pages)
    return pages[0]


needs_weasyprint = pytest.mark.skipif(
    _weasyprint() is None, reason="WeasyPrint cannot load Pango here (Debian: libpango-1.0-0, "
                                  "libpangoft2-1.0-0)")


@needs_weasyprint
def test_weasyprint_pages_marking_contents_and_whole_figures(tmp_path):
    out = html_to_pdf(_report(), tmp_path / "report.pdf", engine="weasyprint")
    texts = _page_texts(out)
    # cover, contents, section 1's heading, its spacer, the figure pushed to the next page,
    # section 2 from a new page: 6 pages
    assert len(texts) == 6
    for number, text in enumerate(texts, start=1):
        assert text.count(MARKING) == 2, number  # header and footer of every page
        assert (f"Page {number} of 6" in text) == (number > 1)  # none on the cover
    assert _page_of(texts, "Serious violence needs assessment") == 1
    assert _page_of(texts, "Contents") == 2
    assert _page_of(texts, "1. Trends") == 3
    assert _page_of(texts, "DRAWINGTOP") == _page_of(texts, "CAPTIONTEXT") == 5
    assert _page_of(texts, "2. Where") == 6
    # the contents give the page each section starts on, after dot leaders
    contents = texts[1]
    assert any(line.startswith("Trends") and line.rstrip().endswith(". 3")
               for line in contents.splitlines())
    assert any(line.startswith("Where") and line.rstrip().endswith(". 6")
               for line in contents.splitlines())


@needs_weasyprint
def test_without_the_print_css_the_caption_is_split_off(tmp_path):
    """The control for the test above: the same page with only size and margins (no rule
    keeping figures whole) leaves the caption alone on the next page."""
    css = "@page { size: A4; margin: 20mm 16mm 22mm; } html { font-size: 10pt; } " \
          "body { margin: 0; } figure { margin: 4mm 0 6mm; } svg { display: block; } " \
          ".cover, nav.toc { break-after: page; }"
    texts = _page_texts(html_to_pdf(_report(css=css), tmp_path / "plain.pdf",
                                    engine="weasyprint"))
    assert _page_of(texts, "CAPTIONTEXT") == _page_of(texts, "DRAWINGTOP") + 1


@needs_weasyprint
def test_marking_cannot_break_out_of_the_css_string(tmp_path):
    marking = 'OFFICIAL"; } body { display: none } x { content: "'
    texts = _page_texts(html_to_pdf(_report(css=_print_css(marking)), tmp_path / "m.pdf",
                                    engine="weasyprint"))
    assert "Last words." in texts[-1]  # the body was not hidden
    assert marking in texts[-1]


class _Counter(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Counter.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    _Counter.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _calling_out(base: str) -> str:
    return (f'<link rel="stylesheet" href="{base}/style.css">'
            f'<style>@import url("{base}/imported.css");</style>'
            f'<script src="{base}/script.js"></script>')


@needs_weasyprint
def test_weasyprint_fetches_nothing_from_the_network(tmp_path, local_server):
    html = _report(extra_head=_calling_out(local_server)).replace(
        "<p>Last words.</p>", f'<p>Last words.</p><img src="{local_server}/logo.png" alt="">')
    html_to_pdf(html, tmp_path / "offline.pdf", engine="weasyprint")
    assert _Counter.requests == []


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="engine must be one of"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", engine="latex")


def test_missing_pango_is_explained(tmp_path, monkeypatch):
    monkeypatch.setattr("svna.pdf._weasyprint", lambda: None)
    with pytest.raises(PdfError, match="libpango-1.0-0"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", engine="weasyprint")
    monkeypatch.setenv("SVNA_BROWSER", str(tmp_path / "no-such-browser"))
    with pytest.raises(PdfError, match="no PDF engine.*SVNA_BROWSER"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", engine="auto")


@pytest.mark.skipif(find_browser() is None, reason="no Chromium-family browser on PATH")
def test_browser_fallback_prints_marking_and_page_numbers_offline(tmp_path, local_server):
    html = _report(extra_head=_calling_out(local_server))
    out = html_to_pdf(html, tmp_path / "browser.pdf", engine="chromium")
    texts = _page_texts(out)
    assert len(texts) == 6
    for number, text in enumerate(texts, start=1):
        assert text.count(MARKING) == 2, number
        assert (f"Page {number} of 6" in text) == (number > 1)
    assert _page_of(texts, "DRAWINGTOP") == _page_of(texts, "CAPTIONTEXT") == 5
    assert _Counter.requests == []
    assert not list(tmp_path.glob(".svna-pdf-*"))  # the page written for the browser is gone


@needs_weasyprint
def test_first_page_is_not_blank(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is absent (Debian package poppler-utils): page 1 not rasterised")
    out = html_to_pdf(_report(), tmp_path / "report.pdf", engine="weasyprint")
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = next(tmp_path.glob("page*.pgm")).read_bytes()
    # binary PGM: "P5", width, height, maxval, then one byte a pixel
    magic, width, height, maxval, pixels = image.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    dark = sum(1 for value in pixels[: int(width) * int(height)] if value < 128)
    assert dark > 100  # the title and the marking in black on white


@needs_weasyprint
def test_the_background_printer_prints_each_document_beside_it(tmp_path, caplog):
    caplog.set_level("INFO", logger="svna.pdf")
    pages = {}
    for name in ("one", "two"):
        (tmp_path / f"{name}.html").write_text(_report().replace("Testshire", name.upper()),
                                               encoding="utf-8")
    with BackgroundPrinter() as printer:
        for name in ("one", "two"):
            printer.start(tmp_path / f"{name}.html")
    for name in ("one", "two"):
        pages[name] = _page_texts(tmp_path / f"{name}.pdf")
        assert name.upper() in pages[name][0] and "CAPTIONTEXT" in "".join(pages[name])
    in_process = html_to_pdf(_report(), tmp_path / "here.pdf")
    assert len(pages["one"]) == len(_page_texts(in_process))
    said = [r.getMessage() for r in caplog.records]
    assert [m.split(" in ")[0] for m in said if " printed in " in m] == ["one.pdf printed",
                                                                           "two.pdf printed"]


@needs_weasyprint
def test_a_failed_background_print_names_its_pdf(tmp_path):
    (tmp_path / "report.html").write_text(_report(), encoding="utf-8")
    (tmp_path / "report.pdf").mkdir()  # where the PDF should go, a folder
    with pytest.raises(PdfError, match=r"report\.pdf.*IsADirectoryError"):
        with BackgroundPrinter() as printer:
            printer.start(tmp_path / "report.html")


def test_the_background_printers_are_stopped_when_the_caller_fails(tmp_path):
    (tmp_path / "report.html").write_text(_report(), encoding="utf-8")
    with pytest.raises(ValueError, match="the caller's own error"):
        with BackgroundPrinter() as printer:
            printer.start(tmp_path / "report.html")
            raise ValueError("the caller's own error")
    time.sleep(3)  # time enough for a printer left running to write its PDF
    assert not (tmp_path / "report.pdf").exists()


def test_a_printer_whose_parent_is_gone_gives_up(tmp_path):
    """A refresh killed while printing: its printer, now another process's child, stops."""
    (tmp_path / "report.html").write_text(_report(), encoding="utf-8")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    printer = subprocess.run([sys.executable, "-m", "svna.pdf", str(tmp_path / "report.html"),
                              str(gone.pid)], capture_output=True, timeout=120)
    assert printer.returncode == 1
    assert not (tmp_path / "report.pdf").exists()
