"""Many areas in one config: ingested and validated once, each area assessed and reported on
its own copy of the warehouse, in parallel (threads, or Dask workers through prefect-dask),
and published all together or not at all."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from pathlib import Path

import duckdb
import pytest
import yaml
from prefect.client.schemas.filters import FlowRunFilter

from svna import pipeline
from svna.config import Config, ConfigError, load_config

from conftest import STREET_HEADER, street_row, write_csv, write_reference
from independent import exported_counts, lad_lookup, monthly_counts

NORTH = ["E07000008", "E07000009"]
SOUTH = ["E07000010", "E07000011"]
ELSEWHERE = "E07000012"  # a district in the files but in neither area
# two LSOAs per district: (lsoa, district, district name, population, IMD decile)
LSOAS = [(f"E0100000{i + 1}", lad, f"District {lad[-1]}", 1500 + 100 * i, 1 + i)
         for i, lad in enumerate(d for d in [*NORTH, *SOUTH, ELSEWHERE] for _ in range(2))]
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
TYPES = ["Violence and sexual offences", "Robbery", "Burglary"]


def records(month_index: int, lsoa_index: int, type_index: int) -> int:
    """Records of a type in an LSOA in a month: 1 to 4 in the North, one more in the South
    (so the two areas' figures differ), two more elsewhere."""
    return (month_index + 2 * lsoa_index + type_index) % 4 + 1 + lsoa_index // 4


def write_police_uk(raw: Path) -> None:
    serial = 0
    for m, month in enumerate(MONTHS):
        rows = []
        for i, (lsoa, *_) in enumerate(LSOAS):
            for t, crime_type in enumerate(TYPES):
                for _ in range(records(m, i, t)):
                    serial += 1
                    rows.append(street_row(f"{serial:064x}", month, lsoa, crime_type))
        serial += 1
        rows.append(street_row(f"{serial:064x}", month, None, "Robbery"))  # no location
        write_csv(raw / "police_uk" / month / f"{month}-test-street.csv", STREET_HEADER, rows)


def areas_config(base: Path, **run) -> dict:
    return {"areas": [{"name": "North Partnership", "districts": NORTH},
                      {"name": "South Partnership", "districts": SOUTH}],
            "paths": {"raw": str(base / "raw"), "processed": str(base / "processed"),
                      "reports": str(base / "reports")},
            "report": {"pdf": False},
            "run": run}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("areas-raw") / "raw"
    write_reference(folder, LSOAS)
    write_police_uk(folder)
    return folder


def fresh_base(tmp_path: Path, raw: Path) -> Path:
    shutil.copytree(raw, tmp_path / "raw")
    return tmp_path


@pytest.fixture(scope="module")
def published(tmp_path_factory, raw):
    """One refresh of both areas, two at a time in threads."""
    base = fresh_base(tmp_path_factory.mktemp("areas"), raw)
    config = Config.model_validate(areas_config(base, workers=2))
    return base, config, pipeline.refresh(config)


# --- the config ------------------------------------------------------------------------------

def test_a_config_names_one_area_or_many_not_both_nor_neither(tmp_path):
    path = tmp_path / "c.yaml"
    for data, message in (
            ({"area": {"name": "A", "districts": NORTH},
              "areas": [{"name": "B", "districts": SOUTH}]}, "either 'area"),
            ({"paths": {}}, "either 'area"),
            ({"areas": []}, "either 'area"),
            ({"areas": [{"name": "North", "districts": NORTH},
                        {"name": "north!", "districts": SOUTH}]}, r"\['north'\] used twice"),
            ({"areas": [{"name": "A", "districts": NORTH}],
              "interventions": [{"name": "x", "start": "2025-01", "measure": "all_crime",
                                 "covers": {"districts": NORTH}}]}, "under the area")):
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_config(path, tmp_path)


def test_for_area_gives_the_single_area_config_with_its_own_interventions(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({
        "areas": [{"name": "North", "districts": NORTH,
                   "interventions": [{"name": "n", "start": "2025-03", "measure": "all_crime",
                                      "covers": {"districts": NORTH[:1]}}]},
                  {"name": "South", "districts": SOUTH}],
        "run": {"task_runner": "dask", "workers": 4}}), encoding="utf-8")
    config = load_config(path, tmp_path)
    assert config.many_areas and [a.slug for a in config.area_list] == ["north", "south"]
    north, south = (config.for_area(a) for a in config.area_list)
    assert (north.area.name, north.area.districts, north.areas) == ("North", NORTH, [])
    assert [i.name for i in north.interventions] == ["n"] and south.interventions == []
    assert north.paths == config.paths and north.run.workers == 4
    # a single-area config of its own, as build_area receives it
    assert Config.model_validate(north.model_dump(mode="json")) == north
    assert pipeline.report_path(north) == tmp_path / "reports/assessments/north/baseline.html"


# --- the refresh -----------------------------------------------------------------------------

def test_each_areas_monthly_export_equals_an_independent_count_of_its_districts(published, raw):
    base, config, result = published
    assert result.status == "succeeded"
    street = list((raw / "police_uk").rglob("*-street.csv"))
    lad = lad_lookup(raw / "reference")
    for area, districts in (("north-partnership", NORTH), ("south-partnership", SOUTH)):
        exported, rows = exported_counts(
            base / "processed" / "exports" / area / "police_uk_monthly.csv")
        assert exported == monthly_counts(street, lad, districts)
        assert rows == len(MONTHS) * 2 * len(TYPES)  # month x district x type, zeros too
        assert {k[1] for k in exported} == set(districts)
    # by hand: North, 2025-01 (m=0), E07000008 = LSOAs 0 and 1, robbery (t=1):
    # records(0,0,1) = 1%4+1 = 2 and records(0,1,1) = 3%4+1 = 4, so 6
    north, _ = exported_counts(base / "processed/exports/north-partnership/police_uk_monthly.csv")
    assert north[("2025-01", "E07000008", "Robbery")] == 6
    # South, E07000010 = LSOAs 4 and 5: (0+8+1)%4+1+1 = 3 and (0+10+1)%4+1+1 = 5, so 8
    south, _ = exported_counts(base / "processed/exports/south-partnership/police_uk_monthly.csv")
    assert south[("2025-01", "E07000010", "Robbery")] == 8


def test_both_reports_and_one_validation_report_are_published(published):
    base, config, result = published
    reports = base / "reports" / "assessments"
    assert result.reports == {"North Partnership": reports / "north-partnership/baseline.html",
                              "South Partnership": reports / "south-partnership/baseline.html"}
    for name, report in result.reports.items():
        html = report.read_text(encoding="utf-8")
        assert name in html
        other = ({"North Partnership", "South Partnership"} - {name}).pop()
        assert other not in html
        assert (report.parent / pipeline.MULTIAGENCY_FILE).exists()
    assert (base / "reports" / "validation" / "index.html").exists()
    for slug in ("north-partnership", "south-partnership"):
        assert (base / "processed" / "areas" / slug / "warehouse.duckdb").exists()
    assert not (base / "processed" / "exports" / "police_uk_monthly.csv").exists()
    assert not list((base / "processed").glob(".run-*"))
    summary = pipeline.summarise(result)
    assert "assessment of South Partnership: " + str(result.reports["South Partnership"]) in \
        summary["lines"]
    assert {"ingest", "validate", "areas", "assess north-partnership",
            "report south-partnership"} <= set(result.timings)


def test_the_areas_read_the_rows_staged_once_in_the_shared_warehouse_without_copies(published):
    base, _, result = published
    assert "shared models" in result.timings
    shared = duckdb.connect(str(result.warehouse), read_only=True)
    try:
        staged = shared.execute("SELECT count(*) FROM staging.police_uk_street").fetchone()[0]
        active = shared.execute(
            "SELECT count(*) FROM raw.police_uk_street AS r JOIN meta.files AS f "
            "ON f.file_id = r._file_id AND f.active").fetchone()[0]
        held = shared.execute("SELECT list(file_id ORDER BY file_id) FROM meta.model_files "
                              "WHERE model = 'police_uk_street'").fetchone()[0]
        in_use = shared.execute("SELECT list(file_id ORDER BY file_id) FROM meta.files WHERE "
                                "active AND dataset = 'police_uk_street'").fetchone()[0]
        lookup = shared.execute("SELECT count(*) FROM marts.lsoa_lookup").fetchone()[0]
    finally:
        shared.close()
    assert staged == active > 0 and held == in_use and lookup > 0
    for slug in ("north-partnership", "south-partnership"):
        area = duckdb.connect(str(base / "processed" / "areas" / slug / "warehouse.duckdb"),
                              read_only=True)
        try:
            schemas = {s for s, in area.execute(
                "SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
            views = area.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal")
            assert views.fetchone()[0] == 0  # nothing left pointing at the shared file
            marts = area.execute("SELECT count(*) FROM marts.fct_street_records").fetchone()[0]
            lsoas = area.execute("SELECT count(*) FROM marts.dim_lsoa").fetchone()[0]
            tables = {t for t, in area.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        finally:
            area.close()
        assert "raw" not in schemas and "marts" in schemas  # the rows were read, not copied
        assert marts == staged and lsoas == lookup
        # the models shared by every area were built once, in the shared warehouse
        assert not tables & {"stop_search_places", "force_people_latest", "lsoa_lookup"}


def test_a_rerun_with_nothing_new_is_unchanged_and_publishes_the_same(published):
    base, config, _ = published
    outputs = [base / "processed/exports/north-partnership/police_uk_monthly.csv",
               base / "reports/assessments/south-partnership/baseline.html"]
    before = {p: digest(p) for p in outputs}
    again = pipeline.refresh(config)
    assert again.status == "unchanged"
    assert "areas" not in again.timings
    assert {p: digest(p) for p in outputs} == before


def test_each_area_keeps_its_own_headline_history_across_runs(published):
    base, config, first = published

    def headlines(slug):
        con = duckdb.connect(str(base / "processed/areas" / slug / "warehouse.duckdb"),
                             read_only=True)
        try:
            return con.execute("SELECT run_id, measure, label, period, events FROM "
                               "meta.headlines ORDER BY ALL").fetchall()
        finally:
            con.close()

    before = {slug: headlines(slug) for slug in ("north-partnership", "south-partnership")}
    assert {r[0] for r in before["north-partnership"]} == {first.run_id}
    assert before["north-partnership"] != before["south-partnership"]
    second = pipeline.refresh(config, force=True)
    for slug, rows in before.items():
        after = headlines(slug)
        assert {r[0] for r in after} == {first.run_id, second.run_id}
        assert [r for r in after if r[0] == first.run_id] == rows  # carried over, not mixed


def test_a_failure_in_one_areas_assessment_publishes_nothing(published, monkeypatch):
    base, config, _ = published
    watched = [p for p in (base / "processed").rglob("*") if p.is_file()
               and pipeline.LOCK_FILE not in p.name] + \
        [p for p in (base / "reports").rglob("*") if p.is_file()]
    before = {p: digest(p) for p in watched}
    real_assess = pipeline.stage_assess

    def south_fails(con, area_config, **options):
        if area_config.area.name == "South Partnership":
            raise RuntimeError("South's assessment broke")
        return real_assess(con, area_config, **options)

    monkeypatch.setattr(pipeline, "stage_assess", south_fails)
    with pytest.raises(RuntimeError, match="South's assessment broke"):
        pipeline.refresh(config, force=True)  # North is built, then nothing is published
    assert {p: digest(p) for p in watched} == before
    assert not list((base / "processed").glob(".run-*"))
    assert not list((base / "processed").rglob(".*.new-*"))


# --- through Prefect -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def flow_config(tmp_path: Path, raw: Path, **run) -> Path:
    base = fresh_base(tmp_path, raw)
    path = base / "areas.yaml"
    path.write_text(yaml.safe_dump(areas_config(base, **run)), encoding="utf-8")
    return path


def get_client_sync():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def area_task_runs(flow_run_id) -> tuple:
    """The svna-areas subflow run of a refresh flow run, and its task runs."""
    from prefect.client.schemas.filters import FlowRunFilterParentFlowRunId

    with get_client_sync() as client:
        [child] = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])))
        return child, client.read_task_runs(flow_run_filter=FlowRunFilter(
            id={"any_": [child.id]}))


