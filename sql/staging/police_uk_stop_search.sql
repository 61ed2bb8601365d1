-- Stop and search records, typed; the month comes from the search date.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                           AS file_id,
    r._line                                              AS line,
    regexp_extract(r._delivery_key, 'force=([^|]+)', 1)  AS force,
    trim(r."Type")                                       AS search_type,
    TRY_CAST(r."Date" AS TIMESTAMPTZ)                    AS searched_at,
    left(trim(r."Date"), 7)                              AS month,
    TRY_CAST(r."Latitude" AS DOUBLE)                     AS latitude,
    TRY_CAST(r."Longitude" AS DOUBLE)                    AS longitude,
    nullif(trim(r."Gender"), '')                         AS gender,
    nullif(trim(r."Age range"), '')                      AS age_range,
    nullif(trim(r."Self-defined ethnicity"), '')         AS self_defined_ethnicity,
    nullif(trim(r."Officer-defined ethnicity"), '')      AS officer_defined_ethnicity,
    nullif(trim(r."Legislation"), '')                    AS legislation,
    nullif(trim(r."Object of search"), '')               AS object_of_search,
    nullif(trim(r."Outcome"), '')                        AS outcome,
    lower(trim(r."Outcome linked to object of search")) = 'true' AS outcome_linked_to_object
FROM {{ active('police_uk_stop_search') }} AS r
