-- Youth justice proven offences, typed; person ids are already pseudonyms.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    r.person_id,
    TRY_CAST(r.offence_date AS DATE)                        AS offence_date,
    nullif(lower(trim(r.offence_type)), '')                 AS offence_type,
    nullif(lower(trim(r.disposal)), '')                     AS disposal,
    coalesce(upper(trim(r.first_time_entrant)) = 'Y', false) AS first_time_entrant,
    TRY_CAST(r.age AS INTEGER)                              AS age,
    nullif(upper(trim(r.sex)), '')                          AS sex,
    nullif(upper(trim(r.ethnicity)), '')                    AS ethnicity,
    nullif(upper(trim(r.lsoa_code)), '')                    AS lsoa_code
FROM {{ active('youth_justice') }} AS r
