"""HTML reports to PDF for the board pack, offline.

WeasyPrint (PyPI) lays the page out: A4, protective marking in the header and footer, "Page N
of M", contents with page numbers (target-counter), figures kept whole; the print CSS is
templates/_print.css.j2. It needs Pango (Debian: libpango-1.0-0 and libpangoft2-1.0-0, on
most Linux desktops already). Where Pango cannot be loaded (a Windows laptop, a slim
container), a Chromium-family browser already installed (Chromium, Chrome, Edge) prints the
same HTML: everything but the page numbers in the contents, which Chromium cannot compute.
Either way nothing is fetched from the network: the reports are self-contained, and a
document that named a web address must not make the machine call it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ENGINES = ("auto", "weasyprint", "chromium")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
            "msedge", "microsoft-edge")
BROWSER_TIMEOUT_S = 120
log = logging.getLogger(__name__)
PANGO_HINT = ("WeasyPrint needs the Pango library (Debian/Ubuntu: apt-get install "
              "libpango-1.0-0 libpangoft2-1.0-0; Windows: see WeasyPrint's installation "
              "notes)")


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why and what would fix it."""


def _weasyprint():
    """The weasyprint module, or None when its system libraries cannot be loaded."""
    try:
        import weasyprint
    except OSError:  # Pango/HarfBuzz missing: WeasyPrint loads them when imported
        return None
    return weasyprint


def _cache_page_references() -> None:
    """pydyf rebuilds the tuple of every page's reference each time WeasyPrint tags a box
    (PDF.page_references), so a tagged PDF costs pages x boxes: seconds on a 100-page board
    pack. The same tuple, rebuilt only when a page has been added since."""
    import pydyf

    built = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(built, property) or getattr(built.fget, "svna_cached", False):
        return

    def page_references(pdf):
        count = len(pdf.pages["Kids"])
        cached = pdf.__dict__.get("_svna_page_references")
        if cached is None or cached[0] != count:
            cached = pdf.__dict__["_svna_page_references"] = (count, built.fget(pdf))
        return cached[1]

    page_references.svna_cached = True
    pydyf.PDF.page_references = property(page_references)


