-- Violence recorded by each partner in the latest 12 months per 1,000 residents, with exact
-- Poisson 95% intervals.
WITH pop AS (
    SELECT g.geography_code, sum(d.population) AS population
    FROM {{ ref('geographies') }} AS g JOIN {{ ref('dim_district') }} AS d USING (lad_code)
    GROUP BY ALL
),
sums AS (
    SELECT m.geography_level, m.geography_code, m.geography_name, m.geography_order,
           m.source, sum(m.violence)::BIGINT AS violence
    FROM {{ ref('partner_monthly') }} AS m, {{ ref('partner_reporting_period') }} AS p
    WHERE m.month BETWEEN p.latest_12_start AND p.latest_month
    GROUP BY ALL
)
SELECT s.*, p.latest_12_start || ' to ' || p.latest_month AS period, pop.population,
       round(1000.0 * s.violence / pop.population, 2) AS rate_per_1000,
       round(1000.0 * poisson_lower(s.violence) / pop.population, 2) AS ci_lower,
       round(1000.0 * poisson_upper(s.violence) / pop.population, 2) AS ci_upper
FROM sums AS s JOIN pop USING (geography_code)
CROSS JOIN {{ ref('partner_reporting_period') }} AS p
WHERE pop.population > 0
ORDER BY s.geography_order, s.source
