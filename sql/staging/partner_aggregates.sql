-- Partners' counts, typed. The area is an LSOA (E01, W01) or a district (E06-E09, W06); a
-- suppressed count stays blank.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    nullif(lower(trim(r.source)), '')                       AS source,
    nullif(trim(r.measure), '')                             AS measure,
    trim(r.month)                                           AS month,
    TRY_CAST(trim(r.month) || '-01' AS DATE)                AS month_start,
    nullif(upper(trim(r.area_code)), '')                    AS area_code,
    CASE WHEN regexp_matches(upper(trim(r.area_code)), '^[EW]01') THEN 'lsoa'
         WHEN regexp_matches(upper(trim(r.area_code)), '^[EW]0[6-9]') THEN 'district'
    END                                                     AS area_type,
    CASE WHEN regexp_matches(trim(r."count"), '^[0-9]+$')
         THEN TRY_CAST(trim(r."count") AS INTEGER) END     AS "count",  -- 3.5 is no count
    coalesce(upper(trim(r.suppressed)) = 'Y', false)        AS suppressed
FROM {{ active('partner_aggregates') }} AS r
