-- Suspensions and permanent exclusions, typed; pupil ids are already pseudonyms.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    r.person_id,
    TRY_CAST(r.exclusion_date AS DATE)                      AS exclusion_date,
    nullif(lower(trim(r.exclusion_type)), '')               AS exclusion_type,
    nullif(lower(trim(r.reason)), '')                       AS reason,
    nullif(lower(trim(r.school_phase)), '')                 AS school_phase,
    TRY_CAST(r.age AS INTEGER)                              AS age,
    nullif(upper(trim(r.sex)), '')                          AS sex,
    nullif(upper(trim(r.ethnicity)), '')                    AS ethnicity,
    nullif(upper(trim(r.lsoa_code)), '')                    AS lsoa_code
FROM {{ active('school_exclusions') }} AS r
