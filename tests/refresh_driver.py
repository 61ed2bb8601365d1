"""Test driver: `svna refresh --config FILE --no-prefect` (or, with --prefect, as a Prefect flow
run) that stops at a chosen point, says so by writing --signal, and waits there until
--release exists (or until it is killed).

  python tests/refresh_driver.py --config FILE --signal FILE [--release FILE] --pause-at POINT

POINT is `after:<stage>` (the stage has finished writing to the run's private copy) or
`<module>.<function>:<n>` (just before the n-th call of that module-level function, e.g.
`svna.ingest._ingest_table:10`, in the middle of a stage or of the publication). Used by
tests/test_atomic.py to kill a real refresh at a known moment; nothing in svna knows of it.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import time
from pathlib import Path


def pause(signal: Path, release: Path | None) -> None:
    signal.write_text(str(os.getpid()))
    while release is None or not release.exists():
        time.sleep(0.05)


def pause_after_stage(stage: str, signal: Path, release: Path | None):
    def runner(name, function, *args):
        value = function(*args)
        if name == stage:
            pause(signal, release)
        return value
    return runner


def pause_before_call(target: str, signal: Path, release: Path | None) -> None:
    dotted, nth = target.rsplit(":", 1)
    module_name, function_name = dotted.rsplit(".", 1)
    module = importlib.import_module(module_name)
    original = getattr(module, function_name)  # AttributeError: the point no longer exists
    calls = 0

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == int(nth):
            pause(signal, release)
        return original(*args, **kwargs)

    setattr(module, function_name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--signal", required=True, type=Path)
    parser.add_argument("--release", type=Path)
    parser.add_argument("--pause-at", required=True)
    parser.add_argument("--prefect", action="store_true")
    args = parser.parse_args()
    from svna import cli, pipeline

    if args.pause_at.startswith("after:"):
        pausing = pause_after_stage(args.pause_at.removeprefix("after:"), args.signal,
                                    args.release)
        original = pipeline.refresh

        def refresh(*positional, stage_runner=pipeline._run_directly, **named):
            # the CLI's own runner (it logs the stages) runs each stage; this one pauses after
            def runner(name, function, *stage_args):
                return pausing(name, functools.partial(stage_runner, name, function),
                               *stage_args)
            return original(*positional, stage_runner=runner, **named)

        pipeline.refresh = refresh
    else:
        pause_before_call(args.pause_at, args.signal, args.release)
    return cli.main(["refresh", "--config", args.config]
                    + ([] if args.prefect else ["--no-prefect"]))


if __name__ == "__main__":
    sys.exit(main())
