-- Bookkeeping tables of the warehouse. Created once; rows are appended, never rewritten,
-- except a file's activation state and validation status.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    status        VARCHAR,          -- running, succeeded, unchanged, failed
    fingerprint   VARCHAR,          -- inputs, config and code: equal fingerprints, equal outputs
    message       VARCHAR
);

-- One row per file version seen under data/raw: the manifest.
CREATE TABLE IF NOT EXISTS meta.files (
    file_id        INTEGER PRIMARY KEY,
    path           VARCHAR NOT NULL,  -- relative to the raw folder
    size_bytes     BIGINT,
    mtime_ns       BIGINT,
    sha256         VARCHAR,
    dataset        VARCHAR,           -- the declaration it was recognised as, if any
    delivery_key   VARCHAR,           -- later files with the same key replace earlier ones
    run_id         VARCHAR,           -- the run that first saw this version
    header         VARCHAR,           -- JSON list of the delivered column names
    status         VARCHAR NOT NULL,  -- loaded, duplicate, unrecognised, not_loaded
    validation     VARCHAR,           -- passed, warning, failed (after validation)
    suite_sha      VARCHAR,           -- the suite version it was validated against
    active         BOOLEAN NOT NULL DEFAULT false,  -- rows feed staging
    rows_read      BIGINT,
    rows_loaded    BIGINT,
    rows_rejected  BIGINT,
    message        VARCHAR
);

-- Rows that could not be read into the raw layer, with where and why.
CREATE TABLE IF NOT EXISTS meta.rejects (
    file_id     INTEGER,
    line        BIGINT,
    column_name VARCHAR,
    error       VARCHAR,
    raw_text    VARCHAR
);

-- One row per expectation per file per validation run (GX result fields).
CREATE TABLE IF NOT EXISTS meta.validation_results (
    run_id            VARCHAR,
    file_id           INTEGER,
    dataset           VARCHAR,
    expectation_type  VARCHAR,
    column_name       VARCHAR,
    kwargs            VARCHAR,          -- JSON
    severity          VARCHAR,          -- critical, warning, info
    success           BOOLEAN,
    element_count     BIGINT,
    unexpected_count  BIGINT,
    unexpected_percent DOUBLE,
    sample            VARCHAR           -- JSON list of {line, value}
);

-- Added with mapped sources (force and partner extracts); kept as ALTERs so that warehouses
-- built before them are upgraded in place.
ALTER TABLE meta.files ADD COLUMN IF NOT EXISTS mapping VARCHAR;      -- the source mapping used
ALTER TABLE meta.files ADD COLUMN IF NOT EXISTS content_key VARCHAR;  -- same content, same key
UPDATE meta.files SET content_key = sha256 WHERE content_key IS NULL AND sha256 IS NOT NULL;

-- Rows of a used file left out because they failed a critical check on their values (the
-- rest of the file is used); one row per line and failed check.
CREATE TABLE IF NOT EXISTS meta.quarantine (
    file_id          INTEGER,
    line             BIGINT,
    expectation_type VARCHAR,
    column_name      VARCHAR
);

-- Each published run's headline figures (assessment.headlines), for "what changed since the
-- last assessment".
CREATE TABLE IF NOT EXISTS meta.headlines (
    run_id          VARCHAR,
    recorded_at     TIMESTAMP,
    measure         VARCHAR,
    label           VARCHAR,
    period          VARCHAR,
    events          BIGINT,
    value           DOUBLE,
    ci_lower        DOUBLE,
    ci_upper        DOUBLE,
    headline_order  INTEGER
);

-- Incremental and merge models: the SQL each table was built with, and the files whose rows
-- it holds (with a signature of the lines quarantined in each, so a file validated again with
-- a new result is rebuilt).
CREATE TABLE IF NOT EXISTS meta.model_state (
    model    VARCHAR,
    sql_sha  VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.model_files (
    model           VARCHAR,
    file_id         INTEGER,
    quarantine_sig  UBIGINT
);
-- Merge models (config(materialized="merge")): what each was built from, to tell whether it
-- can merge new keys or must be rebuilt: its sources' versions, its other inputs' contents.
CREATE TABLE IF NOT EXISTS meta.model_inputs (
    model        VARCHAR,
    input        VARCHAR,
    fingerprint  VARCHAR
);
