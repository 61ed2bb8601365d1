-- Ambulance call-outs for assault, stabbing and shooting, typed; incident ids are already
-- pseudonyms.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    r.incident_id,
    coalesce(try_strptime(trim(r.call_datetime), '%Y-%m-%d %H:%M'),
             try_strptime(trim(r.call_datetime), '%Y-%m-%d %H:%M:%S')) AS call_datetime,
    nullif(lower(trim(r.category)), '')                     AS category,
    TRY_CAST(r.longitude AS DOUBLE)                         AS longitude,
    TRY_CAST(r.latitude AS DOUBLE)                          AS latitude,
    nullif(upper(trim(r.lsoa_code)), '')                    AS lsoa_code
FROM {{ active('ambulance_callouts') }} AS r
