-- The run's configuration as tables, so models join to settings instead of pasting them in.
CREATE SCHEMA IF NOT EXISTS cfg;
CREATE OR REPLACE TABLE cfg.area (name VARCHAR, slug VARCHAR);
CREATE OR REPLACE TABLE cfg.districts (lad_code VARCHAR PRIMARY KEY, position INTEGER);
CREATE OR REPLACE TABLE cfg.settings (key VARCHAR PRIMARY KEY, value DOUBLE);
