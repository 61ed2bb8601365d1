-- Serious violence and all crime by deprivation decile (IMD 2025; 1 = most deprived) over the
-- latest 12 months, with rates per 1,000 and exact Poisson 95% intervals.
WITH lsoa_counts AS (
    SELECT
        r.lsoa21_code,
        count(*) FILTER (WHERE r.is_serious_violence)               AS serious_violence,
        count(*) FILTER (WHERE r.crime_type <> 'Anti-social behaviour') AS all_crime
    FROM {{ ref('fct_street_records') }} AS r, {{ ref('reporting_period') }} AS p
    WHERE r.in_area AND NOT r.is_duplicate AND r.month >= p.latest_12_start
    GROUP BY ALL
),
by_decile AS (
    SELECT
        g.geography_level, g.geography_code, g.geography_name, g.geography_order,
        l.imd_decile,
        count(*) AS lsoas,
        sum(l.population)::BIGINT AS population,
        sum(coalesce(c.serious_violence, 0))::BIGINT AS serious_violence,
        sum(coalesce(c.all_crime, 0))::BIGINT AS all_crime
    FROM {{ ref('dim_lsoa') }} AS l
    JOIN {{ ref('geographies') }} AS g USING (lad_code)
    LEFT JOIN lsoa_counts AS c USING (lsoa21_code)
    WHERE l.in_area
    GROUP BY ALL
)
SELECT
    *,
    round(1000.0 * serious_violence / nullif(population, 0), 2) AS sv_rate_per_1000,
    round(1000.0 * poisson_lower(serious_violence) / nullif(population, 0), 2) AS sv_ci_lower,
    round(1000.0 * poisson_upper(serious_violence) / nullif(population, 0), 2) AS sv_ci_upper,
    round(1000.0 * all_crime / nullif(population, 0), 2) AS all_crime_rate_per_1000
FROM by_decile
ORDER BY geography_order, imd_decile NULLS LAST
