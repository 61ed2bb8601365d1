"""The Prefect flow, under Prefect's test harness: the four stages run as task runs of one
flow run, and the CLI drives the same flow."""

from __future__ import annotations

import pytest
import yaml

from svna import demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    base = tmp_path_factory.mktemp("flow")
    demo.generate_demo_data(base / "raw", months=14, end_month="2025-06")
    path = base / "area.yaml"
    path.write_text(yaml.safe_dump({
        "area": {"name": demo.DEMO_AREA_NAME, "districts": [c for c, _ in demo.DEMO_DISTRICTS]},
        "paths": {"raw": "raw", "processed": "processed", "reports": "reports"}}))
    return path


def test_refresh_flow_runs_each_stage_as_a_task(harness, config_file):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from svna.flows import refresh_flow

    state = refresh_flow(str(config_file), base_dir=str(config_file.parent), return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["status"] == "succeeded"
    assert (config_file.parent / "reports" / "assessments" / "riverford-and-eastmere" /
            "baseline.html").exists()
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[flow_run.id])))
    assert flow_run.name and sorted(t.name.split("-")[0] for t in tasks) == [
        "assess", "ingest", "report", "validate"]
    assert all(t.state.is_completed() for t in tasks)


def test_cli_refresh_through_prefect_reports_unchanged_and_prints_the_report_path(
        harness, config_file, capsys, monkeypatch):
    from svna.cli import main

    monkeypatch.chdir(config_file.parent)  # relative paths in a config are read from here
    report = config_file.parent / "reports/assessments/riverford-and-eastmere/baseline.html"
    written = report.stat().st_mtime_ns
    assert main(["refresh", "--config", str(config_file)]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [str(report)]
    assert report.stat().st_mtime_ns == written  # nothing new: the report is left as it was


def test_cli_reports_a_bad_config_clearly(tmp_path, capsys):
    from svna.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("area: {name: X, districts: [E07000008]}\nschedule: monthly\n")
    assert main(["refresh", "--config", str(bad), "--no-prefect"]) == 2
    assert "schedule: unknown setting" in capsys.readouterr().err
