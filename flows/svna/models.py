"""Runs the SQL models in sql/ (staging -> marts -> assessment), dbt-style: each file is one
SELECT, materialised as a table named after the file, in dependency order found from ref().

A model that reads one dataset's raw rows row by row (no ref(), no grouping across files) may
declare {{ config(materialized="incremental") }}: its table then keeps the rows of files
still in use and adds those of newly active files only, as dbt's incremental models do. It
is rebuilt whole when its SQL changes.

A model keyed by a column whose rows for a key come only from its sources' rows of that key
may declare {{ config(materialized="merge", key="<column>") }} and read those sources (the
incremental or merge models it grows with) through changed() instead of ref(): when the
sources have only gained files since it was built, and its other inputs are as they were, it
replaces just the keys found in the new files' rows. Anything else rebuilds it whole.

A model that reads none of an area's own config (its name, districts and interventions) nor
its headline history, itself or through the models it refers to, is the same for every area:
with many areas it is built once, in the shared warehouse (run_shared_models), and each area
reads it from there. The other settings (cfg.settings, the definition, age bands) are the same
for every area of a config."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb
import jinja2

from svna.bulk import insert_rows
from svna.config import Config
from svna.project import SQL_DIR
from svna.stats import poisson_ci, proportion_ci, ratio_ci
from svna.warehouse import first_row, quote_ident, register_function

log = logging.getLogger(__name__)

LAYERS = ("staging", "marts", "assessment")
# what makes a model an area's own rather than shared by every area
AREA_INPUTS = re.compile(
    r"\bcfg\.(area|districts|interventions|intervention_units)\b|\bmeta\.headlines\b")
# tables a merge model would read without ref(), so unseen by its check of what changed
OUTSIDE_REFS = re.compile(r"\b(cfg|seeds|meta|raw)\.")


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"


@dataclass(frozen=True)
class Increment:
    """How an incremental model is brought up to date: its dataset, and its SQL restricted to
    the raw rows of the files listed in the temporary table svna_increment."""
    dataset: str
    sql: str


@dataclass(frozen=True)
class Merge:
    """How a merge model is brought up to date: its key, the sources it grows with, its other
    inputs (whose content must not have changed), and its SQL restricted by changed() to the
    sources' rows of the keys in svna_keys (and keyless rows of the files in svna_new_files)."""
    key: str
    sources: tuple[str, ...]
    inputs: tuple[str, ...]
    sql: str


class ModelError(RuntimeError):
    pass


