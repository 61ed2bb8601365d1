"""Incremental staging models: a refresh adds the rows of new files and drops those of files no
longer in use, leaving the rest untouched, and the table always equals a rebuild from scratch.
Merge models: the same for the keys (Crime IDs) of new files' rows, or a rebuild whole when
anything else changed. And which models are shared by every area of many, built once.

A sentinel written into an old file's staged rows shows whether they were rebuilt: a rebuild
from raw would overwrite it."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from svna import datasets, ingest, models, validate, warehouse
from svna.config import Config
from svna.project import SQL_DIR

from conftest import (
    OUTCOMES_HEADER,
    STREET_HEADER,
    differs_from_rebuild,
    street_row,
    write_csv,
    write_reference,
)

LSOAS = [("E01000001", "E07000001", "Alpha", 1000, 3), ("E01000002", "E07000002", "Beta", 2000, 7)]
CONFIG = Config.model_validate({"area": {"name": "Test area", "districts": ["E07000001"]}})
SENTINEL = "not rebuilt"


def _street(raw: Path, month: str, crimes: int, prefix: str = "c") -> Path:
    rows = [street_row(f"{prefix}{month}-{i}", month, LSOAS[i % 2][0], "Robbery")
            for i in range(crimes)]
    return write_csv(raw / "police_uk" / month / f"{month}-test-street.csv", STREET_HEADER, rows)


def _refresh(con, raw: Path) -> None:
    declared = datasets.load_datasets()
    ingest.ingest(con, raw, declared, "run")
    validate.run_validation(con, declared, "run")
    ingest.activate(con, raw)
    models.run_models(con, CONFIG)


def _file_id(con, month: str) -> int:
    return con.execute("SELECT max(file_id) FROM meta.files WHERE path LIKE ?",
                       [f"police_uk/{month}/%"]).fetchone()[0]


def _mark(con, file_id: int) -> None:
    con.execute("UPDATE staging.police_uk_street SET location = ? WHERE file_id = ?",
                [SENTINEL, file_id])


def _marked(con) -> set[int]:
    return {f for f, in con.execute("SELECT DISTINCT file_id FROM staging.police_uk_street "
                                    "WHERE location = ?", [SENTINEL]).fetchall()}


@pytest.fixture
def built(tmp_path):
    raw = tmp_path / "raw"
    write_reference(raw, LSOAS)
    _street(raw, "2025-01", 4)
    _street(raw, "2025-02", 3)
    con = warehouse.connect(tmp_path / "w.duckdb")
    _refresh(con, raw)
    yield con, raw
    con.close()


def test_a_new_month_adds_its_rows_and_leaves_the_others(built):
    con, raw = built
    assert con.execute("SELECT count(*) FROM staging.police_uk_street").fetchone()[0] == 7
    january = _file_id(con, "2025-01")
    _mark(con, january)
    _street(raw, "2025-03", 5)
    _refresh(con, raw)
    assert _marked(con) == {january}  # January's rows were kept, not read again
    march = _file_id(con, "2025-03")
    months = dict(con.execute("SELECT month, count(*) FROM staging.police_uk_street "
                              "GROUP BY month").fetchall())
    assert months == {"2025-01": 4, "2025-02": 3, "2025-03": 5}
    assert con.execute("SELECT count(*) FROM staging.police_uk_street WHERE file_id = ?",
                       [march]).fetchone()[0] == 5
    con.execute("UPDATE staging.police_uk_street SET location = 'On or near High Street'")
    assert differs_from_rebuild(con, "police_uk_street") == []


def test_a_redelivered_file_replaces_its_rows_and_a_removed_one_loses_them(built):
    con, raw = built
    first_january = _file_id(con, "2025-01")
    _mark(con, _file_id(con, "2025-02"))
    corrected = _street(raw, "2025-01", 6, prefix="fixed")
    os.utime(corrected, ns=(1, 10**18))  # a later delivery of the same month
    (raw / "police_uk" / "2025-02" / "2025-02-test-street.csv").unlink()
    _refresh(con, raw)
    rows = con.execute("SELECT file_id, count(*) FROM staging.police_uk_street "
                       "GROUP BY file_id").fetchall()
    assert rows == [(_file_id(con, "2025-01"), 6)]
    assert _file_id(con, "2025-01") != first_january and _marked(con) == set()
    assert differs_from_rebuild(con, "police_uk_street") == []


def test_a_file_quarantined_differently_is_staged_again(built):
    con, raw = built
    january, february = _file_id(con, "2025-01"), _file_id(con, "2025-02")
    _mark(con, january)
    _mark(con, february)
    con.execute("INSERT INTO meta.quarantine VALUES (?, 2, 'a_new_check', 'Crime type')",
                [february])  # as if validated again under a stricter suite
    models.run_models(con, CONFIG)
    assert _marked(con) == {january}
    assert con.execute("SELECT list(line ORDER BY line) FROM staging.police_uk_street "
                       "WHERE file_id = ?", [february]).fetchone()[0] == [3, 4]
    con.execute("UPDATE staging.police_uk_street SET location = 'On or near High Street'")
    assert differs_from_rebuild(con, "police_uk_street") == []


def test_changed_sql_rebuilds_the_whole_table(built):
    con, _ = built
    _mark(con, _file_id(con, "2025-01"))
    con.execute("UPDATE meta.model_state SET sql_sha = 'an older version' "
                "WHERE model = 'police_uk_street'")
    models.run_models(con, CONFIG)
    assert _marked(con) == set()
    assert differs_from_rebuild(con, "police_uk_street") == []


# --- merge models: fct_street_records and fct_crime_outcomes, keyed by Crime ID ------------
def _outcomes(raw: Path, month: str, crimes: list[str]) -> Path:
    rows = [[crime, month, "Test Constabulary", "Test Constabulary", "0.1", "52.2",
             "On or near High Street", LSOAS[0][0], "x", "Suspect charged"] for crime in crimes]
    return write_csv(raw / "police_uk" / month / f"{month}-test-outcomes.csv", OUTCOMES_HEADER,
                     rows)


def _mark_records(con) -> None:
    con.execute("UPDATE marts.fct_street_records SET location = ?", [SENTINEL])


def _marked_crimes(con) -> set[str]:
    return {c for c, in con.execute("SELECT crime_id FROM marts.fct_street_records "
                                    "WHERE location = ?", [SENTINEL]).fetchall()}


def _both_as_rebuilt(con) -> bool:
    con.execute("UPDATE marts.fct_street_records SET location = 'On or near High Street' "
                "WHERE location = ?", [SENTINEL])
    return differs_from_rebuild(con, "fct_street_records") == [] \
        and differs_from_rebuild(con, "fct_crime_outcomes") == []


def test_a_new_month_replaces_only_the_crimes_in_its_files(built, caplog):
    """March repeats January's crime 0 (a duplicate, since January's copy came first) and
    brings an outcome for January's crime 1: only those two and March's own are rebuilt."""
    con, raw = built
    _mark_records(con)
    write_csv(raw / "police_uk" / "2025-03" / "2025-03-test-street.csv", STREET_HEADER, [
        street_row("c2025-03-0", "2025-03", LSOAS[0][0], "Robbery"),
        street_row("c2025-01-0", "2025-03", LSOAS[0][0], "Robbery"),
        street_row(None, "2025-03", None, "Robbery"),
    ])
    _outcomes(raw, "2025-03", ["c2025-01-1"])
    with caplog.at_level(logging.INFO, logger="svna.models"):
        _refresh(con, raw)
    assert "marts.fct_street_records: merged the crime_id of 1 new file(s)" in caplog.text
    assert "marts.fct_crime_outcomes: merged the crime_id of 2 new file(s)" in caplog.text
    january = {f"c2025-01-{i}" for i in range(4)}
    february = {f"c2025-02-{i}" for i in range(3)}
    assert _marked_crimes(con) == (january | february) - {"c2025-01-0"}
    assert dict(con.execute("SELECT month, is_duplicate FROM marts.fct_street_records "
                            "WHERE crime_id = 'c2025-01-0'").fetchall()) == {
        "2025-01": False, "2025-03": True}
    assert con.execute("SELECT count(*) FROM marts.fct_street_records WHERE crime_id IS NULL"
                       ).fetchone()[0] == 1
    assert con.execute("SELECT outcome FROM marts.fct_crime_outcomes "
                       "WHERE crime_id = 'c2025-01-1'").fetchall() == [("Suspect charged",)]
    assert _both_as_rebuilt(con)


def test_a_redelivered_file_or_a_new_force_rebuilds_the_merge_models(built, caplog):
    con, raw = built
    _mark_records(con)
    corrected = _street(raw, "2025-01", 2, prefix="fixed")
    os.utime(corrected, ns=(1, 10**18))  # a later delivery of January
    with caplog.at_level(logging.INFO, logger="svna.models"):
        _refresh(con, raw)
    assert ("marts.fct_street_records: rebuilt whole, as 1 file(s) were removed, re-delivered "
            "or validated again") in caplog.text
    assert _marked_crimes(con) == set()
    assert _both_as_rebuilt(con)
    _mark_records(con)
    # a second force places a record in the area: the forces kept change, all is rebuilt
    write_csv(raw / "police_uk" / "2025-03" / "2025-03-other-street.csv", STREET_HEADER, [
        street_row("o1", "2025-03", LSOAS[0][0], "Robbery", force="Other Police")])
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="svna.models"):
        _refresh(con, raw)
    assert "marts.fct_street_records: rebuilt whole, as street_area_forces changed" in caplog.text
    assert _marked_crimes(con) == set()
    assert con.execute("SELECT count(*) FROM marts.fct_street_records WHERE force = "
                       "'other'").fetchone()[0] == 1  # the force is named in the file's name
    assert _both_as_rebuilt(con)


def test_a_merge_model_is_rebuilt_when_its_source_is(built, tmp_path):
    con, _ = built
    _mark_records(con)
    sql_dir = shutil.copytree(SQL_DIR, tmp_path / "sql")
    with (sql_dir / "staging" / "police_uk_street.sql").open("a") as fh:
        fh.write("\n-- a new version\n")
    models.run_models(con, CONFIG, sql_dir)
    assert _marked_crimes(con) == set()
    assert _both_as_rebuilt(con)


def test_a_merge_model_reads_its_sources_with_changed_and_the_rest_with_ref(tmp_path):
    for layer in models.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "staging" / "s.sql").write_text(
        '{{ config(materialized="incremental") }} SELECT * FROM {{ active("police_uk_street") }}')
    (tmp_path / "marts" / "t.sql").write_text("SELECT 1 AS k")
    merge = '{{ config(materialized="merge", key="k") }} '
    for sql, error in [
        (merge + "SELECT * FROM {{ ref('s') }}", "a merge model has a key"),
        ('{{ config(materialized="merge") }} SELECT * FROM {{ changed("s") }}',
         "a merge model has a key"),
        (merge + "SELECT * FROM {{ changed('s') }} JOIN cfg.districts USING (k)",
         "a merge model has a key"),
        (merge + "SELECT * FROM {{ changed('t') }}", "changed\\('t'\\) names no incremental"),
        ("SELECT * FROM {{ changed('s') }}", "changed\\(\\) is for merge models"),
    ]:
        (tmp_path / "marts" / "m.sql").write_text(sql)
        with pytest.raises(models.ModelError, match=f"m.sql: {error}"):
            models.render_all(models.discover_models(tmp_path))


def test_an_incremental_model_must_read_one_dataset_alone(tmp_path):
    for layer in models.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "staging" / "a.sql").write_text("SELECT 1 AS file_id")
    (tmp_path / "staging" / "b.sql").write_text(
        '{{ config(materialized="incremental") }} SELECT * FROM {{ ref("a") }}')
    with pytest.raises(models.ModelError, match="b.sql: an incremental model reads one"):
        models.render_all(models.discover_models(tmp_path))
    (tmp_path / "staging" / "b.sql").write_text('{{ config(materialized="view") }} SELECT 1')
    with pytest.raises(models.ModelError, match="materialized must be table, incremental or merge"):
        models.render_all(models.discover_models(tmp_path))


def test_models_reading_no_config_are_shared_by_every_area_and_built_alone(tmp_path):
    """A model is an area's own when it reads the area's config (cfg.districts, ...) or
    meta.headlines, or a model that is; the rest, settings shared by every area included, are
    built once for many areas, and an area then builds only its own."""
    for layer in models.LAYERS:
        (tmp_path / layer).mkdir()
    files = {
        "staging/s.sql": "SELECT 1 AS file_id, 'E07000001' AS lad_code",
        "marts/lookup.sql": "SELECT * FROM {{ ref('s') }}",
        "marts/flagged.sql": "SELECT l.*, d.lad_code IS NOT NULL AS in_area FROM "
                             "{{ ref('lookup') }} AS l LEFT JOIN cfg.districts AS d "
                             "USING (lad_code)",
        "marts/after_flag.sql": "SELECT count(*) AS n FROM {{ ref('flagged') }}",
        "assessment/history.sql": "SELECT count(*) AS n FROM meta.headlines",
        "assessment/from_lookup.sql": "SELECT count(*) AS n FROM {{ ref('lookup') }}",
        "assessment/youth.sql": "SELECT value AS youth_under FROM cfg.settings "
                                "WHERE key = 'youth_under'",
    }
    for name, sql in files.items():
        (tmp_path / name).write_text(sql)
    assert sorted(models.shared_models(tmp_path)) == [
        "assessment.from_lookup", "assessment.youth", "marts.lookup", "staging.s"]
    shared = warehouse.connect()
    assert models.run_shared_models(shared, CONFIG, tmp_path) == models.shared_models(tmp_path)
    assert shared.execute("SELECT youth_under FROM assessment.youth").fetchall() == [
        (CONFIG.people.youth_under,)]
    assert shared.execute("SELECT count(*) FROM cfg.districts").fetchall() == [(0,)]
    area = warehouse.connect()
    area.execute("CREATE SCHEMA staging; CREATE SCHEMA marts; "
                 "CREATE VIEW staging.s AS SELECT 1 AS file_id, 'E07000001' AS lad_code; "
                 "CREATE VIEW marts.lookup AS SELECT * FROM staging.s")
    built = models.run_models(area, CONFIG, tmp_path, shared_built=True)
    assert sorted(built) == ["assessment.history", "marts.after_flag", "marts.flagged"]
    assert area.execute("SELECT in_area FROM marts.flagged").fetchall() == [(True,)]
