-- Street-level records as delivered, typed and trimmed; only files active after validation.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                        AS file_id,
    r._line                                           AS line,
    regexp_extract(r._delivery_key, 'force=([^|]+)', 1) AS force,
    nullif(trim(r."Crime ID"), '')                    AS crime_id,
    trim(r."Month")                                   AS month,
    nullif(trim(r."Reported by"), '')                 AS reported_by,
    nullif(trim(r."Falls within"), '')                AS falls_within,
    TRY_CAST(r."Longitude" AS DOUBLE)                 AS longitude,
    TRY_CAST(r."Latitude" AS DOUBLE)                  AS latitude,
    nullif(trim(r."Location"), '')                    AS location,
    nullif(upper(trim(r."LSOA code")), '')            AS lsoa_code,
    nullif(trim(r."LSOA name"), '')                   AS lsoa_name,
    trim(r."Crime type")                              AS crime_type,
    nullif(trim(r."Last outcome category"), '')       AS last_outcome_category,
    nullif(trim(r."Context"), '')                     AS context
FROM {{ active('police_uk_street') }} AS r
