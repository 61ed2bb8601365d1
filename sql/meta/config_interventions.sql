-- The interventions to evaluate (config `interventions:`), one row each, and the places each
-- covers or is compared with, as named in the config (LSOA or district codes).
CREATE SCHEMA IF NOT EXISTS cfg;
CREATE OR REPLACE TABLE cfg.interventions (
    intervention_id INTEGER PRIMARY KEY,  -- config order, from 1
    name VARCHAR,
    start_month VARCHAR,                  -- YYYY-MM, the first month of the intervention
    end_month VARCHAR,                    -- YYYY-MM or NULL when it is still running
    measure VARCHAR,
    comparison VARCHAR,                   -- 'rest', 'matched' or 'listed'
    matches_per_lsoa INTEGER
);
CREATE OR REPLACE TABLE cfg.intervention_units (
    intervention_id INTEGER,
    role VARCHAR,                         -- 'treated' or 'comparison' (listed comparisons only)
    unit_type VARCHAR,                    -- 'lsoa' or 'district'
    code VARCHAR
);
