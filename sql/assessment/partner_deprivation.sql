-- Risk and context: each source's violence over its latest 12 months by deprivation decile of
-- the LSOA (IMD 2025; 1 = most deprived), per 1,000 residents with exact Poisson 95%
-- intervals, and each decile's rate as a ratio to the least deprived decile with data
-- (exact conditional interval, scaled by the populations).
WITH deciles AS (
    SELECT imd_decile, count(*) AS lsoas, sum(population)::BIGINT AS population
    FROM {{ ref('dim_lsoa') }}
    WHERE in_area AND imd_decile IS NOT NULL
    GROUP BY ALL
),
counts AS (
    SELECT c.source, l.imd_decile, sum(c.events)::BIGINT AS events
    FROM {{ ref('lsoa_source_counts') }} AS c
    JOIN {{ ref('dim_lsoa') }} AS l USING (lsoa21_code)
    WHERE l.imd_decile IS NOT NULL
    GROUP BY ALL
),
grid AS (
    SELECT s.source, d.imd_decile, d.lsoas, d.population, coalesce(c.events, 0) AS events
    FROM (SELECT DISTINCT source FROM counts) AS s
    CROSS JOIN deciles AS d
    LEFT JOIN counts AS c ON c.source = s.source AND c.imd_decile = d.imd_decile
    WHERE d.population > 0
),
reference AS (  -- the least deprived decile of the area, per source
    SELECT source, arg_max(events, imd_decile) AS ref_events,
           arg_max(population, imd_decile) AS ref_population, max(imd_decile) AS ref_decile
    FROM grid GROUP BY source
)
SELECT g.source, g.imd_decile, g.lsoas, g.population, g.events,
       round(1000.0 * g.events / g.population, 2) AS rate_per_1000,
       round(1000.0 * poisson_lower(g.events) / g.population, 2) AS ci_lower,
       round(1000.0 * poisson_upper(g.events) / g.population, 2) AS ci_upper,
       r.ref_decile AS reference_decile,
       g.imd_decile = r.ref_decile AS is_reference,
       CASE WHEN r.ref_events > 0 THEN round((g.events / g.population)
            / (r.ref_events / r.ref_population), 2) END AS rate_ratio,
       -- the reference against itself is 1 exactly: no interval
       CASE WHEN r.ref_events > 0 AND g.imd_decile <> r.ref_decile
            THEN round(ratio_lower(g.events, r.ref_events)
                       * r.ref_population / g.population, 2) END AS rate_ratio_ci_lower,
       CASE WHEN r.ref_events > 0 AND g.imd_decile <> r.ref_decile
            THEN round(ratio_upper(g.events, r.ref_events)
                       * r.ref_population / g.population, 2) END AS rate_ratio_ci_upper
FROM grid AS g
JOIN reference AS r USING (source)
LEFT JOIN seeds.sources AS s USING (source)
ORDER BY s.source_order::INTEGER, g.imd_decile
