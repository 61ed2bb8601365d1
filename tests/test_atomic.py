"""Fault tolerance with real processes: a refresh killed (SIGKILL) in ingest, assessment,
reporting or publication leaves the last good outputs as they were, or, once its publication
was committed, as the next run finishes them; the next ordinary `svna refresh` needs no manual
step and publishes what an uninterrupted run publishes. Two refreshes at once: the second is
refused, or waits when the config says so."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pypdf
import pytest

from svna import demo, pipeline, warehouse
from svna.config import load_config
from svna.warehouse import JOURNAL_FILE

REPO = Path(__file__).resolve().parents[1]
DRIVER = REPO / "tests" / "refresh_driver.py"
DISTRICTS = [code for code, _ in demo.DEMO_DISTRICTS]
NEW_MONTH = "2025-12"
PATIENCE = 300  # seconds a paused or waiting process may take to get there on a busy machine


def write_config(base: Path, extra: str = "") -> Path:
    path = base / "area.yaml"
    path.write_text(f"area: {{name: {demo.DEMO_AREA_NAME}, districts: [{', '.join(DISTRICTS)}]}}\n"
                    "paths: {raw: raw, processed: processed, reports: reports}\n" + extra,
                    encoding="utf-8")
    return path


def child_env() -> dict:
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "flows"),
                                                    env.get("PYTHONPATH")) if p)
    return env


def cli(base: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svna.cli", "refresh", "--config", "area.yaml",
                           "--no-prefect"], cwd=base, env=child_env(), capture_output=True,
                          text=True, timeout=PATIENCE)


def start_paused(base: Path, point: str, release: bool = False,
                 prefect: bool = False) -> subprocess.Popen:
    """A refresh (the CLI, through tests/refresh_driver.py) stopped at `point`; with `prefect`
    a flow run, in a session of its own with the temporary Prefect server it starts."""
    command = [sys.executable, str(DRIVER), "--config", "area.yaml", "--pause-at", point,
               "--signal", str(base / "paused")]
    if release:
        command += ["--release", str(base / "release")]
    if prefect:
        command.append("--prefect")
    proc = subprocess.Popen(command, cwd=base, env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=prefect)
    deadline = time.monotonic() + PATIENCE
    while not (base / "paused").exists():
        if proc.poll() is not None:
            pytest.fail(f"the refresh ended before reaching {point}: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the refresh did not reach {point} in {PATIENCE} s")
        time.sleep(0.05)
    return proc


def children(pid: int) -> list[int]:
    """The processes `pid` started that are still running (Linux /proc; else none)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def published(base: Path) -> dict[str, str]:
    """SHA-256 of every published file: all but hidden names (run folders, lock, journal,
    staged and old copies)."""
    return {p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("processed", "reports") for p in sorted((base / folder).rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(base).parts)}


def leftovers(base: Path) -> list[str]:
    return sorted(p.relative_to(base).as_posix() for folder in ("processed", "reports")
                  for p in (base / folder).rglob(".*"))


