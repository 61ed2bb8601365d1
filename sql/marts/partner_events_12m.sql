-- The partners' violence records of the latest 12 months placed in the area, one row per
-- thing counted: a record, or for the probation caseload (quarterly snapshots of the same
-- people) a person on the latest snapshot of the period, so nobody counts four times.
WITH period AS (
    SELECT * FROM {{ ref('partner_reporting_period') }}
),
latest_snapshot AS (
    SELECT r.source, max(r.event_date) AS snapshot_date
    FROM {{ ref('fct_partner_records') }} AS r, period AS p
    WHERE r.month BETWEEN p.latest_12_start AND p.latest_month
      AND r.source IN (SELECT source FROM seeds.sources WHERE counts LIKE 'people at%')
    GROUP BY r.source
)
SELECT r.*
FROM {{ ref('fct_partner_records') }} AS r
CROSS JOIN period AS p
LEFT JOIN latest_snapshot AS s USING (source)
WHERE r.is_violence AND r.in_area
  AND r.month BETWEEN p.latest_12_start AND p.latest_month
  AND (s.snapshot_date IS NULL OR r.event_date = s.snapshot_date)
