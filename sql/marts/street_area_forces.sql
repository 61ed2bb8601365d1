-- The forces serving the area: those with at least one street record placed in it. Of many
-- areas sharing a national raw folder, each keeps its own forces' rows.
SELECT DISTINCT s.force
FROM {{ ref('police_uk_street') }} AS s
JOIN {{ ref('lsoa_code_map') }} AS m ON m.lsoa_code = s.lsoa_code
JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = m.lsoa21_code AND l.in_area
