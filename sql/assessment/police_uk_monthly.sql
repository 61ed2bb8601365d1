-- The analysts' contract: one row per month, district of the area and police.uk crime type
-- (anti-social behaviour included), counting each record once, only records whose LSOA lies
-- in a district of the area. Months and types with no records show 0.
WITH counts AS (
    SELECT month, lad_code, crime_type, count(*) AS incidents
    FROM {{ ref('fct_street_records') }}
    WHERE in_area AND NOT is_duplicate
    GROUP BY ALL
)
SELECT m.month, d.lad_code, d.lad_name, t.crime_type, coalesce(c.incidents, 0) AS incidents
FROM {{ ref('month_spine') }} AS m
CROSS JOIN {{ ref('dim_district') }} AS d
CROSS JOIN (SELECT DISTINCT crime_type FROM {{ ref('crime_categories') }}
            WHERE kind = 'crime type') AS t
LEFT JOIN counts AS c USING (month, lad_code, crime_type)
ORDER BY m.month, d.position, t.crime_type
