-- Latest 12 months against the previous 12, with the ratio's exact 95% confidence interval
-- (conditional binomial method): an interval excluding 1 is a change beyond chance.
WITH sums AS (
    SELECT
        t.geography_level, t.geography_code, t.geography_name, t.geography_order, t.category,
        (sum(t.incidents) FILTER (WHERE t.month >= p.latest_12_start))::BIGINT AS latest_12,
        (sum(t.incidents) FILTER (WHERE t.month BETWEEN p.previous_12_start AND p.previous_12_end))::BIGINT
            AS previous_12,
        count(*) FILTER (WHERE t.month BETWEEN p.previous_12_start AND p.previous_12_end)
            AS previous_months
    FROM {{ ref('monthly_trend') }} AS t, {{ ref('reporting_period') }} AS p
    GROUP BY ALL
)
SELECT
    s.geography_level, s.geography_code, s.geography_name, s.geography_order, s.category,
    p.latest_12_start || ' to ' || p.latest_month           AS latest_period,
    p.previous_12_start || ' to ' || p.previous_12_end      AS previous_period,
    s.latest_12,
    CASE WHEN s.previous_months = 12 THEN s.previous_12 END AS previous_12,
    CASE WHEN s.previous_months = 12 THEN s.latest_12 - s.previous_12 END AS change,
    CASE WHEN s.previous_months = 12 AND s.previous_12 > 0
         THEN round(100.0 * (s.latest_12 - s.previous_12) / s.previous_12, 1) END AS pct_change,
    CASE WHEN s.previous_months = 12 AND s.previous_12 > 0
         THEN s.latest_12 / s.previous_12 END                AS ratio,
    CASE WHEN s.previous_months = 12 THEN ratio_lower(s.latest_12, s.previous_12) END
        AS ratio_ci_lower,
    CASE WHEN s.previous_months = 12 THEN ratio_upper(s.latest_12, s.previous_12) END
        AS ratio_ci_upper
FROM sums AS s, {{ ref('reporting_period') }} AS p
ORDER BY s.geography_order, s.category
