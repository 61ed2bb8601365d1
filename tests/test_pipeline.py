"""The refresh end to end on the synthetic demo data: what it publishes, that a re-run
changes nothing, a new month is added, and a failure leaves the last good outputs alone."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path

import pytest

from svna import demo, pipeline
from svna.config import Config

from independent import exported_counts, lad_lookup, monthly_counts

DISTRICTS = [code for code, _ in demo.DEMO_DISTRICTS]


def config_for(base: Path) -> Config:
    return Config.model_validate({
        "area": {"name": demo.DEMO_AREA_NAME, "districts": DISTRICTS},
        "paths": {"raw": str(base / "raw"), "processed": str(base / "processed"),
                  "reports": str(base / "reports")},
    })


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One refresh over 26 demo months, the last month held back for the increment test."""
    base = tmp_path_factory.mktemp("demo")
    info = demo.generate_demo_data(base / "raw", months=26, end_month="2025-12")
    held = base / "held-back"
    shutil.move(base / "raw" / "police_uk" / "2025-12", held)
    config = config_for(base)
    return base, config, pipeline.refresh(config), held, info


def test_refresh_publishes_report_validation_exports_and_warehouse(published):
    base, config, result, _, info = published
    assert result.status == "succeeded"
    assert result.report == base / "reports" / "assessments" / "riverford-and-eastmere" / \
        "baseline.html"
    html = result.report.read_text(encoding="utf-8")
    assert demo.DEMO_AREA_NAME in html and "<svg" in html
    assert (base / "reports" / "validation" / "index.html").exists()
    manifest = list(csv.DictReader((base / "reports" / "validation" / "manifest.csv").open()))
    delivered = {m["path"].split("#")[0] for m in manifest}  # a workbook's sheets: one each
    assert delivered == {f for f in info["files"] if "/2025-12/" not in f
                         and f.endswith((".csv", ".xlsx", ".parquet"))}
    assert all(len(m["sha256"]) == 64 and int(m["rows_read"]) >= int(m["rows_loaded"])
               for m in manifest)
    assert result.warehouse.exists()
    dictionary = list(csv.DictReader((result.exports_dir / "data_dictionary.csv").open()))
    for export in result.exports_dir.glob("*.csv"):
        if export.name == "data_dictionary.csv":
            continue
        header = next(csv.reader(export.open()))
        documented = {d["column"] for d in dictionary if d["file"] == export.name}
        assert set(header) == documented, export.name
    # types in plain words, from the warehouse: a column blank in this first run is still text
    type_of = {(d["file"], d["column"]): d["type"] for d in dictionary}
    assert type_of["police_uk_monthly.csv", "incidents"] == "integer"
    assert type_of["since_last.csv", "previous_run"] == "text"
    assert type_of["deprivation.csv", "sv_rate_per_1000"] == "number"
    assert {d["type"] for d in dictionary} <= {"text", "integer", "number", "boolean"}
    assert not list((base / "processed").glob(".run-*"))


def test_contract_export_matches_an_independent_count_of_the_csv_rows(published):
    base, _, result, _, info = published
    exported, rows = exported_counts(result.exports_dir / "police_uk_monthly.csv")
    street = list((base / "raw" / "police_uk").rglob("*-street.csv"))
    expected = monthly_counts(street, lad_lookup(base / "raw" / "reference"), DISTRICTS)
    assert exported == expected
    header = next(csv.reader((result.exports_dir / "police_uk_monthly.csv").open()))
    assert header == ["month", "lad_code", "lad_name", "crime_type", "incidents"]
    types = {k[2] for k in expected}
    assert rows == 25 * len(DISTRICTS) * len(types)  # every month x district x type, zeros too


def test_rerun_without_new_files_changes_nothing(published):
    _, config, first, _, _ = published
    before = {p: digest(p) for p in (first.report, first.exports_dir / "police_uk_monthly.csv")}
    again = pipeline.refresh(config)
    assert again.status == "unchanged"
    assert again.ingest.unchanged == again.ingest.seen and not again.ingest.loaded
    assert "assess" not in again.timings and "report" not in again.timings
    assert {p: digest(p) for p in before} == before


def test_a_failed_run_leaves_the_published_outputs_as_they_were(published, monkeypatch):
    base, config, first, held, _ = published
    shutil.copytree(held, base / "raw" / "police_uk" / "2025-12")  # new data arrives...
    before = {p: digest(p) for p in (first.report, first.warehouse,
                                     first.exports_dir / "police_uk_monthly.csv")}

    def broken_report(*args):
        raise RuntimeError("disk full while rendering")

    monkeypatch.setattr(pipeline, "stage_report", broken_report)
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.refresh(config)
    assert {p: digest(p) for p in before} == before  # ...but the failed run published nothing
    assert not list((base / "processed").glob(".run-*"))
    assert not (base / "processed" / pipeline.LOCK_FILE).exists()


def test_the_next_run_adds_the_new_month(published):
    base, config, first, _, _ = published
    result = pipeline.refresh(config)
    assert result.status == "succeeded"
    assert [Path(p).parent.name for p in result.ingest.loaded] == ["2025-12"] * 3
    exported, _ = exported_counts(result.exports_dir / "police_uk_monthly.csv")
    months = sorted({k[0] for k in exported})
    assert months[-1] == "2025-12" and len(months) == 26


