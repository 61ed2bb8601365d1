"""Measuring helpers shared by the benchmark scripts (Linux: peak RSS from /proc)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def reset_peak_rss() -> None:
    """Start a new high-water mark for this process's resident memory (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every process under it, now (Linux /proc)."""
    parent_rss = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parent_rss[int(stat.parent.name)] = (int(fields[1]), int(fields[21]))
    tree, grown = {root}, True
    while grown:
        below = {pid for pid, (ppid, _) in parent_rss.items() if ppid in tree} - tree
        tree |= below
        grown = bool(below)
    pages = sum(parent_rss[pid][1] for pid in tree if pid in parent_rss)
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class TreePeak:
    """The highest resident memory of a process and its children together, sampled every
    0.25 s in a thread (about 2 ms a sample): the kernel's high-water marks are per process,
    and svna prints its PDFs in child processes while it goes on."""

    def __init__(self, root: int):
        self.root, self.peak_mb = root, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.root))

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measured_stage_runner(figures: dict):
    """A pipeline stage_runner that records each stage's wall time and peak memory (this
    process's high-water mark, or this process and its children together if higher)."""

    def run(name, function, *args):
        reset_peak_rss()
        started = time.perf_counter()
        with TreePeak(os.getpid()) as tree:
            value = function(*args)
        figures[name] = (time.perf_counter() - started, max(peak_rss_mb(), tree.peak_mb))
        return value

    return run


def link_realdata(raw: Path, forces: str = "cambridgeshire") -> None:
    """The analyst's drop folder, made of links to the published files (never copies)."""
    (raw / "reference").mkdir(parents=True, exist_ok=True)
    (raw / "police_uk").mkdir()
    for month in (REALDATA / "police-uk" / forces).iterdir():
        os.symlink(month, raw / "police_uk" / month.name)
    for name in ("lsoa21_to_lad23.csv", "lsoa11_to_lsoa21_to_lad.csv", "lsoa_population.csv",
                 "imd2025_england_lsoa21.csv"):
        os.symlink(REALDATA / "geography" / name, raw / "reference" / name)


def run_measured(command: list[str], log: Path, env: dict | None = None,
                 cwd: Path | None = None) -> dict:
    """Run a command in a fresh process; its wall time, CPU time (user + system, all threads
    and waited-for children) and peak resident memory (the kernel's high-water mark from
    wait4, or the sampled sum of the process and its children if higher), output to log."""
    import subprocess

    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        with TreePeak(child.pid) as tree:
            _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mb": max(usage.ru_maxrss / 1024, tree.peak_mb), "returncode": child.returncode,
            "log": str(log)}


def rule_counts(ds) -> list[str]:
    """SQL aggregates for one plain DuckDB query of a dataset's suite: the row count, then per
    column rule the count of unexpected values (uniqueness over the whole table, not per file).
    The same rules svna evaluates, with its run parameters (today's date) filled in."""
    from svna import validate, warehouse

    counts = ["count(*)"]
    for e in validate.load_suite(ds.suite_name).expectations:
        if e["type"] not in validate.COLUMN_MAP:
            continue
        col = warehouse.quote_ident(e["kwargs"]["column"])
        if e["type"] == "expect_column_values_to_be_unique":
            counts.append(f"count({col}) - count(DISTINCT {col})")
        elif e["type"] == "expect_column_values_to_not_be_null":
            counts.append(f"count_if({col} IS NULL)")
        else:
            kw = validate._with_parameters(e["kwargs"], validate.run_parameters())
            counts.append(f"count_if({col} IS NOT NULL AND "
                          f"({validate.COLUMN_MAP[e['type']](col, kw)}))")
    return counts
