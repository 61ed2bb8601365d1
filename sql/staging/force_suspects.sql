-- Suspects from the force extract, typed; person ids are already pseudonyms.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                  AS file_id,
    r._line                                     AS line,
    r.crime_reference,
    r.person_id,
    TRY_CAST(r.age AS INTEGER)                  AS age,
    nullif(upper(trim(r.sex)), '')              AS sex,
    nullif(upper(trim(r.ethnicity)), '')        AS ethnicity,
    nullif(upper(trim(r.outcome_code)), '')     AS outcome_code
FROM {{ active('force_suspects') }} AS r
