"""Prefect flows: thin orchestration of the plain functions in svna.pipeline, with a run
summary and links as artifacts, and notifications (svna.notify) on failure or failed files.
A config of many areas builds them in a subflow ("svna-areas") whose task runner is chosen by
the config's `run` section: threads here, or Dask workers (prefect-dask) on a local cluster
or a scheduler's address."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run as current_flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from svna import notify, pipeline, run_summary
from svna.config import Config, Notify, Run, load_config

# Prefect gives the loggers in PREFECT_LOGGING_EXTRA_LOGGERS its handlers but not a level: left
# unset, svna's per-file progress (INFO) would be dropped from the run's logs.
if logging.getLogger("svna").level == logging.NOTSET:
    logging.getLogger("svna").setLevel(logging.INFO)


def _as_task(name: str, function, *args):
    """Each stage becomes a Prefect task run; the DuckDB connection cannot be cached."""
    return task(function, name=name, cache_policy=NO_CACHE, persist_result=False)(*args)


def task_runner_for(run: Run, dask_address: str | None = None, areas: int | None = None):
    """The task runner of the areas: threads, a local Dask cluster of `run.workers` processes
    (no more than there are areas), or the Dask scheduler at an address (the CLI's, else the
    config's)."""
    address = dask_address or run.dask_address
    workers = min(run.workers, areas or run.workers)
    if not address and run.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise RuntimeError("the Dask task runner needs prefect-dask: pip install prefect-dask"
                           ) from None
    if address:
        return DaskTaskRunner(address=address)
    # one single-threaded process per worker: pandas and rendering hold the GIL; no dashboard
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "processes": True,
                                          "threads_per_worker": 1, "dashboard_address": None})


build_area_task = task(pipeline.build_area, name="area", cache_policy=NO_CACHE,
                       persist_result=False,
                       task_run_name="area {area_config[area][name]}")


@flow(name="svna-areas", persist_result=False)
def areas_flow(calls: list[dict]) -> list[dict]:
    """Assess and report each area (pipeline.build_area) with this flow's task runner; waits
    for every area before raising the first failure, so none is still writing into the run's
    folder when the refresh removes it."""
    futures = [build_area_task.submit(**call) for call in calls]
    wait(futures)
    return [future.result() for future in futures]


def _areas_as_tasks(config: Config, dask_address: str | None):
    """An area_runner for pipeline.refresh: the areas as task runs of the svna-areas subflow."""

    def run(calls: list[dict]) -> list[dict]:
        runner = task_runner_for(config.run, dask_address, areas=len(calls))
        return areas_flow.with_options(task_runner=runner)(calls)

    return run


def _notify_failure(flow, flow_run, state) -> None:
    """on_failure/on_crashed hook: the run, the area and Prefect's message, to the webhook."""
    params = flow_run.parameters or {}
    base = params.get("base_dir")
    try:
        config = load_config(Path(params["config_path"]), Path(base) if base else None)
        settings, area = config.notify, config.label
    except Exception as exc:  # a broken config is a failure to report too
        settings, area = Notify(), f"(config {params.get('config_path')} unreadable: {exc})"
    notify.send(settings, "failure", notify.payload(
        "failure", area=area, flow_run=flow_run.name, message=state.message))


def _publish_run(config: Config, summary: dict, headline: bool) -> None:
    """Markdown summary and links to the outputs as artifacts, for each area; a notification
    if files failed validation."""
    logger = get_run_logger()
    name = current_flow_run.get_name()
    shared = config.paths.processed / "warehouse.duckdb"
    failed = []
    for area in config.area_list:
        warehouse = shared
        if config.many_areas and headline:  # the area's headline figures are in its own
            warehouse = pipeline.area_warehouse_path(config, area)
        facts = run_summary.RunFacts([], [], [])
        if warehouse.exists():
            facts = run_summary.read_facts(warehouse, summary["run_id"], headline=headline)
        failed = facts.failed
        report = summary.get("reports", {}).get(area.name, summary["report"])
        slug = area.slug
        create_markdown_artifact(
            run_summary.markdown(facts, summary | {"report": report}, area.name, flow_run=name),
            key=f"svna-{slug}-run-summary", description=f"svna run {summary['run_id']}")
        for path, what in ((report, "assessment"),
                           (summary["validation_report"], "validation-report")):
            if Path(path).exists():
                create_link_artifact(Path(path).resolve().as_uri(),
                                     link_text=f"{what}: {path}", key=f"svna-{slug}-{what}",
                                     description=f"{what} of run {summary['run_id']}")
    if failed:  # the same files for every area: told once
        logger.warning("%d file(s) failed validation: %s", len(failed),
                       ", ".join(f["path"] for f in failed))
        notify.send(config.notify, "failed_validation", notify.payload(
            "failed_validation", area=config.label, run_id=summary["run_id"],
            flow_run=name, failed_files=failed))


@flow(name="svna-refresh", persist_result=False,
      on_failure=[_notify_failure], on_crashed=[_notify_failure])
def refresh_flow(config_path: str, force: bool = False, base_dir: str | None = None,
                 dask_address: str | None = None) -> dict:
    """Ingest, validate, assess and report for the area, or each of the areas, named in the
    config file; `dask_address` sends the areas to that Dask scheduler."""
    logger = get_run_logger()
    config = load_config(Path(config_path), Path(base_dir) if base_dir else None)
    result = pipeline.refresh(config, force=force, stage_runner=_as_task,
                              area_runner=_areas_as_tasks(config, dask_address))
    summary = pipeline.summarise(result)
    for line in summary["lines"]:
        logger.info(line)
    _publish_run(config, summary, headline=True)
    return summary


@flow(name="svna-validate", persist_result=False,
      on_failure=[_notify_failure], on_crashed=[_notify_failure])
def validate_flow(config_path: str, base_dir: str | None = None) -> dict:
    """Ingest and validate files that arrived since the last run and publish the validation
    report; nothing is read or written when no file is new (safe to schedule often)."""
    logger = get_run_logger()
    config = load_config(Path(config_path), Path(base_dir) if base_dir else None)
    try:
        result = pipeline.validate_new_files(config, stage_runner=_as_task)
    except pipeline.RefreshLocked as busy:  # the next scheduled run will find the files
        logger.info("not now: %s", busy)
        return {"status": "busy", "message": str(busy)}
    summary = pipeline.summarise(result)
    if result.status == "no new files":
        logger.info("no new or changed files under %s", config.paths.raw)
        return summary
    for line in summary["lines"]:
        logger.info(line)
    _publish_run(config, summary, headline=False)
    return summary
