-- Which partners supplied what, for which months, at what quality: what the multi-agency
-- assessment can and cannot say.
WITH sources AS (  -- the partners' datasets (not the police's)
    SELECT source, counts, source_order::INTEGER AS source_order FROM seeds.sources
    WHERE NOT starts_with(source, 'police')
),
records AS (
    SELECT source, count(*) AS records, min(month) AS first_month, max(month) AS last_month,
           count(DISTINCT month) AS months_with_records,
           count(*) FILTER (WHERE lsoa21_code IS NULL) AS not_placed,
           CASE WHEN source NOT IN ('ae_assaults', 'ambulance_callouts', 'probation_caseload')
                THEN count(*) FILTER (WHERE ethnicity IS NULL) END AS ethnicity_missing
    FROM {{ ref('fct_partner_records') }} GROUP BY source
),
counts AS (
    SELECT source, count(*) AS count_rows, count(*) FILTER (WHERE suppressed) AS suppressed_rows
    FROM {{ ref('partner_aggregates') }} GROUP BY source
),
files AS (
    SELECT dataset AS source,
           count(*) FILTER (WHERE active) AS files_in_use,
           count(*) FILTER (WHERE validation = 'failed') AS files_failed,
           count(*) FILTER (WHERE validation = 'warning') AS files_with_warnings
    FROM (SELECT * FROM meta.files
          QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1)
    GROUP BY dataset
)
SELECT s.source, coalesce(r.records, 0) AS records, r.first_month, r.last_month,
       coalesce(r.months_with_records, 0) AS months_with_records,
       -- a caseload comes as snapshots (quarterly, say): its gaps are not missing months
       CASE WHEN r.first_month IS NOT NULL AND s.counts NOT LIKE 'people at%' THEN date_diff('month',
            strptime(r.first_month || '-01', '%Y-%m-%d'),
            strptime(r.last_month || '-01', '%Y-%m-%d')) + 1 - r.months_with_records
       END AS months_missing_within,
       coalesce(r.not_placed, 0) AS not_placed,
       r.ethnicity_missing,  -- blank where the source holds no ethnicity
       coalesce(c.count_rows, 0) AS aggregate_rows, coalesce(c.suppressed_rows, 0) AS suppressed_rows,
       coalesce(f.files_in_use, 0) AS files_in_use, coalesce(f.files_failed, 0) AS files_failed,
       coalesce(f.files_with_warnings, 0) AS files_with_warnings
FROM sources AS s
LEFT JOIN records AS r USING (source)
LEFT JOIN counts AS c USING (source)
LEFT JOIN files AS f USING (source)
ORDER BY s.source_order
