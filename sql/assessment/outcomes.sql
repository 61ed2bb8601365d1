-- The latest outcome of serious violence crimes recorded in the latest 12 months.
WITH crimes AS (
    SELECT o.*
    FROM {{ ref('fct_crime_outcomes') }} AS o, {{ ref('reporting_period') }} AS p
    WHERE o.in_area AND o.month >= p.latest_12_start
),
counted AS (
    SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
           c.category, o.outcome, count(*) AS crimes
    FROM crimes AS o
    JOIN {{ ref('geographies') }} AS g USING (lad_code)
    JOIN {{ ref('crime_categories') }} AS c USING (crime_type)
    WHERE c.category IN (SELECT crime_type FROM {{ ref('sv_categories') }})
       OR c.category = 'Serious violence'
    GROUP BY ALL
)
SELECT *,
       round(100.0 * crimes / sum(crimes) OVER (PARTITION BY geography_code, category), 1)
           AS share_pct
FROM counted
ORDER BY geography_order, category, crimes DESC, outcome