def check_flow_outputs(path: Path, raw: Path, state):
    assert state.is_completed()
    summary = state.result()
    assert summary["status"] == "succeeded"
    base = path.parent
    street = list((raw / "police_uk").rglob("*-street.csv"))
    lad = lad_lookup(raw / "reference")
    for slug, districts in (("north-partnership", NORTH), ("south-partnership", SOUTH)):
        exported, _ = exported_counts(base / "processed/exports" / slug / "police_uk_monthly.csv")
        assert exported == monthly_counts(street, lad, districts)
        assert (base / "reports/assessments" / slug / "baseline.html").exists()
    child, tasks = area_task_runs(state.state_details.flow_run_id)
    assert sorted(t.name for t in tasks) == ["area North Partnership", "area South Partnership"]
    assert all(t.state.is_completed() for t in tasks)
    return child


@pytest.mark.slow
def test_the_flow_builds_the_areas_as_task_runs_in_threads(harness, tmp_path, raw):
    from svna.flows import refresh_flow

    path = flow_config(tmp_path, raw, task_runner="threads", workers=2)
    state = refresh_flow(str(path), base_dir=str(path.parent), return_state=True)
    child = check_flow_outputs(path, raw, state)
    assert child.name and child.flow_id
    host_pid = f"{socket.gethostname()}:{os.getpid()}"
    assert set(state.result()["built_by"].values()) == {host_pid}  # threads of this process
    with get_client_sync() as client:
        keys = {a.key for a in client.read_artifacts(flow_run_filter=FlowRunFilter(
            id={"any_": [state.state_details.flow_run_id]}))}
    assert {"svna-north-partnership-run-summary", "svna-south-partnership-assessment",
            "svna-south-partnership-validation-report"} <= keys


