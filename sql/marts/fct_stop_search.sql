-- Stop and search records placed in an LSOA. The files carry coordinates but no LSOA, so a
-- search is placed at the LSOA of the street-level map point with the same coordinates (the
-- same anonymised points serve both), else of the nearest map point within about 1 km.
WITH points AS (
    SELECT longitude, latitude, min(lsoa21_code) AS lsoa21_code
    FROM {{ ref('fct_street_records') }}
    WHERE lsoa21_code IS NOT NULL AND longitude IS NOT NULL AND latitude IS NOT NULL
    GROUP BY longitude, latitude
),
searches AS (
    SELECT row_number() OVER (ORDER BY file_id, line) AS search_id, *
    FROM {{ ref('police_uk_stop_search') }}
),
exact AS (
    SELECT s.search_id, p.lsoa21_code
    FROM searches AS s
    JOIN points AS p USING (longitude, latitude)
),
nearest AS (
    SELECT
        s.search_id,
        arg_min(p.lsoa21_code,
                pow(p.latitude - s.latitude, 2)
                + pow((p.longitude - s.longitude) * cos(radians(s.latitude)), 2)) AS lsoa21_code
    FROM searches AS s
    JOIN points AS p
      ON p.latitude BETWEEN s.latitude - 0.009 AND s.latitude + 0.009
     AND p.longitude BETWEEN s.longitude - 0.015 AND s.longitude + 0.015
    WHERE s.search_id NOT IN (SELECT search_id FROM exact)
    GROUP BY s.search_id
)
SELECT
    s.* EXCLUDE (search_id),
    coalesce(e.lsoa21_code, n.lsoa21_code) AS lsoa21_code,
    CASE
        WHEN s.latitude IS NULL OR s.longitude IS NULL THEN 'no_location'
        WHEN e.lsoa21_code IS NOT NULL THEN 'same_point'
        WHEN n.lsoa21_code IS NOT NULL THEN 'nearest_point'
        ELSE 'unplaced'
    END AS placement,
    l.lad_code,
    l.lad_name,
    coalesce(l.in_area, false) AS in_area
FROM searches AS s
LEFT JOIN exact AS e USING (search_id)
LEFT JOIN nearest AS n USING (search_id)
LEFT JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = coalesce(e.lsoa21_code, n.lsoa21_code)
