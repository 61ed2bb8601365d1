-- Whom each partner sees: its violence records of the latest 12 months in the area by age
-- band, sex and broad ethnic group, as counts, shares and (where the Census gives the
-- group's population) rates per 1,000 residents of the group with exact Poisson intervals.
-- A field a source does not hold at all is left out rather than shown as all "not recorded".
WITH values AS (
    SELECT source, 'Age band' AS dimension, coalesce(age_band, 'Not recorded') AS value
    FROM {{ ref('partner_events_12m') }}
    UNION ALL
    SELECT source, 'Sex', CASE sex WHEN 'M' THEN 'Male' WHEN 'F' THEN 'Female'
                                   WHEN 'U' THEN 'Not known' ELSE 'Not recorded' END
    FROM {{ ref('partner_events_12m') }}
    UNION ALL
    SELECT source, 'Ethnic group', ethnic_group FROM {{ ref('partner_events_12m') }}
),
counted AS (
    SELECT source, dimension, value, count(*) AS records,
           sum(count(*)) OVER (PARTITION BY source, dimension) AS total
    FROM values GROUP BY source, dimension, value
    QUALIFY count(*) FILTER (WHERE value <> 'Not recorded')
                OVER (PARTITION BY source, dimension) > 0
),
population AS (
    SELECT CASE dimension WHEN 'age_band' THEN 'Age band' ELSE 'Ethnic group' END AS dimension,
           "group" AS value, sum(population)::BIGINT AS population
    FROM {{ ref('population_groups') }} GROUP BY ALL
)
SELECT c.source, c.dimension, c.value, c.records,
       round(100.0 * c.records / c.total, 1) AS share_pct,
       p.population,
       round(1000.0 * c.records / p.population, 2) AS rate_per_1000,
       round(1000.0 * poisson_lower(c.records) / p.population, 2) AS ci_lower,
       round(1000.0 * poisson_upper(c.records) / p.population, 2) AS ci_upper
FROM counted AS c
LEFT JOIN population AS p USING (dimension, value)
LEFT JOIN seeds.sources AS s USING (source)
ORDER BY s.source_order::INTEGER, c.dimension, c.value
