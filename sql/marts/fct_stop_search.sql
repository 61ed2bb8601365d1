-- Stop and search records placed in an LSOA (stop_search_places), with its district and
-- whether it lies in the area.
SELECT
    p.*,
    l.lad_code,
    l.lad_name,
    coalesce(l.in_area, false) AS in_area
FROM {{ ref('stop_search_places') }} AS p
LEFT JOIN {{ ref('dim_lsoa') }} AS l USING (lsoa21_code)
