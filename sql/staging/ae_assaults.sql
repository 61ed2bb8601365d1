-- A&E assault attendances (ISTV), typed; attendance ids are already pseudonyms.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    nullif(upper(trim(r.site_code)), '')                    AS site_code,
    TRY_CAST(r.reporting_period_start AS DATE)              AS reporting_period_start,
    TRY_CAST(r.reporting_period_end AS DATE)                AS reporting_period_end,
    r.attendance_id,
    TRY_CAST(r.arrival_date AS DATE)                        AS arrival_date,
    CAST(coalesce(try_strptime(trim(r.arrival_time), '%H:%M'),
                  try_strptime(trim(r.arrival_time), '%H:%M:%S')) AS TIME) AS arrival_time,
    TRY_CAST(r.assault_date AS DATE)                        AS assault_date,
    CAST(coalesce(try_strptime(trim(r.assault_time), '%H:%M'),
                  try_strptime(trim(r.assault_time), '%H:%M:%S')) AS TIME) AS assault_time,
    nullif(lower(trim(r.assault_method)), '')               AS assault_method,
    nullif(trim(r.assault_method_other), '')                AS assault_method_other,
    nullif(lower(trim(r.location_type)), '')                AS location_type,
    nullif(trim(r.location_description), '')                AS location_description,
    nullif(upper(trim(r.location_lsoa_code)), '')           AS location_lsoa_code,
    nullif(replace(trim(r.age_band), ' ', ''), '')          AS age_band,
    nullif(upper(trim(r.sex)), '')                          AS sex
FROM {{ active('ae_assaults') }} AS r
