-- Every LSOA of the area ranked by serious violence over the latest 12 months, with its share
-- and the cumulative share held by it and all LSOAs above it (concentration).
WITH counts AS (
    SELECT r.lsoa21_code, count(*) AS incidents
    FROM {{ ref('fct_street_records') }} AS r, {{ ref('reporting_period') }} AS p
    WHERE r.in_area AND NOT r.is_duplicate AND r.is_serious_violence
      AND r.month >= p.latest_12_start
    GROUP BY ALL
),
ranked AS (
    SELECT
        l.lsoa21_code, l.lsoa21_name, l.lad_code, l.lad_name, l.population, l.imd_decile,
        coalesce(c.incidents, 0) AS incidents,
        row_number() OVER (ORDER BY coalesce(c.incidents, 0) DESC, l.lsoa21_code) AS rank,
        count(*) OVER () AS lsoas,
        sum(coalesce(c.incidents, 0)) OVER () AS total
    FROM {{ ref('dim_lsoa') }} AS l
    LEFT JOIN counts AS c USING (lsoa21_code)
    WHERE l.in_area
)
SELECT
    lsoa21_code, lsoa21_name, lad_code, lad_name, population, imd_decile, incidents,
    round(1000.0 * incidents / nullif(population, 0), 2) AS rate_per_1000,
    rank,
    round(100.0 * incidents / nullif(total, 0), 2) AS share_pct,
    round(100.0 * sum(incidents) OVER (ORDER BY rank) / nullif(total, 0), 2) AS cumulative_share_pct,
    round(100.0 * rank / lsoas, 2) AS cumulative_lsoa_pct
FROM ranked
ORDER BY rank
