-- The Home Office headline measures over the latest 12 months: offences per 100,000
-- residents with exact Poisson 95% intervals.
WITH pop AS (
    SELECT g.geography_code, sum(d.population) AS population
    FROM {{ ref('geographies') }} AS g JOIN {{ ref('dim_district') }} AS d USING (lad_code)
    GROUP BY ALL
),
sums AS (
    SELECT m.geography_level, m.geography_code, m.geography_name, m.geography_order, m.measure,
           sum(m.offences)::BIGINT AS offences
    FROM {{ ref('force_monthly') }} AS m, {{ ref('force_reporting_period') }} AS p
    WHERE m.month >= p.latest_12_start
    GROUP BY ALL
)
SELECT s.*, p.latest_12_start || ' to ' || p.latest_month AS period, pop.population,
       round(1e5 * s.offences / pop.population, 1) AS rate_per_100k,
       round(1e5 * poisson_lower(s.offences) / pop.population, 1) AS ci_lower,
       round(1e5 * poisson_upper(s.offences) / pop.population, 1) AS ci_upper
FROM sums AS s
JOIN pop USING (geography_code)
CROSS JOIN {{ ref('force_reporting_period') }} AS p
WHERE pop.population > 0
ORDER BY s.geography_order, s.measure
