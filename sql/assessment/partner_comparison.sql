-- Each partner's violence in its latest 12 months against the 12 before, by geography, with
-- the ratio's exact 95% interval (conditional binomial): an interval excluding 1 is a change
-- beyond chance. A caseload (people at a snapshot) compares its latest snapshot of the
-- period with the snapshot a year before it instead of adding snapshots up.
WITH monthly AS (
    SELECT geography_level, geography_code, geography_name, geography_order, source, month,
           sum(violence) AS violence
    FROM {{ ref('partner_monthly') }} GROUP BY ALL
),
snapshot AS (
    SELECT m.source, max(m.month) AS latest,
           strftime(strptime(max(m.month) || '-01', '%Y-%m-%d') - INTERVAL 12 MONTH, '%Y-%m')
               AS previous
    FROM monthly AS m, {{ ref('partner_reporting_period') }} AS p
    WHERE m.month BETWEEN p.latest_12_start AND p.latest_month
      AND m.source IN (SELECT source FROM seeds.sources WHERE counts LIKE 'people at%')
    GROUP BY m.source
),
sums AS (
    SELECT m.geography_level, m.geography_code, m.geography_name, m.geography_order, m.source,
           (sum(m.violence) FILTER (WHERE m.month BETWEEN p.latest_12_start AND p.latest_month
                                      AND (s.latest IS NULL OR m.month = s.latest)))::BIGINT
               AS latest_12,
           (sum(m.violence) FILTER (WHERE m.month BETWEEN p.previous_12_start AND p.previous_12_end
                                      AND (s.previous IS NULL OR m.month = s.previous)))::BIGINT
               AS previous_12,
    FROM monthly AS m
    CROSS JOIN {{ ref('partner_reporting_period') }} AS p
    LEFT JOIN snapshot AS s USING (source)
    GROUP BY ALL
),
coverage AS (  -- months the source supplied anywhere in the area (a district may have none)
    SELECT m.source,
           count(DISTINCT m.month) FILTER (WHERE m.month BETWEEN p.previous_12_start
                                                             AND p.previous_12_end)
               AS previous_months,
           count(DISTINCT m.month) FILTER (WHERE m.month BETWEEN p.latest_12_start
                                                             AND p.latest_month)
               AS latest_months,
           count(DISTINCT m.month) FILTER (WHERE m.month = s.previous) AS previous_snapshot
    FROM monthly AS m
    CROSS JOIN {{ ref('partner_reporting_period') }} AS p
    LEFT JOIN snapshot AS s USING (source)
    WHERE m.geography_level = 'area'
    GROUP BY m.source
),
judged AS (  -- comparable: two full years of a flow (a supplier months behind the others
             -- would seem to fall), or the snapshot a year before the latest
    SELECT sums.*,
           coalesce(CASE WHEN source IN (SELECT source FROM snapshot)
                         THEN c.previous_snapshot = 1
                         ELSE c.previous_months = 12 AND c.latest_months = 12 END, false)
               AS comparable
    FROM sums LEFT JOIN coverage AS c USING (source)
)
SELECT j.geography_level, j.geography_code, j.geography_name, j.geography_order, j.source,
       p.latest_12_start || ' to ' || p.latest_month AS latest_period,
       p.previous_12_start || ' to ' || p.previous_12_end AS previous_period,
       coalesce(j.latest_12, 0) AS latest_12,
       CASE WHEN j.comparable THEN coalesce(j.previous_12, 0) END AS previous_12,
       CASE WHEN j.comparable AND j.previous_12 > 0
            THEN round(100.0 * (coalesce(j.latest_12, 0) - j.previous_12) / j.previous_12, 1)
       END AS pct_change,
       CASE WHEN j.comparable AND j.previous_12 > 0
            THEN round(coalesce(j.latest_12, 0) / j.previous_12, 3) END AS ratio,
       CASE WHEN j.comparable THEN round(ratio_lower(coalesce(j.latest_12, 0), j.previous_12), 3)
       END AS ratio_ci_lower,
       CASE WHEN j.comparable THEN round(ratio_upper(coalesce(j.latest_12, 0), j.previous_12), 3)
       END AS ratio_ci_upper
FROM judged AS j
CROSS JOIN {{ ref('partner_reporting_period') }} AS p
LEFT JOIN seeds.sources AS s USING (source)
ORDER BY j.geography_order, s.source_order::INTEGER
