-- Victims and suspects of serious violence in the latest 12 months by age band, per 1,000
-- residents of that age (Census 2021), with exact Poisson 95% intervals. Person-level.
WITH people AS (
    SELECT f.*
    FROM {{ ref('fct_people') }} AS f, {{ ref('force_reporting_period') }} AS p
    WHERE f.in_area AND f.is_serious_violence AND f.month >= p.latest_12_start
),
counts AS (
    SELECT g.geography_code, p.role, coalesce(p.age_band, 'Age not recorded') AS age_band,
           count(*) AS people
    FROM people AS p JOIN {{ ref('geographies') }} AS g USING (lad_code)
    GROUP BY ALL
),
pop AS (
    SELECT g.geography_code, pg."group" AS age_band, sum(pg.population) AS population
    FROM {{ ref('population_groups') }} AS pg JOIN {{ ref('geographies') }} AS g USING (lad_code)
    WHERE pg.dimension = 'age_band'
    GROUP BY ALL
),
grid AS (
    SELECT DISTINCT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
           r.role, b.label AS age_band, b.lower_age
    FROM {{ ref('geographies') }} AS g, (VALUES ('victim'), ('suspect')) AS r(role),
         (SELECT label, lower_age FROM cfg.age_bands
          UNION ALL SELECT 'Age not recorded', 1000) AS b
)
SELECT grid.geography_level, grid.geography_code, grid.geography_name, grid.geography_order,
       grid.role, grid.age_band, coalesce(c.people, 0) AS people, pop.population,
       round(1000.0 * coalesce(c.people, 0) / pop.population, 2) AS rate_per_1000,
       round(1000.0 * poisson_lower(coalesce(c.people, 0)) / pop.population, 2) AS ci_lower,
       round(1000.0 * poisson_upper(coalesce(c.people, 0)) / pop.population, 2) AS ci_upper
FROM grid
LEFT JOIN counts AS c USING (geography_code, role, age_band)
LEFT JOIN pop USING (geography_code, age_band)
ORDER BY grid.geography_order, grid.role DESC, grid.lower_age
