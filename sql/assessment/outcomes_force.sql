-- How serious violence crimes of the latest 12 months were resolved, by Home Office outcome
-- category, per geography; outcome 22 (diversionary, educational or intervention activity)
-- is its own category.
WITH crimes AS (
    SELECT o.*
    FROM {{ ref('fct_offences') }} AS o, {{ ref('force_reporting_period') }} AS p
    WHERE o.in_area AND o.is_serious_violence AND o.month >= p.latest_12_start
),
counted AS (
    SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
           c.outcome_category, count(*) AS crimes
    FROM crimes AS c JOIN {{ ref('geographies') }} AS g USING (lad_code)
    GROUP BY ALL
)
SELECT *,
       round(100.0 * crimes / sum(crimes) OVER (PARTITION BY geography_code), 1) AS share_pct,
       CASE WHEN outcome_category <> 'not_yet' THEN
           round(100.0 * crimes / nullif(sum(crimes) FILTER (WHERE outcome_category <> 'not_yet')
                                         OVER (PARTITION BY geography_code), 0), 1)
       END AS share_of_finalised_pct
FROM counted
ORDER BY geography_order, crimes DESC, outcome_category  -- ties in a fixed order
