-- People (by pseudonym) who were victims, or suspects, of serious violence in the area in
-- the latest 12 months: how many, how many more than once, how many in both roles. Counts,
-- never a list of people.
WITH people AS (
    SELECT f.role, f.person_id, count(DISTINCT f.crime_reference) AS crimes
    FROM {{ ref('fct_people') }} AS f, {{ ref('force_reporting_period') }} AS p
    WHERE f.in_area AND f.is_serious_violence AND f.month >= p.latest_12_start
      AND f.person_id IS NOT NULL
    GROUP BY ALL
),
both_roles AS (
    SELECT count(*) AS n FROM (SELECT person_id FROM people GROUP BY person_id
                              HAVING count(DISTINCT role) = 2)
)
SELECT role, measure, people, round(100.0 * people / total, 1) AS share_pct FROM (
    SELECT role, 1 AS measure_order, 'People' AS measure, count(*) AS people, count(*) AS total
    FROM people GROUP BY role
    UNION ALL
    SELECT role, 2, 'More than once in 12 months', count(*) FILTER (WHERE crimes >= 2), count(*)
    FROM people GROUP BY role
    UNION ALL
    SELECT role, 3, 'Also ' || CASE role WHEN 'victim' THEN 'a suspect' ELSE 'a victim' END,
           (SELECT n FROM both_roles), count(*)
    FROM people GROUP BY role
)
ORDER BY role DESC, measure_order
