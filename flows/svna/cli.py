"""svna command line: `svna refresh --config FILE` and `svna demo`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
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


def _run(config_path: Path, base_dir: Path, use_prefect: bool, force: bool) -> dict:
    from svna.config import load_config

    load_config(config_path, base_dir)  # fail fast, before Prefect starts, on a bad config
    if use_prefect:
        from svna.flows import refresh_flow

        summary = refresh_flow(str(config_path), force=force, base_dir=str(base_dir))
        logging.getLogger("prefect").setLevel(logging.WARNING)  # quiet server shutdown at exit
        return summary | {"lines": []}  # the flow run has logged them already
    from svna import pipeline

    return pipeline.summarise(pipeline.refresh(load_config(config_path, base_dir), force=force))


def main(argv: list[str] | None = None) -> int:
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    parser = argparse.ArgumentParser(prog="svna", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    refresh = sub.add_parser("refresh", help="ingest, validate, assess and report")
    refresh.add_argument("--config", required=True, type=Path, help="the area's YAML config")
    demo = sub.add_parser("demo", help="generate the synthetic demo data and refresh on it")
    for p in (refresh, demo):
        p.add_argument("--no-prefect", action="store_true",
                       help="run the stages directly, without a Prefect flow run")
        p.add_argument("--force", action="store_true",
                       help="rebuild the assessment even if nothing changed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("svna", "prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.INFO)
    from svna.config import ConfigError
    from svna.pipeline import RefreshLocked

    try:
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
        summary = _run(config_path, base_dir, not args.no_prefect, args.force)
    except (ConfigError, RefreshLocked, FileNotFoundError, MissingKeyError) as exc:
        print(f"svna: {exc}", file=sys.stderr)
        return 2
    for line in summary["lines"]:
        print(line)
    print(summary["report"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
