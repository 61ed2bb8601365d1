-- Monthly counts of the force extract's headline measures, per geography.
WITH measures AS (
    SELECT o.month, o.lad_code, m.measure
    FROM {{ ref('fct_offences') }} AS o,
         (VALUES ('Serious violence'), ('Knife or sharp instrument serious violence'),
                 ('Homicide'), ('Serious violence with a victim under 25')) AS m(measure)
    WHERE o.in_area AND CASE m.measure
        WHEN 'Serious violence' THEN o.is_serious_violence
        WHEN 'Knife or sharp instrument serious violence' THEN o.is_knife_serious_violence
        WHEN 'Homicide' THEN o.is_homicide
        ELSE o.is_serious_violence AND o.crime_reference IN (
            SELECT crime_reference FROM {{ ref('fct_people') }} WHERE role = 'victim' AND is_youth)
        END
),
counts AS (
    SELECT g.geography_code, m.measure, m.month, count(*) AS offences
    FROM measures AS m JOIN {{ ref('geographies') }} AS g USING (lad_code)
    GROUP BY ALL
)
SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order, m.measure,
       s.month, coalesce(c.offences, 0) AS offences
FROM (SELECT DISTINCT geography_level, geography_code, geography_name, geography_order
      FROM {{ ref('geographies') }}) AS g
CROSS JOIN (VALUES ('Serious violence'), ('Knife or sharp instrument serious violence'),
                   ('Homicide'), ('Serious violence with a victim under 25')) AS m(measure)
CROSS JOIN {{ ref('force_month_spine') }} AS s
LEFT JOIN counts AS c USING (geography_code, measure, month)
ORDER BY g.geography_order, m.measure, s.month