@pytest.mark.slow
def test_the_flow_builds_the_areas_on_a_local_dask_cluster(harness, tmp_path, raw):
    pytest.importorskip("prefect_dask", reason="prefect-dask is not installed")
    from svna.flows import refresh_flow

    path = flow_config(tmp_path, raw, task_runner="dask", workers=2)
    state = refresh_flow(str(path), base_dir=str(path.parent), return_state=True)
    check_flow_outputs(path, raw, state)
    built_by = state.result()["built_by"]
    # LocalCluster(n_workers=2, processes=True): each area in a worker process, not this one
    assert len(built_by) == 2 and f"{socket.gethostname()}:{os.getpid()}" not in \
        built_by.values()


@pytest.mark.slow
def test_the_flow_sends_the_areas_to_a_running_dask_scheduler(harness, tmp_path, raw):
    pytest.importorskip("prefect_dask", reason="prefect-dask is not installed")
    from distributed import Client, LocalCluster

    from svna.flows import refresh_flow

    path = flow_config(tmp_path, raw)  # the config says threads: the address wins
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address -> its process id
        workers = {f"{socket.gethostname()}:{pid}" for pid in pids.values()}
        state = refresh_flow(str(path), base_dir=str(path.parent), return_state=True,
                             dask_address=cluster.scheduler_address)
    check_flow_outputs(path, raw, state)
    assert len(workers) == 2 and set(state.result()["built_by"].values()) <= workers


