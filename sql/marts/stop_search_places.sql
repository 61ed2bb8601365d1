-- Stop and search records placed in an LSOA (the same for every area; fct_stop_search adds
-- the district and whether it lies in the area). The files carry coordinates but no LSOA, so a
-- search is placed at the LSOA of the street-level map point with the same coordinates (the
-- same anonymised points serve both), else of the nearest map point within about 1 km (within
-- 0.009 degrees of latitude and 0.015 of longitude; equally near points: the lowest LSOA code).
-- Speed: only searches with no point at their coordinates look for the nearest one, and only
-- among points of the 3 x 3 grid cells around them. A cell (0.01 x 0.016 degrees) is larger
-- than the search box, so every point in the box lies in a neighbouring cell even after
-- floating-point rounding; the box filter then keeps exactly the points the rule allows.
WITH points AS (  -- every force's map points: a search may be near a neighbouring force's
    SELECT
        s.longitude,
        s.latitude,
        min(m.lsoa21_code) AS lsoa21_code,
        floor(s.latitude / 0.01)::BIGINT AS cell_lat,
        floor(s.longitude / 0.016)::BIGINT AS cell_lon
    FROM {{ ref('police_uk_street') }} AS s
    JOIN {{ ref('lsoa_code_map') }} AS m ON m.lsoa_code = s.lsoa_code
    WHERE s.longitude IS NOT NULL AND s.latitude IS NOT NULL
    GROUP BY s.longitude, s.latitude
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
unmatched AS (
    SELECT
        s.search_id,
        s.longitude,
        s.latitude,
        floor(s.latitude / 0.01)::BIGINT AS cell_lat,
        floor(s.longitude / 0.016)::BIGINT AS cell_lon
    FROM searches AS s
    LEFT JOIN exact AS e USING (search_id)
    WHERE e.search_id IS NULL AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL
),
neighbour_cells AS (
    SELECT u.*, u.cell_lat + d_lat.step AS near_lat, u.cell_lon + d_lon.step AS near_lon
    FROM unmatched AS u
    CROSS JOIN (VALUES (-1), (0), (1)) AS d_lat(step)
    CROSS JOIN (VALUES (-1), (0), (1)) AS d_lon(step)
),
nearest AS (
    SELECT
        s.search_id,
        arg_min(p.lsoa21_code,
                (pow(p.latitude - s.latitude, 2)
                 + pow((p.longitude - s.longitude) * cos(radians(s.latitude)), 2),
                 p.lsoa21_code)) AS lsoa21_code
    FROM neighbour_cells AS s
    JOIN points AS p ON p.cell_lat = s.near_lat AND p.cell_lon = s.near_lon
    WHERE p.latitude BETWEEN s.latitude - 0.009 AND s.latitude + 0.009
      AND p.longitude BETWEEN s.longitude - 0.015 AND s.longitude + 0.015
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
    END AS placement
FROM searches AS s
LEFT JOIN exact AS e USING (search_id)
LEFT JOIN nearest AS n USING (search_id)
