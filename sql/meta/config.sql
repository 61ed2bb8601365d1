-- The run's configuration as tables, so models join to settings instead of pasting them in.
CREATE SCHEMA IF NOT EXISTS cfg;
CREATE OR REPLACE TABLE cfg.area (name VARCHAR, slug VARCHAR);
CREATE OR REPLACE TABLE cfg.districts (lad_code VARCHAR PRIMARY KEY, position INTEGER);
CREATE OR REPLACE TABLE cfg.settings (key VARCHAR PRIMARY KEY, value DOUBLE);
CREATE OR REPLACE TABLE cfg.sv_groups ("group" VARCHAR PRIMARY KEY);
CREATE OR REPLACE TABLE cfg.sv_codes (code VARCHAR, include BOOLEAN);  -- explicit additions/removals
CREATE OR REPLACE TABLE cfg.age_bands (lower_age INTEGER, upper_age INTEGER, label VARCHAR);
