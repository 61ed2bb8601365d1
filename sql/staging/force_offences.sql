-- Offences from the force extract, typed. A crime sent again in a later file (its outcome
-- updated) appears once per delivery here; the marts keep its latest version.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                            AS file_id,
    r._line                                               AS line,
    r.crime_reference,
    TRY_CAST(r.recorded_date AS DATE)                     AS recorded_date,
    coalesce(try_strptime(r.committed_from, '%Y-%m-%d %H:%M'),
             try_strptime(r.committed_from, '%Y-%m-%d %H:%M:%S'),
             try_strptime(r.committed_from, '%Y-%m-%d'))  AS committed_from,
    coalesce(try_strptime(r.committed_to, '%Y-%m-%d %H:%M'),
             try_strptime(r.committed_to, '%Y-%m-%d %H:%M:%S'),
             try_strptime(r.committed_to, '%Y-%m-%d'))    AS committed_to,
    replace(upper(trim(r.offence_code)), '/', '.')        AS offence_code,
    nullif(trim(r.offence_description), '')               AS offence_description,
    nullif(upper(trim(r.lsoa_code)), '')                  AS lsoa_code,
    TRY_CAST(r.longitude AS DOUBLE)                       AS longitude,
    TRY_CAST(r.latitude AS DOUBLE)                        AS latitude,
    coalesce(upper(trim(r.knife_flag)) = 'Y', false)      AS knife,
    coalesce(upper(trim(r.firearm_flag)) = 'Y', false)    AS firearm,
    coalesce(upper(trim(r.domestic_abuse_flag)) = 'Y', false) AS domestic_abuse,
    coalesce(nullif(upper(trim(r.outcome_code)), ''), '0') AS outcome_code,
    TRY_CAST(r.outcome_date AS DATE)                      AS outcome_date
FROM {{ active('force_offences') }} AS r
