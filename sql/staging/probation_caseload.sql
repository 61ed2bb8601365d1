-- The probation caseload at each snapshot, typed; person ids are already pseudonyms.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    r.person_id,
    TRY_CAST(r.snapshot_date AS DATE)                       AS snapshot_date,
    nullif(lower(trim(r.index_offence)), '')                AS index_offence,
    coalesce(upper(trim(r.violent_index_offence)) = 'Y', false) AS violent_index_offence,
    TRY_CAST(r.age AS INTEGER)                              AS age,
    nullif(upper(trim(r.sex)), '')                          AS sex,
    nullif(upper(trim(r.lsoa_code)), '')                    AS lsoa_code
FROM {{ active('probation_caseload') }} AS r