def test_the_cli_passes_the_dask_address_to_the_flow(tmp_path, raw, monkeypatch):
    import svna.flows
    from svna.cli import main

    path = flow_config(tmp_path, raw)
    calls = []

    def recording_flow(config_path, **options):
        calls.append((config_path, options))
        return {"report": "r", "reports": {}, "lines": []}

    monkeypatch.setattr(svna.flows, "refresh_flow", recording_flow)
    assert main(["refresh", "--config", str(path), "--dask-address", "tcp://10.0.0.5:8786"]) == 0
    assert calls == [(str(path), {"force": False, "base_dir": str(Path.cwd()),
                                  "dask_address": "tcp://10.0.0.5:8786"})]


def test_the_cli_without_prefect_builds_every_area_and_prints_their_reports(
        tmp_path, raw, capsys, monkeypatch):
    from svna.cli import main

    path = flow_config(tmp_path, raw, workers=1)  # one at a time: sequential
    monkeypatch.chdir(path.parent)
    assert main(["refresh", "--config", str(path), "--no-prefect",
                 "--dask-address", "tcp://127.0.0.1:1"]) == 2
    assert "--dask-address runs the areas through Prefect" in capsys.readouterr().err
    assert main(["refresh", "--config", str(path), "--no-prefect"]) == 0
    out = capsys.readouterr().out
    for slug, name in (("north-partnership", "North"), ("south-partnership", "South")):
        report = path.parent / "reports/assessments" / slug / "baseline.html"
        assert f"assessment of {name} Partnership: {report}" in out and report.exists()


def test_validation_alone_and_status_work_on_a_config_of_many_areas(tmp_path, raw):
    from svna.status import render, status

    config = Config.model_validate(areas_config(fresh_base(tmp_path, raw)))
    result = pipeline.validate_new_files(config)
    assert result.status == "validated" and result.validation_report.exists()
    assert not (tmp_path / "reports" / "assessments").exists()  # nothing assessed
    report = status(config)
    assert report["area"] == "North Partnership, South Partnership"
    assert report["pending"] == [] and "North Partnership, South Partnership" in render(report)


def test_the_task_runner_follows_the_run_settings_and_the_address():
    from prefect.task_runners import ThreadPoolTaskRunner

    from svna.config import Run
    from svna.flows import task_runner_for

    threads = task_runner_for(Run(workers=8), areas=3)
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 3
    prefect_dask = pytest.importorskip("prefect_dask", reason="prefect-dask is not installed")
    local = task_runner_for(Run(task_runner="dask", workers=2), areas=43)
    assert isinstance(local, prefect_dask.DaskTaskRunner) and local.address is None
    assert local.cluster_kwargs["n_workers"] == 2 and local.cluster_kwargs["processes"]
    remote = task_runner_for(Run(), dask_address="tcp://10.0.0.5:8786")  # the CLI's wins
    assert remote.address == "tcp://10.0.0.5:8786"
