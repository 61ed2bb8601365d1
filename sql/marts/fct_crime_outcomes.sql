{{ config(materialized="merge", key="crime_id") }}
-- Each crime's outcome: its latest update in the outcomes files, else the street file's last
-- outcome category. A new month replaces only the crimes in its street or outcomes files.
WITH latest AS (
    SELECT crime_id, outcome_type, month
    FROM {{ changed('police_uk_outcomes') }}
    WHERE crime_id IS NOT NULL AND outcome_type IS NOT NULL
      AND crime_id IN (SELECT crime_id FROM {{ changed('fct_street_records') }})
    QUALIFY row_number() OVER (
        PARTITION BY crime_id ORDER BY month DESC, file_id DESC, line DESC) = 1
)
SELECT
    r.crime_id,
    r.month,
    r.crime_type,
    r.is_serious_violence,
    r.lad_code,
    r.in_area,
    coalesce(l.outcome_type, r.last_outcome_category, 'No outcome recorded') AS outcome,
    l.month AS outcome_month,
    CASE
        WHEN l.outcome_type IS NOT NULL THEN 'outcomes file'
        WHEN r.last_outcome_category IS NOT NULL THEN 'street file'
        ELSE 'none'
    END AS outcome_source
FROM {{ changed('fct_street_records') }} AS r
LEFT JOIN latest AS l USING (crime_id)
WHERE r.crime_id IS NOT NULL AND NOT r.is_duplicate
