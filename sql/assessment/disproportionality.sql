-- Racial disproportionality (HMICFRS recommendation 4): for victims and suspects of serious
-- violence, stop and search (police.uk, officer-defined ethnicity) and outcome 22, each broad
-- ethnic group's rate against White's: the relative rate index (RRI) with its 95% interval by
-- the log method. Victims, suspects and searches are per resident (Census 2021); outcome 22 is
-- per suspect with a final outcome. Fewer than 10 events on either side is flagged.
WITH pop AS (
    SELECT "group" AS ethnic_group, sum(population) AS denominator
    FROM {{ ref('population_groups') }} WHERE dimension = 'ethnic_group' GROUP BY ALL
),
people AS (
    SELECT f.*
    FROM {{ ref('fct_people') }} AS f, {{ ref('force_reporting_period') }} AS p
    WHERE f.in_area AND f.is_serious_violence AND f.month >= p.latest_12_start
),
events AS (
    SELECT 'Victims of serious violence' AS measure, 'rate' AS kind, ethnic_group,
           count(*) AS events, NULL::BIGINT AS own_denominator
    FROM people WHERE role = 'victim' GROUP BY ALL
    UNION ALL
    SELECT 'Suspects of serious violence', 'rate', ethnic_group, count(*), NULL
    FROM people WHERE role = 'suspect' GROUP BY ALL
    UNION ALL
    SELECT 'Stop and search', 'rate', s.officer_defined_ethnicity, count(*), NULL
    FROM {{ ref('fct_stop_search') }} AS s, {{ ref('reporting_period') }} AS p
    WHERE s.in_area AND s.month BETWEEN p.latest_12_start AND p.latest_month
      AND s.officer_defined_ethnicity IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT 'Outcome 22 among suspects with a final outcome', 'proportion', ethnic_group,
           count(*) FILTER (WHERE outcome_code = '22'), count(*)
    FROM people
    WHERE role = 'suspect' AND outcome_category NOT IN ('not_yet', 'unknown')
    GROUP BY ALL
),
rates AS (
    SELECT e.measure, e.kind, e.ethnic_group, e.events,
           CASE e.kind WHEN 'rate' THEN pop.denominator ELSE e.own_denominator END AS denominator
    FROM events AS e LEFT JOIN pop USING (ethnic_group)
    WHERE e.ethnic_group IN ('White', 'Mixed', 'Asian', 'Black', 'Other')
)
SELECT
    r.measure, r.ethnic_group, r.events, r.denominator,
    round(CASE r.kind WHEN 'rate' THEN 1000.0 ELSE 100.0 END * r.events / nullif(r.denominator, 0), 3)
        AS rate,
    CASE r.kind WHEN 'rate' THEN 'per 1,000 residents' ELSE '% of suspects' END AS rate_unit,
    round((r.events / r.denominator) / (w.events / w.denominator), 2) AS rri,
    CASE WHEN r.ethnic_group <> 'White' THEN  -- the reference against itself has no interval
        round(exp(ln((r.events / r.denominator) / (w.events / w.denominator))
                  - 1.959964 * sqrt(se2)), 2) END AS rri_lower,
    CASE WHEN r.ethnic_group <> 'White' THEN
        round(exp(ln((r.events / r.denominator) / (w.events / w.denominator))
                  + 1.959964 * sqrt(se2)), 2) END AS rri_upper,
    r.events >= 10 AND w.events >= 10 AS reliable
FROM rates AS r
JOIN rates AS w ON w.measure = r.measure AND w.ethnic_group = 'White'
CROSS JOIN LATERAL (SELECT CASE WHEN r.events > 0 AND w.events > 0 THEN
    CASE r.kind WHEN 'rate' THEN 1.0 / r.events + 1.0 / w.events
         ELSE 1.0 / r.events - 1.0 / r.denominator + 1.0 / w.events - 1.0 / w.denominator END
    END AS se2) AS v
WHERE r.denominator > 0 AND w.denominator > 0 AND w.events > 0
ORDER BY r.measure, CASE r.ethnic_group WHEN 'White' THEN 0 ELSE 1 END, r.ethnic_group
