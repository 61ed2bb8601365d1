"""Wall time of building 2 and 4 areas one after another and in parallel: threads without
Prefect, and through the Prefect flow on threads and on a local Dask cluster (prefect-dask,
one single-threaded worker process per area slot). The data are the synthetic demo's, or the
real Cambridgeshire 2024 files with --realdata (present only in ../shared/realdata). The
figure compared is the fan-out alone (timings["areas"]: copies, assess, report), after one
run that ingested and validated; ingest and validation happen once whatever the areas.

    PYTHONPATH=flows python benchmarks/areas.py [--realdata] [--pdf] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from svna import demo, pipeline
from svna.config import load_config

from _common import REALDATA, link_realdata

CAMBRIDGESHIRE = ["E07000008", "E07000009", "E07000010", "E07000011", "E07000012",
                  "E06000031"]


def areas_of(districts: list[str], count: int) -> list[dict]:
    """`count` areas of (nearly) equal numbers of districts, e.g. two halves, four quarters."""
    groups = [districts[i::count] for i in range(count)]
    return [{"name": f"Area {i + 1}", "districts": g} for i, g in enumerate(groups) if g]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", action="store_true")
    parser.add_argument("--pdf", action="store_true", help="also write the PDFs (slower)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--counts", default="2,4", help="numbers of areas, e.g. 2,4")
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect runs")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="svna-bench-prefect-"))
    for key, value in (("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                       ("GX_ANALYTICS_ENABLED", "false"), ("DO_NOT_TRACK", "1"),
                       ("PREFECT_LOGGING_LEVEL", "WARNING"),
                       ("SVNA_PSEUDONYM_KEY", "svna-demo-key-for-synthetic-data-only")):
        os.environ.setdefault(key, value)
    base = Path(tempfile.mkdtemp(prefix="svna-bench-areas-"))
    raw = base / "raw"
    if args.realdata:
        if not (REALDATA / "police-uk" / "cambridgeshire").is_dir():
            print(f"{REALDATA} is absent", file=sys.stderr)
            return 2
        link_realdata(raw)
        districts, source = CAMBRIDGESHIRE, "real Cambridgeshire 2024 (police.uk, 12 months)"
    else:
        demo.generate_demo_data(raw)
        districts = [c for c, _ in demo.DEMO_DISTRICTS]
        source = "synthetic demo (36 months, every source)"
    print(f"data: {source}; {os.cpu_count()} CPUs (shared); under {base}")

    def config_file(count: int, **run) -> Path:
        path = base / f"areas-{count}.yaml"
        path.write_text(yaml.safe_dump({
            "areas": areas_of(districts, count),
            "paths": {"raw": str(raw), "processed": str(base / "processed"),
                      "reports": str(base / "reports")},
            "report": {"pdf": args.pdf}, "run": run}), encoding="utf-8")
        return path

    started = time.perf_counter()
    first = pipeline.refresh(load_config(config_file(1)))
    print(f"first run (ingest {first.timings['ingest']:.1f} s, validate "
          f"{first.timings['validate']:.1f} s, 1 area {first.timings['areas']:.1f} s) "
          f"in {time.perf_counter() - started:.1f} s\n")

    rows = []
    for count in (int(c) for c in args.counts.split(",")):
        variants = [("sequential (no Prefect)", dict(workers=1), False),
                    (f"threads x{args.workers} (no Prefect)", dict(workers=args.workers), False)]
        if not args.no_flow:
            variants += [
                (f"Prefect threads x{args.workers}",
                 dict(task_runner="threads", workers=args.workers), True),
                (f"Prefect Dask LocalCluster {args.workers} processes",
                 dict(task_runner="dask", workers=args.workers), True)]
        for label, run, through_prefect in variants:
            path = config_file(count, **run)
            started = time.perf_counter()
            if through_prefect:
                from svna.flows import refresh_flow

                timings = refresh_flow(str(path), force=True, base_dir=str(base))["timings"]
            else:
                timings = pipeline.refresh(load_config(path), force=True).timings
            total = time.perf_counter() - started
            each = [v for k, v in timings.items() if k.startswith(("assess ", "report "))]
            rows.append((count, label, timings["areas"], sum(each), total))
            print(f"{count} areas, {label:<40} areas {timings['areas']:7.1f} s "
                  f"(sum of the areas' stages {sum(each):6.1f} s), whole run {total:6.1f} s",
                  flush=True)
    print("\nspeed-up of the areas' fan-out against sequential:")
    for count in sorted({r[0] for r in rows}):
        sequential = next(r[2] for r in rows if r[0] == count and r[1].startswith("sequential"))
        for _, label, seconds, _, _ in (r for r in rows if r[0] == count):
            print(f"  {count} areas, {label:<40} x{sequential / seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