def _offline_fetcher(weasyprint):
    """file: and data: only; anything else is refused before a connection is tried."""
    allowed = ("file", "data")
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 67
        return weasyprint.URLFetcher(allowed_protocols=allowed)

    def fetch(url: str, *args, **kwargs):  # older WeasyPrint: a plain function
        if url.split(":", 1)[0].lower() not in allowed:
            raise ValueError(f"svna renders offline; not fetched: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    return fetch


def find_browser() -> str | None:
    """A Chromium-family browser on PATH (or SVNA_BROWSER), for the fallback."""
    named = os.environ.get("SVNA_BROWSER")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def html_to_pdf(html: str, out_path: Path, *, base_url: Path | None = None,
                engine: str = "auto") -> Path:
    """Write `html` as a PDF to `out_path` and return the path. `base_url`: the folder that
    relative links in the HTML are relative to (default: out_path's folder). `engine`:
    "weasyprint", "chromium", or "auto" (WeasyPrint if it loads, else a browser)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    base = Path(base_url or out_path.parent).resolve()
    weasyprint = _weasyprint() if engine != "chromium" else None
    if weasyprint is not None:
        _cache_page_references()
        document = weasyprint.HTML(string=html, base_url=base.as_uri() + "/",
                                   url_fetcher=_offline_fetcher(weasyprint))
        document.write_pdf(out_path, pdf_tags=True)  # a tagged PDF, for screen readers
        return out_path
    if engine == "weasyprint":
        raise PdfError(f"{out_path}: {PANGO_HINT}")
    browser = find_browser()
    if browser is None:
        raise PdfError(f"{out_path}: no PDF engine: {PANGO_HINT}, or install Chromium, Chrome "
                       "or Edge (or name one in SVNA_BROWSER)")
    return _browser_pdf(browser, html, out_path, base)


def _browser_pdf(browser: str, html: str, out_path: Path, base: Path) -> Path:
    """Headless print to PDF, with every host unresolvable and every request sent to a
    proxy that is not there: the page gets its inline content and nothing else. The page is
    written beside base for a moment so that relative links resolve as in WeasyPrint."""
    out_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="svna-pdf-") as profile, \
            tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".html", dir=base,
                                        prefix=".svna-pdf-", delete=False) as page:
        page.write(html)
        page.close()
        command = [
            browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", f"--print-to-pdf={out_path.resolve()}",
            Path(page.name).as_uri(),
        ]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=BROWSER_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{out_path}: {browser} did not finish printing within "
                           f"{BROWSER_TIMEOUT_S} s") from None
        finally:
            Path(page.name).unlink(missing_ok=True)
    if result.returncode != 0 or not out_path.is_file():
        raise PdfError(f"{out_path}: {browser} failed ({result.returncode}): "
                       f"{result.stderr.strip()[-500:]}")
    return out_path


class BackgroundPrinter:
    """Each document's PDF printed by a process of its own while the caller goes on: WeasyPrint
    lays pages out in Python and holds the GIL, so a thread would not overlap, and a national
    board pack takes half a minute. A plain child process (`python -m svna.pdf`), not
    multiprocessing, which would run the caller's unguarded main script again. Used as a
    context manager: leaving it normally waits for every PDF and raises the first failure;
    leaving it on an error stops the printers."""

    def __init__(self):
        self._jobs = []  # (process, its stderr, the PDF's path, when it started)

    def start(self, html_path: Path) -> None:
        html_path = Path(html_path).resolve()
        errors = tempfile.TemporaryFile()  # a file, not a pipe, that a chatty printer can fill
        env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        process = subprocess.Popen(
            [sys.executable, "-m", "svna.pdf", str(html_path), str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        self._jobs.append((process, errors, html_path.with_suffix(".pdf"), time.monotonic()))
        log.info("%s: printing the PDF in the background", html_path.name)

    def wait(self) -> None:
        jobs, self._jobs = self._jobs, []
        failures = []
        for process, errors, pdf_path, started in jobs:
            process.wait()
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").strip().splitlines()
            errors.close()
            if process.returncode == 2 and said:  # main() wrote the PdfError's message
                failures.append(PdfError(said[-1]))
            elif process.returncode != 0:
                failures.append(PdfError(f"{pdf_path}: the PDF printer failed (exit code "
                                         f"{process.returncode}): {' '.join(said[-3:])}"))
            else:
                log.info("%s printed in %.0f s", pdf_path.name, time.monotonic() - started)
        if failures:
            raise failures[0]

    def stop(self) -> None:
        for process, errors, *_ in self._jobs:
            process.kill()
            process.wait()
            errors.close()
        self._jobs = []

    def __enter__(self) -> BackgroundPrinter:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.wait()
        else:
            self.stop()


def _exit_when_orphaned(parent_pid: int) -> None:
    """A refresh killed while its PDF is printed must not leave a printer writing into the
    run's folder, which the next run removes. (Where a dead parent is not noticed this way,
    on Windows, the printer finishes a PDF nobody publishes.)"""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


def main() -> int:
    """`python -m svna.pdf HTML [PARENT_PID]`: HTML printed beside itself as a PDF; with
    PARENT_PID, given up when that process is gone. A PdfError: its message on stderr, exit
    code 2."""
    html_path, *parent = sys.argv[1:]
    html_path = Path(html_path)
    if parent:
        threading.Thread(target=_exit_when_orphaned, args=(int(parent[0]),),
                         daemon=True).start()
    try:
        html_to_pdf(html_path.read_text(encoding="utf-8"), html_path.with_suffix(".pdf"))
    except PdfError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