def discover_models(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    models: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            if path.stem in models:
                raise ModelError(f"{path}: a model named {path.stem} exists already")
            models[path.stem] = Model(path.stem, layer, path)
    return models


def _active_rows(dataset: str, increment: bool = False) -> str:
    """Raw rows of the files that passed validation and are the current delivery, without
    the rows validation quarantined; with `increment`, of the files in svna_increment only."""
    only = " AND _f.file_id IN (SELECT file_id FROM svna_increment)" if increment else ""
    return (
        f"(SELECT _r.*, _f.delivery_key AS _delivery_key FROM raw.{dataset} AS _r "
        f"JOIN meta.files AS _f ON _f.file_id = _r._file_id AND _f.active{only} "
        f"ANTI JOIN meta.quarantine AS _q ON _q.file_id = _r._file_id AND _q.line = _r._line)"
    )


def _changed_rows(table: str, key: str) -> str:
    key = quote_ident(key)
    return (f"(SELECT * FROM {table} WHERE {key} IN (SELECT key FROM svna_keys) OR "
            f"({key} IS NULL AND file_id IN (SELECT file_id FROM svna_new_files)))")


def render_all(models: dict[str, Model]
               ) -> tuple[dict[str, str], dict[str, set[str]], dict[str, Increment | Merge]]:
    """Each model's SQL, the models it refers to, and how the incremental and merge ones are
    brought up to date."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    sql, deps, updates = {}, {}, {}
    for model in models.values():
        found: set[str] = set()
        settings: dict[str, str] = {}
        datasets: list[str] = []
        sources: list[str] = []

        def ref(name: str, _found=found, _model=model) -> str:
            if name not in models:
                raise ModelError(f"{_model.path}: ref('{name}') names no model")
            _found.add(name)
            return models[name].table

        def config(_settings=settings, **options) -> str:
            _settings.update(options)
            return ""

        def active(dataset: str, _datasets=datasets) -> str:
            _datasets.append(dataset)
            return _active_rows(dataset)

        def changed(name: str, _sources=sources) -> str:
            _sources.append(name)
            return ref(name)

        template = env.from_string(model.path.read_text(encoding="utf-8"))
        sql[model.name] = template.render(ref=ref, active=active, config=config,
                                          changed=changed)
        deps[model.name] = found
        materialized = settings.get("materialized", "table")
        if sources and materialized != "merge":
            raise ModelError(f"{model.path}: changed() is for merge models")
        if materialized == "merge":
            if datasets or not sources or not settings.get("key") \
                    or OUTSIDE_REFS.search(sql[model.name]):
                raise ModelError(f"{model.path}: a merge model has a key, reads its sources "
                                 "with changed() and everything else with ref()")
            key = settings["key"]
            updates[model.name] = Merge(
                key, tuple(dict.fromkeys(sources)), tuple(sorted(found - set(sources))),
                template.render(ref=ref, active=active, config=config,
                                changed=lambda name, _key=key: _changed_rows(
                                    models[name].table, _key)))
        elif materialized == "incremental":
            if found or len(datasets) != 1:
                raise ModelError(f"{model.path}: an incremental model reads one dataset with "
                                 f"active() and refers to no other model")
            updates[model.name] = Increment(datasets[0], template.render(
                ref=ref, config=config,
                active=lambda dataset: _active_rows(dataset, increment=True)))
        elif materialized != "table":
            raise ModelError(f"{model.path}: materialized must be table, incremental or merge, "
                             f"not {materialized!r}")
    for name, update in updates.items():
        if isinstance(update, Merge):
            for source in update.sources:
                if source not in updates:
                    raise ModelError(f"{models[name].path}: changed('{source}') names no "
                                     "incremental or merge model")
    return sql, deps, updates


# Cached: SQL calls them once per row, mostly on the same small counts, and each limit is a
# scipy quantile (tens of microseconds); hundreds of districts made that seconds.
SQL_FUNCTIONS = {
    "poisson_lower": (cache(lambda n: poisson_ci(n, "lower")), ["DOUBLE"]),
    "poisson_upper": (cache(lambda n: poisson_ci(n, "upper")), ["DOUBLE"]),
    "ratio_lower": (cache(lambda a, b: ratio_ci(a, b, "lower")), ["DOUBLE", "DOUBLE"]),
    "ratio_upper": (cache(lambda a, b: ratio_ci(a, b, "upper")), ["DOUBLE", "DOUBLE"]),
    "proportion_lower": (cache(lambda k, n: proportion_ci(k, n, "lower")), ["DOUBLE", "DOUBLE"]),
    "proportion_upper": (cache(lambda k, n: proportion_ci(k, n, "upper")), ["DOUBLE", "DOUBLE"]),
}


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The statistics the SQL models call (exact intervals need scipy's distributions)."""
    for name, (function, argument_types) in SQL_FUNCTIONS.items():
        register_function(con, name, function, argument_types, "DOUBLE", side_effects=False,
                          null_handling="special")


def load_config_tables(con: duckdb.DuckDBPyConnection, config: Config,
                       with_area: bool = True) -> None:
    """The config as cfg.* tables; `with_area` False leaves the area's own (its name,
    districts and interventions) empty: the shared warehouse of many areas has none."""
    con.execute((SQL_DIR / "meta" / "config.sql").read_text(encoding="utf-8"))
    if with_area:
        con.execute("INSERT INTO cfg.area VALUES (?, ?)", [config.area.name, config.area.slug])
        insert_rows(con, "cfg.districts",
                    [[code, i] for i, code in enumerate(config.area.districts)])
    sv, people = config.serious_violence, config.people
    insert_rows(con, "cfg.settings", [
        ["suppression_threshold", config.suppression.threshold],
        ["top_lsoas", config.report.top_lsoas],
        ["sv_knife_or_firearm_flagged", sv.knife_or_firearm_flagged],
        ["sv_domestic_abuse", sv.domestic_abuse],
        ["youth_under", people.youth_under],
        ["completeness_threshold", people.completeness_threshold],
    ])
    groups = sv.groups + (["sexual_offences"] if sv.sexual_offences else [])
    insert_rows(con, "cfg.sv_groups", [[g] for g in dict.fromkeys(groups)])
    explicit = [[c, True] for c in sv.include_codes] + [[c, False] for c in sv.exclude_codes]
    if explicit:
        insert_rows(con, "cfg.sv_codes", explicit)
    bounds = people.age_bands
    insert_rows(con, "cfg.age_bands", [
        [low, high - 1 if high else None, f"{low}-{high - 1}" if high else f"{low}+"]
        for low, high in zip(bounds, bounds[1:] + [None], strict=True)])
    load_intervention_tables(con, config if with_area else config.model_copy(
        update={"interventions": []}))


def load_intervention_tables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """cfg.interventions and cfg.intervention_units (sql/meta/config_interventions.sql)."""
    con.execute((SQL_DIR / "meta" / "config_interventions.sql").read_text(encoding="utf-8"))
    units = []
    for number, item in enumerate(config.interventions, start=1):
        con.execute("INSERT INTO cfg.interventions VALUES (?, ?, ?, ?, ?, ?, ?)", [
            number, item.name, item.start, item.end, item.measure, item.comparison_kind,
            item.matches_per_lsoa])
        units += [[number, "treated", item.covers.kind, code] for code in item.covers.codes]
        if item.comparison_kind == "listed":
            units += [[number, "comparison", item.comparison.kind, code]
                      for code in item.comparison.codes]
    if units:
        insert_rows(con, "cfg.intervention_units", units)


def load_seeds(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Reference lists kept with the code (sql/seeds/*.csv) as tables seeds.<name>, as text."""
    con.execute("CREATE SCHEMA IF NOT EXISTS seeds")
    for path in sorted((sql_dir / "seeds").glob("*.csv")):
        con.execute(f"CREATE OR REPLACE TABLE seeds.{path.stem} AS SELECT * FROM read_csv(?, "
                    "header = true, all_varchar = true, quote = '\"', escape = '\"', "
                    "delim = ',')", [str(path)])


def _build_order(deps: dict[str, set[str]]) -> list[str]:
    try:
        return list(TopologicalSorter(deps).static_order())
    except CycleError as exc:
        raise ModelError(f"models depend on each other in a cycle: {exc.args[1]}") from None


def _shared(sql: dict[str, str], deps: dict[str, set[str]], order: list[str]) -> list[str]:
    """The models, in build order, that are the same for every area (see the module's doc)."""
    own: set[str] = set()
    for name in order:
        if AREA_INPUTS.search(sql[name]) or deps[name] & own:
            own.add(name)
    return [name for name in order if name not in own]


def shared_models(sql_dir: Path = SQL_DIR) -> list[str]:
    models = discover_models(sql_dir)
    sql, deps, _ = render_all(models)
    return [models[n].table for n in _shared(sql, deps, _build_order(deps))]


def run_models(con: duckdb.DuckDBPyConnection, config: Config, sql_dir: Path = SQL_DIR,
               shared_built: bool = False) -> list[str]:
    """Build every model from the raw layer (the incremental ones from the files they do not
    hold yet); with `shared_built`, only the area's own: an area of many reads the others
    from the shared warehouse. Returns the tables built, in order."""
    load_config_tables(con, config)
    return _run(con, sql_dir, "own" if shared_built else "all")


def run_shared_models(con: duckdb.DuckDBPyConnection, config: Config,
                      sql_dir: Path = SQL_DIR) -> list[str]:
    """The models that are the same for every area of `config` (staging, lookups, the force
    extract's latest deliveries and their classification, stop and search placed), built
    once in the shared warehouse instead of once per area. Returns the tables built."""
    load_config_tables(con, config, with_area=False)
    return _run(con, sql_dir, "shared")


def _run(con: duckdb.DuckDBPyConnection, sql_dir: Path, which: str) -> list[str]:
    """Build `which` models ("all", "shared" by every area, or an area's "own") in order."""
    models = discover_models(sql_dir)
    sql, deps, updates = render_all(models)
    order = _build_order(deps)
    if which != "all":
        shared = set(_shared(sql, deps, order))
        order = [name for name in order if (name in shared) == (which == "shared")]
    register_functions(con)
    load_seeds(con, sql_dir)
    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    for name in order:
        _build(con, models, models[name], sql[name], updates.get(name))
    return [models[n].table for n in order]


def _build(con: duckdb.DuckDBPyConnection, models: dict[str, Model], model: Model, sql: str,
           update: Increment | Merge | None) -> None:
    try:
        if isinstance(update, Merge):
            _update_merged(con, models, model, sql, update)
        elif update:
            _update_incremental(con, model, sql, update)
        else:
            con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {sql}")
    except duckdb.Error as exc:
        raise ModelError(f"{model.path}: {exc}") from exc
    log.debug("built %s", model.table)


def _update_incremental(con: duckdb.DuckDBPyConnection, model: Model, sql: str,
                        increment: Increment) -> None:
    """Drop the rows of files no longer in use (or quarantined differently since), add those
    of files not yet held; the whole table when it is new or its SQL changed."""
    sql_sha, up_to_date_sql = _built_with(con, model, sql)
    in_use = set(con.execute(
        "SELECT f.file_id, coalesce(hash(list_sort(list(DISTINCT q.line) "
        "FILTER (WHERE q.line IS NOT NULL))), 0) FROM meta.files AS f "
        "LEFT JOIN meta.quarantine AS q ON q.file_id = f.file_id "
        "WHERE f.active AND f.dataset = ? GROUP BY f.file_id", [increment.dataset]).fetchall())
    if up_to_date_sql:
        held = _held_files(con, [model.name])
        stale, new = held - in_use, in_use - held
        if stale:
            con.execute(f"DELETE FROM {model.table} WHERE list_contains(?, file_id)",
                        [[file_id for file_id, _ in stale]])
        if new:
            con.execute("CREATE OR REPLACE TEMP TABLE svna_increment AS "
                        "SELECT unnest(?::INTEGER[]) AS file_id", [[f for f, _ in new]])
            con.execute(f"INSERT INTO {model.table} BY NAME {increment.sql}")
            con.execute("DROP TABLE svna_increment")
        log.debug("%s: %d file(s) added, %d dropped", model.table, len(new), len(stale))
    else:
        con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {sql}")
        columns = {c for c, in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [model.layer, model.name]).fetchall()}
        if "file_id" not in columns:
            raise ModelError(f"{model.path}: an incremental model needs a file_id column")
        _record_built_whole(con, model.name, sql_sha)
    _record_files(con, model.name, in_use)


def _built_with(con: duckdb.DuckDBPyConnection, model: Model, sql: str) -> tuple[str, bool]:
    """The SQL's hash, and whether the model's table exists, built with that SQL."""
    sql_sha = hashlib.sha256(sql.encode()).hexdigest()
    built_with = first_row(con, "SELECT sql_sha FROM meta.model_state WHERE model = ?",
                           [model.name])
    exists = first_row(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND "
                       "table_name = ?", [model.layer, model.name])[0]
    return sql_sha, bool(exists and built_with and built_with[0] == sql_sha)


def _record_files(con: duckdb.DuckDBPyConnection, model: str, files: set[tuple]) -> None:
    con.execute("DELETE FROM meta.model_files WHERE model = ?", [model])
    insert_rows(con, "meta.model_files", [[model, f, sig] for f, sig in sorted(files)])


def _record_built_whole(con: duckdb.DuckDBPyConnection, model: str, sql_sha: str) -> None:
    con.execute("DELETE FROM meta.model_state WHERE model = ?", [model])
    con.execute("INSERT INTO meta.model_state VALUES (?, ?)", [model, sql_sha])


def _held_files(con: duckdb.DuckDBPyConnection, names: list[str]) -> set[tuple]:
    return set(con.execute("SELECT file_id, quarantine_sig FROM meta.model_files "
                           "WHERE list_contains(?, model)", [names]).fetchall())


def _version(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """Changes whenever the model may have been built whole from other rows: its SQL, and for
    a merge model what it was built from."""
    rows = con.execute(
        "SELECT 'sql', sql_sha FROM meta.model_state WHERE model = ? UNION ALL "
        "SELECT input, fingerprint FROM meta.model_inputs WHERE model = ? ORDER BY ALL",
        [name, name]).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _update_merged(con: duckdb.DuckDBPyConnection, models: dict[str, Model], model: Model,
                   sql: str, merge: Merge) -> None:
    """Replace the keys of the rows the sources gained since the table was built; the whole
    table when it is new, its SQL changed, a source lost or re-read a file or was rebuilt
    whole, or another input's content changed."""
    sql_sha, up_to_date_sql = _built_with(con, model, sql)
    inputs = {name: _version(con, name) for name in merge.sources}
    inputs |= {name: _content(con, models[name].table) for name in merge.inputs}
    in_use = _held_files(con, list(merge.sources))
    held = _held_files(con, [model.name])
    built_from = dict(con.execute("SELECT input, fingerprint FROM meta.model_inputs "
                                  "WHERE model = ?", [model.name]).fetchall())
    rebuild_because = _rebuild_reason(up_to_date_sql, built_from, inputs, held - in_use)
    if not rebuild_because:
        new = sorted({file_id for file_id, _ in in_use - held})
        if new:
            key = quote_ident(merge.key)
            con.execute("CREATE OR REPLACE TEMP TABLE svna_new_files AS "
                        "SELECT unnest(?::INTEGER[]) AS file_id", [new])
            con.execute("CREATE OR REPLACE TEMP TABLE svna_keys AS " + " UNION ".join(
                f"SELECT {key} AS key FROM {models[source].table} WHERE {key} IS NOT NULL "
                "AND file_id IN (SELECT file_id FROM svna_new_files)"
                for source in merge.sources))
            con.execute(f"DELETE FROM {model.table} WHERE {key} IN (SELECT key FROM svna_keys)")
            con.execute(f"INSERT INTO {model.table} BY NAME {merge.sql}")
            con.execute("DROP TABLE svna_keys")
            con.execute("DROP TABLE svna_new_files")
        log.info("%s: merged the %s of %d new file(s)", model.table, merge.key, len(new))
    else:
        log.info("%s: rebuilt whole, as %s", model.table, rebuild_because)
        con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {sql}")
        _record_built_whole(con, model.name, sql_sha)
    con.execute("DELETE FROM meta.model_inputs WHERE model = ?", [model.name])
    insert_rows(con, "meta.model_inputs", [[model.name, n, f] for n, f in sorted(inputs.items())])
    _record_files(con, model.name, in_use)


def _rebuild_reason(up_to_date_sql: bool, built_from: dict[str, str], inputs: dict[str, str],
                    files_gone: set[tuple]) -> str | None:
    """Why a merge model cannot merge, in words for the run log; None when it can."""
    if not up_to_date_sql:
        return "it is new or its SQL changed"
    changed = sorted(name for name in inputs if built_from.get(name) != inputs[name])
    if changed:
        return f"{', '.join(changed)} changed"
    if files_gone:
        return f"{len(files_gone)} file(s) were removed, re-delivered or validated again"
    return None


def _content(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A fingerprint of a table's rows, whatever their order."""
    rows, total = first_row(con, f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR "
                                 f"FROM {table} AS t")
    return f"{rows}:{total}"