def test_a_bad_redelivery_fails_validation_and_the_good_version_stays(published):
    base, config, _, _, _ = published
    monthly = base / "processed" / "exports" / "police_uk_monthly.csv"
    before, _ = exported_counts(monthly)
    bad = base / "raw" / "police_uk" / "2025-11" / "2025-11-riverford-street.csv"
    bad.write_bytes(bad.read_bytes().replace(b"Riverford Constabulary", b"Riverf\xf6rd"))
    result = pipeline.refresh(config)
    assert result.validation["failed"] == 1
    after, _ = exported_counts(monthly)
    assert after == before  # the earlier good delivery of 2025-11 is still the one counted
    report = result.validation_report.read_text(encoding="utf-8")
    assert "2025-11-riverford-street.csv" in report and "not UTF-8 text: line 2" in report


def test_a_second_refresh_while_one_runs_is_refused(published):
    base, config, _, _, _ = published
    with pipeline._Lock(base / "processed"):  # an OS lock: held as another process holds it
        with pytest.raises(pipeline.RefreshLocked, match="another refresh .* is running"):
            pipeline.refresh(config)


def test_a_count_published_in_two_tables_is_the_same_in_both(published):
    """schema.yml's same_counts: where both tables show a cell, it is the same count (or the
    sum of the other's cells: the declaration is right); where one hides it, so does the
    other."""
    import pandas as pd

    from svna import exports

    _, _, result, _, _ = published
    frames = {path.stem: pd.read_csv(path, keep_default_na=False, na_values=[""])
              for path in result.exports_dir.glob("*.csv")}
    links = exports.linked_cells(frames)
    compared = 0
    for link in links:
        (a, b), (count_a, count_b), (rows_a, rows_b) = link.tables, link.counts, link.rows
        pairs = pd.DataFrame({"a": rows_a, "b": rows_b})
        for i, group in pairs.groupby("a"):
            cell, parts = frames[a].iloc[i], frames[b].iloc[group["b"]]
            hidden = parts[f"{count_b}_suppressed"] == "yes"
            assert (cell[f"{count_a}_suppressed"] == "yes") == hidden.any(), (a, b, i)
            if not hidden.any():
                assert cell[count_a] == parts[count_b].sum(), (a, count_a, b, count_b, i)
            compared += 1
    assert {link.tables for link in links} >= {("disproportionality", "stop_search"),
                                               ("disproportionality", "suspect_outcomes"),
                                               ("headlines", "partner_rates"),
                                               ("since_last", "headlines"),
                                               ("partner_rates", "partner_comparison"),
                                               ("triangulation", "partner_monthly")}
    assert compared > 100


def test_the_documents_show_the_tables_as_the_exports_publish_them(published, tmp_path):
    """The refresh suppresses once, for the exports and both documents: given those tables, a
    document is the one it renders suppressing for itself, and a count hidden in them is
    hidden on its page."""
    import duckdb
    import pandas as pd

    from svna import exports
    from svna.report import render_baseline
    from svna.report_multiagency import render_multiagency

    _, config, result, _, _ = published
    common = {"config": config, "run_id": "r", "generated_at": "g", "validation_href": None}
    documents = {"baseline": (render_baseline, {}, "stop_search", "searches"),
                 "multiagency": (render_multiagency, {"baseline_href": None},
                                 "partner_comparison", "latest_12")}
    with duckdb.connect(result.warehouse, read_only=True) as con:
        tables = exports.publication(con, config.suppression.threshold)
        for name, (render, extra, table, count) in documents.items():
            def page(label, published=None, render=render, extra=extra, name=name):
                path = render(con, tmp_path / f"{name}-{label}.html", **common, **extra,
                              published=published)
                # a chart's gradient is named afresh by each render (Vega)
                return re.sub(r"\bf[0-9a-f]{8}-gradient_\d+", "gradient",
                              path.read_text(encoding="utf-8"))

            alone, given = page("alone"), page("given", tables)
            assert given == alone, name
            fewer = {n: f.copy() for n, f in tables.items()}
            area = fewer[table]["geography_level"] == "area"
            fewer[table].loc[area, count] = pd.NA
            fewer[table].loc[area, f"{count}_suppressed"] = "yes"
            assert page("fewer", fewer).count("[c]") > alone.count("[c]"), name


def test_no_hidden_count_can_be_worked_out_from_the_published_tables(published):
    """The disclosure audit over every published table at the default threshold (5) and a
    high one: no hidden count comes back exactly."""
    import duckdb

    from svna import disclosure, exports

    _, _, result, _, _ = published
    with duckdb.connect(result.warehouse, read_only=True) as con:
        frames = exports.read_tables(con, [t.name for t in exports.published_tables()])
    for threshold in (5, 30):
        exact = [e for e in disclosure.audit(frames, threshold) if e.exact and e.small]
        assert exact == [], threshold


def test_svna_audit_checks_the_published_warehouse(published, tmp_path, capsys):
    import yaml

    from svna.cli import main

    base, config, _, _, _ = published
    path = tmp_path / "area.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", include={"area", "paths"})))
    assert main(["audit", "--config", str(path), "--threshold", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{demo.DEMO_AREA_NAME}: 0 small hidden count(s) can be worked out "
                          "exactly at threshold 10; 0 larger one(s)")
    elsewhere = yaml.safe_load(path.read_text())
    elsewhere["paths"]["processed"] = str(tmp_path / "nothing-yet")
    path.write_text(yaml.safe_dump(elsewhere))
    assert main(["audit", "--config", str(path)]) == 2
    assert "nothing-yet/warehouse.duckdb: no published warehouse yet" in capsys.readouterr().err