RUN_ID = re.compile(rb"\d{8}T\d{6}Z-[0-9a-f]{6}")
GENERATED_AT = re.compile(rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
SVG_GRADIENT = re.compile(rb"[0-9a-f]{6,}-gradient_\d+")  # Vega draws a random id per chart


def report_text(path: Path) -> bytes:
    """A report with what differs between two runs of the same inputs masked: run id, time,
    SVG gradient ids. A PDF is compared by its pages' text (its bytes carry dates and ids)."""
    if path.suffix == ".pdf":
        pages = pypdf.PdfReader(path).pages
        data = "\f".join(page.extract_text() for page in pages).encode()
    else:
        data = path.read_bytes()
    text = RUN_ID.sub(b"RUN", data)
    return SVG_GRADIENT.sub(b"GRADIENT", GENERATED_AT.sub(b"TIME", text))


def assessment_tables(base: Path) -> dict[str, list]:
    con = duckdb.connect(str(base / "processed" / "warehouse.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'assessment'").fetchall()]
        return {n: con.execute(f'SELECT * FROM assessment."{n}" ORDER BY ALL').fetchall()
                for n in names}
    finally:
        con.close()


def assert_same_outputs(base: Path, reference: Path) -> None:
    """Exports byte for byte; reports but for run id and time; the assessment tables."""
    ours, theirs = published(base), published(reference)
    assert ours.keys() == theirs.keys()
    exports = [k for k in ours if k.startswith("processed/exports/")]
    assert exports and {k: ours[k] for k in exports} == {k: theirs[k] for k in exports}
    for key in (k for k in ours if k.startswith("reports/")):
        assert report_text(base / key) == report_text(reference / key), key
    assert assessment_tables(base) == assessment_tables(reference)


def copy_state(source: Path, dest: Path, with_new_month: Path | None) -> Path:
    shutil.copytree(source, dest, symlinks=True)  # copy2: raw files keep their mtimes
    if with_new_month:
        shutil.copytree(with_new_month, dest / "raw" / "police_uk" / NEW_MONTH)
    return dest


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """`good`: a published refresh over two months; `held`: the third month's police.uk
    files, not yet delivered; `reference`: good + held refreshed without interruption."""
    root = tmp_path_factory.mktemp("atomic")
    good = root / "good"
    demo.generate_demo_data(good / "raw", months=3, end_month=NEW_MONTH)
    held = root / "held"
    shutil.move(good / "raw" / "police_uk" / NEW_MONTH, held)
    write_config(good)
    assert pipeline.refresh(load_config(good / "area.yaml", good)).status == "succeeded"
    reference = copy_state(good, root / "reference", held)
    assert pipeline.refresh(load_config(reference / "area.yaml", reference)).status == \
        "succeeded"
    return root, good, held, reference


@pytest.mark.parametrize("point", [
    "svna.ingest._ingest_table:2",  # during ingest: 1 of the 3 new files loaded
    "svna.pipeline.build_spc:1",  # during assess: SQL models built, SPC not
    # during report: exports and validation report written, the baseline's PDF printing
    "svna.report_multiagency.render_multiagency:1",
    "svna.warehouse._move:2",  # publication staged in part, not committed
])
def test_a_refresh_killed_before_publication_changes_nothing(states, tmp_path, point):
    _, good, held, reference = states
    base = copy_state(good, tmp_path / "area", held)
    before = published(base)

    proc = start_paused(base, point)
    helpers = children(proc.pid)  # a PDF printer, during report
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in helpers)  # none left writing
    assert published(base) == before  # the last good outputs, byte for byte
    left = leftovers(base)
    assert "processed/.refresh.lock" in left  # a dead process's lock...
    assert any(p.startswith("processed/.run-") for p in left)  # ...and its private copy

    after = cli(base)  # the next ordinary run: no manual step
    assert after.returncode == 0, after.stderr
    assert "succeeded" in after.stdout
    assert leftovers(base) == []
    assert_same_outputs(base, reference)


