"""Prefect flows: thin orchestration of the plain functions in svna.pipeline."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from svna import pipeline
from svna.config import load_config


def _as_task(name: str, function, *args):
    """Each stage becomes a Prefect task run; the DuckDB connection cannot be cached."""
    return task(function, name=name, cache_policy=NO_CACHE, persist_result=False)(*args)


@flow(name="svna-refresh", persist_result=False)
def refresh_flow(config_path: str, force: bool = False, base_dir: str | None = None) -> dict:
    """Ingest, validate, assess and report for the area named in the config file."""
    logger = get_run_logger()
    config = load_config(Path(config_path), Path(base_dir) if base_dir else None)
    result = pipeline.refresh(config, force=force, stage_runner=_as_task)
    summary = pipeline.summarise(result)
    for line in summary["lines"]:
        logger.info(line)
    return summary
