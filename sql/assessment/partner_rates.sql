-- Violence recorded by each partner in the latest 12 months (a caseload: at its latest
-- snapshot) per 1,000 residents, with exact Poisson 95% intervals.
WITH pop AS (
    SELECT g.geography_code, sum(d.population) AS population
    FROM {{ ref('geographies') }} AS g JOIN {{ ref('dim_district') }} AS d USING (lad_code)
    GROUP BY ALL
)
SELECT c.geography_level, c.geography_code, c.geography_name, c.geography_order, c.source,
       c.latest_12 AS violence, c.latest_period AS period, pop.population,
       round(1000.0 * c.latest_12 / pop.population, 2) AS rate_per_1000,
       round(1000.0 * poisson_lower(c.latest_12) / pop.population, 2) AS ci_lower,
       round(1000.0 * poisson_upper(c.latest_12) / pop.population, 2) AS ci_upper
FROM {{ ref('partner_comparison') }} AS c JOIN pop USING (geography_code)
LEFT JOIN seeds.sources AS s USING (source)
WHERE pop.population > 0
ORDER BY c.geography_order, s.source_order::INTEGER
