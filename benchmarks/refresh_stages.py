"""Wall time and peak memory of each stage of `svna refresh`, on the real Cambridgeshire 2024
files if ../shared/realdata is present, else on the synthetic demo data; then a re-run with
nothing new, and a run that adds one month.

    .venv/bin/python benchmarks/refresh_stages.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from svna import demo, pipeline
from svna.config import Config

from _common import REALDATA, link_realdata, measured_stage_runner


def main() -> int:
    # the force extracts are pseudonymised at ingest: no key, no run (synthetic data only here)
    os.environ.setdefault("SVNA_PSEUDONYM_KEY", "svna-demo-key-for-synthetic-data-only")
    base = Path(tempfile.mkdtemp(prefix="svna-bench-"))
    raw = base / "raw"
    if (REALDATA / "police-uk" / "cambridgeshire").is_dir():
        link_realdata(raw)
        source = "real Cambridgeshire 2024 (12 months)"
        districts = ["E07000008", "E07000009", "E07000010", "E07000011", "E07000012",
                     "E06000031"]
        name = "Cambridgeshire and Peterborough"
    else:
        demo.generate_demo_data(raw)
        source = "synthetic demo (36 months)"
        districts, name = [c for c, _ in demo.DEMO_DISTRICTS], demo.DEMO_AREA_NAME
    months = sorted(p.name for p in (raw / "police_uk").iterdir())
    held_back = base / "held"
    shutil.move(raw / "police_uk" / months[-1], held_back)
    config = Config.model_validate({"area": {"name": name, "districts": districts},
                                    "paths": {"raw": str(raw), "processed": str(base / "p"),
                                              "reports": str(base / "r")}})
    print(f"data: {source}, under {base}")

    def timed_run(label: str):
        figures: dict = {}
        started = time.perf_counter()
        result = pipeline.refresh(config, stage_runner=measured_stage_runner(figures))
        total = time.perf_counter() - started
        print(f"\n{label}: {result.status} in {total:.2f} s")
        for stage, (seconds, peak) in figures.items():
            print(f"  {stage:<9} {seconds:7.2f} s   peak RSS {peak:7.0f} MB")
        if result.ingest:
            s = result.ingest
            print(f"  files {s.seen} ({len(s.loaded)} loaded), rows loaded {s.rows_loaded:,},"
                  f" rejected {s.rows_rejected:,}")
        return total

    full = timed_run("full refresh (all but the last month)")
    timed_run("re-run, nothing new")
    shutil.move(held_back, raw / "police_uk" / months[-1])
    added = timed_run(f"one more month ({months[-1]})")
    print(f"\nadding a month cost {100 * added / full:.0f}% of the full refresh")
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
