"""svna command line: `svna refresh --config FILE`, `svna validate --config FILE`,
`svna status --config FILE` and `svna demo`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from svna.project import PROJECT_ROOT
from svna.pseudonymise import KEY_VARIABLE, MissingKeyError

DEMO_CONFIG = PROJECT_ROOT / "config" / "demo.yaml"
DEMO_KEY = "svna-demo-key-for-synthetic-data-only"
QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "svna",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


class _ProgressBar(logging.Filter):
    """On a terminal, per-file progress records (ingest's `progress`) redraw one bar instead
    of scrolling a line per file; elsewhere (a log file, a pipe) every line is kept."""

    WIDTH = 30

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.open = False

    def filter(self, record: logging.LogRecord) -> bool:
        progress = getattr(record, "progress", None)
        if progress is None:
            if self.open:  # another message: finish the bar's line first
                self.stream.write("\n")
                self.open = False
            return True
        done, total = progress
        filled = self.WIDTH * done // max(total, 1)
        self.stream.write(f"\r  reading files [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{done}/{total}")
        self.stream.flush()
        self.open = done < total
        if not self.open:
            self.stream.write("\n")
        return False


def _setup_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("svna", "prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger("distributed").setLevel(logging.WARNING)  # a Dask cluster's chatter
    if sys.stderr.isatty():
        for handler in logging.getLogger().handlers:
            handler.addFilter(_ProgressBar(sys.stderr))


def _logged_stage(name: str, function, *args):
    """Without Prefect, say when each stage starts and how long it took."""
    log = logging.getLogger("svna.cli")
    log.info("%s: started", name)
    started = time.perf_counter()
    value = function(*args)
    log.info("%s: done in %.1f s", name, time.perf_counter() - started)
    return value


def _validate(config_path: Path, base_dir: Path, use_prefect: bool) -> dict:
    from svna.config import load_config

    config = load_config(config_path, base_dir)
    if use_prefect:
        from svna.flows import validate_flow

        summary = validate_flow(str(config_path), base_dir=str(base_dir))
        logging.getLogger("prefect").setLevel(logging.WARNING)
        return summary | {"lines": [], "report": summary["validation_report"]}
    from svna import pipeline

    summary = pipeline.summarise(pipeline.validate_new_files(config,
                                                             stage_runner=_logged_stage))
    return summary | {"report": summary["validation_report"]}


def _status(config_path: Path, base_dir: Path, max_lag: int, as_json: bool) -> int:
    from svna.config import load_config
    from svna.status import render, status

    report = status(load_config(config_path, base_dir), max_lag_months=max_lag)
    print(json.dumps(report, default=str, indent=1) if as_json else render(report), end="")
    return 0


def _audit(config_path: Path, base_dir: Path, threshold: int | None) -> int:
    """Exit code 1 when a small hidden count can be worked out exactly."""
    from svna import disclosure
    from svna.config import load_config

    config = load_config(config_path, base_dir)
    threshold = threshold or config.suppression.threshold
    found = disclosure.audit_published(config, threshold)
    print(disclosure.render(found, threshold), end="")
    return 1 if any(e.exact and e.small for exposures in found.values() for e in exposures) \
        else 0


def _run(config_path: Path, base_dir: Path, use_prefect: bool, force: bool,
         dask_address: str | None = None) -> dict:
    from svna.config import ConfigError, load_config

    config = load_config(config_path, base_dir)  # fail fast, before Prefect starts
    if dask_address and not use_prefect:
        raise ConfigError("--dask-address runs the areas through Prefect: drop --no-prefect")
    if not use_prefect and (config.run.dask_address or config.run.task_runner == "dask"):
        logging.getLogger("svna.cli").warning(
            "without Prefect the areas are built in %d threads, not by Dask", config.run.workers)
    if use_prefect:
        from svna.flows import refresh_flow

        summary = refresh_flow(str(config_path), force=force, base_dir=str(base_dir),
                               dask_address=dask_address)
        logging.getLogger("prefect").setLevel(logging.WARNING)  # quiet server shutdown at exit
        return summary | {"lines": []}  # the flow run has logged them already
    from svna import pipeline

    return pipeline.summarise(pipeline.refresh(load_config(config_path, base_dir), force=force,
                                               stage_runner=_logged_stage))


def main(argv: list[str] | None = None) -> int:
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    parser = argparse.ArgumentParser(prog="svna", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    refresh = sub.add_parser("refresh", help="ingest, validate, assess and report")
    refresh.add_argument("--config", required=True, type=Path,
                         help="the YAML config of the area or areas")
    refresh.add_argument("--dask-address", metavar="ADDRESS",
                         help="build the areas on this Dask scheduler (e.g. tcp://host:8786), "
                              "whose workers see the same folders")
    demo = sub.add_parser("demo", help="generate the synthetic demo data and refresh on it")
    validate = sub.add_parser("validate", help="read and validate new files only, and write "
                                               "the validation report (no assessment)")
    validate.add_argument("--config", required=True, type=Path, help="the area's YAML config")
    show = sub.add_parser("status", help="last runs, coverage of each source, validation "
                                         "state of each file, what is overdue")
    show.add_argument("--config", required=True, type=Path, help="the area's YAML config")
    show.add_argument("--max-lag", type=int, default=3, metavar="MONTHS",
                      help="a source whose latest month is more than this many months before "
                           "this month is overdue (default 3)")
    show.add_argument("--json", action="store_true", help="print the status as JSON")
    audit = sub.add_parser("audit", help="check that no suppressed count in the published "
                                         "tables can be worked out from the others")
    audit.add_argument("--config", required=True, type=Path, help="the area's YAML config")
    audit.add_argument("--threshold", type=int, help="audit as if suppressed at this threshold "
                                                     "(default: the config's)")
    for p in (refresh, demo, validate):
        p.add_argument("--no-prefect", action="store_true",
                       help="run the stages directly, without a Prefect flow run")
    for p in (refresh, demo):
        p.add_argument("--force", action="store_true",
                       help="rebuild the assessment even if nothing changed")
    args = parser.parse_args(argv)
    _setup_logging()
    from svna.config import ConfigError
    from svna.pipeline import RefreshLocked
    from svna.status import StatusError

    try:
        if args.command == "status":
            return _status(args.config, Path.cwd(), args.max_lag, args.json)
        if args.command == "audit":
            return _audit(args.config, Path.cwd(), args.threshold)
        if args.command == "validate":
            summary = _validate(args.config, Path.cwd(), not args.no_prefect)
            for line in summary["lines"]:
                print(line)
            print(summary["report"])
            return 0
        if args.command == "demo":
            from svna.demo import generate_demo_data

            generate_demo_data(PROJECT_ROOT / "data" / "demo" / "raw")
            if not os.environ.get(KEY_VARIABLE):
                # synthetic people only: a fixed key keeps the demo's pseudonyms stable
                os.environ[KEY_VARIABLE] = DEMO_KEY
                print(f"svna: demo data, so {KEY_VARIABLE} is set to the demo key; "
                      "set your own secret for real data", file=sys.stderr)
            config_path, base_dir = DEMO_CONFIG, PROJECT_ROOT
        else:
            config_path, base_dir = args.config, Path.cwd()
        summary = _run(config_path, base_dir, not args.no_prefect, args.force,
                       getattr(args, "dask_address", None))
    except (ConfigError, RefreshLocked, FileNotFoundError, StatusError, MissingKeyError) as exc:
        print(f"svna: {exc}", file=sys.stderr)
        return 2
    for line in summary["lines"]:
        print(line)
    for report in summary.get("reports", {}).values() or [summary["report"]]:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
