-- Monthly counts of the force extract's headline measures, per geography.
WITH youth AS (
    SELECT CAST(value AS INTEGER) AS under FROM cfg.settings WHERE key = 'youth_under'
),
measures AS (
    SELECT * FROM (VALUES (1, 'Serious violence'),
                          (2, 'Knife or sharp instrument serious violence'),
                          (3, 'Homicide'),
                          (4, 'Serious violence with a victim under ' ||
                              (SELECT under FROM youth))) AS m(measure_id, measure)
),
youth_victim_crimes AS (
    SELECT DISTINCT crime_reference FROM {{ ref('fct_people') }} WHERE role = 'victim' AND is_youth
),
counted AS (
    SELECT g.geography_code, m.measure_id, o.month, count(*) AS offences
    FROM {{ ref('fct_offences') }} AS o
    JOIN {{ ref('geographies') }} AS g USING (lad_code)
    JOIN measures AS m ON CASE m.measure_id
        WHEN 1 THEN o.is_serious_violence
        WHEN 2 THEN o.is_knife_serious_violence
        WHEN 3 THEN o.is_homicide
        ELSE o.is_serious_violence
             AND o.crime_reference IN (SELECT crime_reference FROM youth_victim_crimes) END
    WHERE o.in_area
    GROUP BY ALL
)
SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order, m.measure,
       s.month, coalesce(c.offences, 0) AS offences
FROM (SELECT DISTINCT geography_level, geography_code, geography_name, geography_order
      FROM {{ ref('geographies') }}) AS g
CROSS JOIN measures AS m
CROSS JOIN {{ ref('force_month_spine') }} AS s
LEFT JOIN counted AS c ON c.geography_code = g.geography_code
    AND c.measure_id = m.measure_id AND c.month = s.month
ORDER BY g.geography_order, m.measure_id, s.month
