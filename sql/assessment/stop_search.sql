-- Stop and search in the latest 12 months by object, outcome, age range and ethnicity
-- (officer- and self-defined). Person-level counts: small ones are suppressed on publication.
WITH searches AS (
    SELECT s.*
    FROM {{ ref('fct_stop_search') }} AS s, {{ ref('reporting_period') }} AS p
    WHERE s.in_area AND s.month BETWEEN p.latest_12_start AND p.latest_month
),
long AS (
    UNPIVOT (SELECT lad_code, coalesce(object_of_search, 'Not recorded') AS "Object of search",
                    coalesce(outcome, 'Not recorded') AS "Outcome",
                    coalesce(age_range, 'Not recorded') AS "Age range",
                    coalesce(officer_defined_ethnicity, 'Not recorded') AS "Officer-defined ethnicity",
                    coalesce(self_defined_ethnicity, 'Not recorded') AS "Self-defined ethnicity"
             FROM searches)
    ON "Object of search", "Outcome", "Age range", "Officer-defined ethnicity",
       "Self-defined ethnicity"
    INTO NAME dimension VALUE value
),
counted AS (
    SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
           l.dimension, l.value, count(*) AS searches
    FROM long AS l
    JOIN {{ ref('geographies') }} AS g USING (lad_code)
    GROUP BY ALL
)
SELECT *,
       round(100.0 * searches / sum(searches) OVER (PARTITION BY geography_code, dimension), 1)
           AS share_pct
FROM counted
ORDER BY geography_order, dimension, searches DESC, value
