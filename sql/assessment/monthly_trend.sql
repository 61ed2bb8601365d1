-- Monthly counts per geography and category, with the 12-month rolling total (blank until
-- 12 months are available).
WITH base AS (
    SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
           c.category, p.month, sum(p.incidents)::BIGINT AS incidents
    FROM {{ ref('police_uk_monthly') }} AS p
    JOIN {{ ref('geographies') }} AS g USING (lad_code)
    JOIN {{ ref('crime_categories') }} AS c USING (crime_type)
    GROUP BY ALL
)
SELECT
    *,
    CASE WHEN count(*) OVER w = 12 THEN (sum(incidents) OVER w)::BIGINT END AS rolling_12m
FROM base
WINDOW w AS (PARTITION BY geography_code, category ORDER BY month
             ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
ORDER BY geography_order, category, month
