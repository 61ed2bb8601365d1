-- Outcome updates, typed; the latest per crime is chosen in the marts.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                              AS file_id,
    r._line                                 AS line,
    nullif(trim(r."Crime ID"), '')          AS crime_id,
    trim(r."Month")                         AS month,
    nullif(upper(trim(r."LSOA code")), '')  AS lsoa_code,
    nullif(trim(r."Outcome type"), '')      AS outcome_type
FROM {{ active('police_uk_outcomes') }} AS r
