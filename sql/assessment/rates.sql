-- Rates per 1,000 residents (Census 2021) over the latest 12 months, with exact (Garwood)
-- Poisson 95% confidence intervals, for the area and each district.
WITH pop AS (
    SELECT g.geography_code, sum(d.population)::BIGINT AS population
    FROM {{ ref('geographies') }} AS g
    JOIN {{ ref('dim_district') }} AS d USING (lad_code)
    GROUP BY ALL
)
SELECT
    c.geography_level, c.geography_code, c.geography_name, c.geography_order, c.category,
    c.latest_period,
    c.latest_12 AS incidents,
    pop.population,
    round(1000.0 * c.latest_12 / pop.population, 2)                 AS rate_per_1000,
    round(1000.0 * poisson_lower(c.latest_12) / pop.population, 2)  AS ci_lower,
    round(1000.0 * poisson_upper(c.latest_12) / pop.population, 2)  AS ci_upper
FROM {{ ref('period_comparison') }} AS c
JOIN pop USING (geography_code)
WHERE pop.population > 0
ORDER BY c.geography_order, c.category
