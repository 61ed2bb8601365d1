"""The Prefect flow, under Prefect's test harness: the four stages run as task runs of one
flow run, and the CLI drives the same flow."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml
from test_notify import Receiver

from svna import demo

pytestmark = pytest.mark.slow
BROKEN = "police_uk/2025-07/2025-07-riverford-street.csv"  # a delivery without its last column


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="module")
def webhook():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def config_file(tmp_path_factory, webhook):
    base = tmp_path_factory.mktemp("flow")
    demo.generate_demo_data(base / "raw", months=14, end_month="2025-06")
    good = (base / "raw" / "police_uk/2025-06/2025-06-riverford-street.csv").read_text()
    broken = base / "raw" / BROKEN
    broken.parent.mkdir(parents=True)
    broken.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in good.splitlines()))
    path = base / "area.yaml"
    path.write_text(yaml.safe_dump({
        "area": {"name": demo.DEMO_AREA_NAME, "districts": [c for c, _ in demo.DEMO_DISTRICTS]},
        "paths": {"raw": "raw", "processed": "processed", "reports": "reports"},
        "notify": {"webhook_url": webhook.url}}))
    return path


def artifacts_of(flow_run_id) -> dict[str, object]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[flow_run_id])))
    return {a.key: a for a in found}


def test_refresh_flow_runs_each_stage_as_a_task(harness, config_file, webhook):
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
    # the run's summary and links to its outputs, as artifacts of the flow run
    artifacts = artifacts_of(flow_run.id)
    slug = "riverford-and-eastmere"
    assert sorted(artifacts) == [f"svna-{slug}-assessment", f"svna-{slug}-run-summary",
                                 f"svna-{slug}-validation-report"]
    text = artifacts[f"svna-{slug}-run-summary"].data
    assert artifacts[f"svna-{slug}-run-summary"].type == "markdown"
    assert text.startswith("# svna succeeded: Riverford and Eastmere")
    assert f"flow run {flow_run.name}" in text
    assert f"| {BROKEN} | police_uk_street | expect_table_columns_to_match_ordered_list" in text
    assert "| Serious violence | 2024-07 to 2025-06 |" in text  # 14 months: no comparison
    link = artifacts[f"svna-{slug}-assessment"]
    # Prefect 3 stores a link artifact as markdown: [text](link)
    assert (config_file.parent / "reports/assessments" / slug / "baseline.html").as_uri() in (
        link.data)
    # and the data owners are told about the broken file
    [event] = webhook.events()
    assert (event["event"], event["area"], event["flow_run"]) == (
        "failed_validation", "Riverford and Eastmere", flow_run.name)
    assert [f["path"] for f in event["failed_files"]] == [BROKEN]
    assert os.environ["SVNA_PSEUDONYM_KEY"] not in json.dumps(event)


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


def test_a_failed_run_is_notified_with_its_flow_run_and_area(harness, tmp_path):
    from svna.flows import refresh_flow

    with Receiver() as webhook:
        path = tmp_path / "area.yaml"
        path.write_text(yaml.safe_dump({
            "area": {"name": "Nowhere", "districts": ["E07000008"]},
            "paths": {"raw": "missing"}, "notify": {"webhook_url": webhook.url}}))
        state = refresh_flow(str(path), base_dir=str(tmp_path), return_state=True)
        assert state.is_failed()
        [raw] = [body for _, _, body in webhook.bodies]
    event = json.loads(raw)
    assert (event["event"], event["area"]) == ("failure", "Nowhere")
    assert event["flow_run"] and event["flow_run"] in event["text"]
    assert f"raw data folder {tmp_path / 'missing'} does not exist" in event["message"]
    assert os.environ["SVNA_PSEUDONYM_KEY"] not in raw


def test_validate_flow_does_nothing_without_new_files_and_validates_new_ones(
        harness, config_file, webhook):
    from svna.flows import validate_flow

    base = config_file.parent
    before = len(webhook.bodies)
    quiet = validate_flow(str(config_file), base_dir=str(base))
    assert quiet["status"] == "no new files"
    report = base / "reports" / "validation" / "index.html"
    written = report.stat().st_mtime_ns
    # a re-delivered June outcomes file without its last column: read, failed, reported
    good = base / "raw" / "police_uk/2025-06/2025-06-riverford-outcomes.csv"
    redelivered = base / "raw" / "police_uk/2025-06/2025-06-riverford-outcomes-v2.csv"
    shutil.copy(good, redelivered)
    redelivered.write_text("".join(line.rsplit(",", 1)[0] + "\n"
                                   for line in good.read_text().splitlines()))
    state = validate_flow(str(config_file), base_dir=str(base), return_state=True)
    summary = state.result()
    assert summary["status"] == "validated"
    assert report.stat().st_mtime_ns > written
    assert "2025-06-riverford-outcomes-v2.csv" in report.read_text()
    text = artifacts_of(state.state_details.flow_run_id)[
        "svna-riverford-and-eastmere-run-summary"].data
    assert text.startswith("# svna validated: Riverford and Eastmere")
    assert "## Headline changes" not in text
    [event] = [json.loads(b) for _, _, b in webhook.bodies[before:]]
    assert [f["path"] for f in event["failed_files"]] == [
        "police_uk/2025-06/2025-06-riverford-outcomes-v2.csv"]