def test_a_prefect_flow_run_killed_in_assess_changes_nothing(states, tmp_path):
    """The flow's tasks run the same stages: killed with its Prefect server (the whole
    session, as when the machine goes down), it leaves the last good outputs, and the next
    run recovers."""
    _, good, held, reference = states
    base = copy_state(good, tmp_path / "area", held)
    before = published(base)

    proc = start_paused(base, "svna.pipeline.build_spc:1", prefect=True)
    os.killpg(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert "for flow 'svna-refresh'" in out + err  # it was a flow run
    assert published(base) == before
    assert any(p.startswith("processed/.run-") for p in leftovers(base))

    after = cli(base)
    assert after.returncode == 0, after.stderr
    assert leftovers(base) == []
    assert_same_outputs(base, reference)


@pytest.mark.parametrize(("point", "swapped"), [
    ("svna.warehouse._swap_in:1", 0),  # committed, nothing swapped in yet
    ("svna.warehouse._swap_in:3", 2),  # exports and validation report new, the rest old
])
def test_a_refresh_killed_in_a_committed_publication_is_finished_by_the_next_run(
        states, tmp_path, point, swapped):
    _, good, held, reference = states
    base = copy_state(good, tmp_path / "area", held)
    before = published(base)

    proc = start_paused(base, point)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    journal = json.loads((base / "processed" / JOURNAL_FILE).read_text())
    assert journal["state"] == "committed"
    order = [Path(item["dest"]).relative_to(base.resolve()).as_posix()
             for item in journal["items"]]
    assert order == ["processed/exports", "reports/validation",
                     "reports/assessments/riverford-and-eastmere", "processed/warehouse.duckdb"]
    now = published(base)
    for index, dest in enumerate(order):  # each output whole: new if swapped in, else old
        files = [k for k in before if k == dest or k.startswith(dest + "/")]
        changed = [k for k in files if now.get(k) != before[k]]
        assert (changed != []) == (index < swapped), dest

    after = cli(base)
    assert after.returncode == 0, after.stderr
    assert "unfinished publication of run" in after.stderr and "finished" in after.stderr
    assert "unchanged" in after.stdout  # the killed run's committed work kept, not redone
    assert leftovers(base) == []
    assert_same_outputs(base, reference)


def test_a_second_refresh_is_refused_while_one_runs(states, tmp_path):
    _, good, held, _ = states
    base = copy_state(good, tmp_path / "area", held)
    first = start_paused(base, "after:ingest", release=True)
    try:
        second = cli(base)
        assert second.returncode == 2
        assert f"another refresh (process {first.pid}) is running on" in second.stderr
        assert "try again when it ends" in second.stderr
    finally:
        (base / "release").touch()
    out, err = first.communicate(timeout=PATIENCE)
    assert first.returncode == 0, err
    assert "succeeded" in out


def test_a_second_refresh_waits_when_configured_and_then_runs(states, tmp_path):
    _, good, held, _ = states
    base = copy_state(good, tmp_path / "area", held)
    write_config(base, "run: {on_lock: wait, wait_seconds: 600}\n")
    first = start_paused(base, "after:ingest", release=True)
    second_log = tmp_path / "second.err"
    with second_log.open("w") as err:
        second = subprocess.Popen([sys.executable, "-m", "svna.cli", "refresh", "--config",
                                   "area.yaml", "--no-prefect"], cwd=base, env=child_env(),
                                  stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        deadline = time.monotonic() + PATIENCE
        while "waiting up to" not in second_log.read_text() and second.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert second.poll() is None, second_log.read_text()  # it waits, it did not give up
        assert f"waiting up to 600 s for the refresh of process {first.pid}" in \
            second_log.read_text()
    finally:
        (base / "release").touch()
    first_out, first_err = first.communicate(timeout=PATIENCE)
    second_out, _ = second.communicate(timeout=PATIENCE)
    assert first.returncode == 0 and "succeeded" in first_out, first_err
    assert second.returncode == 0, second_log.read_text()
    assert "unchanged" in second_out  # it ran after the first, on what the first published


def test_a_wait_that_runs_out_is_refused_with_how_long_it_waited(states, tmp_path):
    _, good, held, _ = states
    base = copy_state(good, tmp_path / "area", held)
    write_config(base, "run: {on_lock: wait, wait_seconds: 1}\n")
    first = start_paused(base, "after:ingest", release=True)
    try:
        second = cli(base)
    finally:
        (base / "release").touch()
    first.communicate(timeout=PATIENCE)
    assert second.returncode == 2
    assert f"another refresh (process {first.pid}) is running on" in second.stderr
    assert "after waiting 1 s" in second.stderr


# --- publication itself, in process: fast checks of the journal's two outcomes ---------------

def built(folder: Path, text: str) -> Path:
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "table.csv").write_text(text)
    (folder / "warehouse.duckdb").write_text(text)
    return folder


def test_publish_replaces_every_output_and_leaves_nothing_behind(tmp_path):
    processed = tmp_path / "processed"
    for run, text in (("r1", "first"), ("r2", "second")):
        work = built(tmp_path / run, text)
        warehouse.publish(processed, run, [(work / "exports", processed / "exports"),
                                           (work / "warehouse.duckdb",
                                            processed / "warehouse.duckdb")])
    assert (processed / "exports" / "table.csv").read_text() == "second"
    assert (processed / "warehouse.duckdb").read_text() == "second"
    assert sorted(p.name for p in processed.iterdir()) == ["exports", "warehouse.duckdb"]


@pytest.mark.skipif(not Path("/dev/shm").is_dir() or
                    os.stat("/dev/shm").st_dev == os.stat(tempfile.gettempdir()).st_dev,
                    reason="needs /dev/shm on another file system than the temporary folder")
def test_publish_copies_to_another_file_system(tmp_path):
    reports = Path(tempfile.mkdtemp(dir="/dev/shm")) / "reports"
    try:
        for run, text in (("r1", "first"), ("r2", "second")):
            work = built(tmp_path / run, text)
            warehouse.publish(tmp_path / "processed", run, [(work / "exports", reports)])
        assert (reports / "table.csv").read_text() == "second"
        assert [p.name for p in reports.parent.iterdir()] == ["reports"]
    finally:
        shutil.rmtree(reports.parent)


@pytest.mark.parametrize(("state", "expected"), [("staging", "old"), ("committed", "new")])
def test_recovery_undoes_an_uncommitted_publication_and_finishes_a_committed_one(
        tmp_path, state, expected):
    processed = tmp_path / "processed"
    built(processed, "old")  # what is published
    new = built(tmp_path / "new", "new")
    plan = [{"staged": str(processed / ".exports.new-r9"), "dest": str(processed / "exports"),
             "old": str(processed / ".exports.old-r9")},
            {"staged": str(processed / ".warehouse.duckdb.new-r9"),
             "dest": str(processed / "warehouse.duckdb"),
             "old": str(processed / ".warehouse.duckdb.old-r9")}]
    shutil.move(new / "exports", plan[0]["staged"])
    shutil.move(new / "warehouse.duckdb", plan[1]["staged"])
    if state == "committed":  # killed in step 4: exports moved aside, not yet replaced
        os.replace(processed / "exports", plan[0]["old"])
    (processed / JOURNAL_FILE).write_text(json.dumps({"run_id": "r9", "state": state,
                                                      "items": plan}))
    assert warehouse.recover_publication(processed) == state
    assert (processed / "exports" / "table.csv").read_text() == expected
    assert (processed / "warehouse.duckdb").read_text() == expected
    assert sorted(p.name for p in processed.iterdir()) == ["exports", "warehouse.duckdb"]
    assert warehouse.recover_publication(processed) is None  # nothing left to do


def test_a_publication_that_fails_before_its_commit_is_undone_at_once(tmp_path, monkeypatch):
    processed = built(tmp_path / "processed", "old")
    work = built(tmp_path / "work", "new")
    moves = []

    def disk_full_on_second_move(src, dest):
        if moves:
            raise OSError(28, "No space left on device")
        moves.append(dest)
        shutil.move(src, dest)

    monkeypatch.setattr(warehouse, "_move", disk_full_on_second_move)
    with pytest.raises(OSError, match="No space left"):
        warehouse.publish(processed, "r3", [(work / "exports", processed / "exports"),
                                            (work / "warehouse.duckdb",
                                             processed / "warehouse.duckdb")])
    assert moves == [processed / ".exports.new-r3"]  # one output had been staged...
    assert sorted(p.name for p in processed.iterdir()) == ["exports", "warehouse.duckdb"]
    assert (processed / "exports" / "table.csv").read_text() == "old"  # ...and was removed
