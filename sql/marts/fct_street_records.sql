{{ config(materialized="merge", key="crime_id") }}
-- One row per street-level record of the forces serving the area, placed in a 2021 LSOA and
-- district where its code allows.
-- A Crime ID seen again (in the same or another file) is flagged as a duplicate and not counted.
-- A new month replaces only the rows of the Crime IDs in its files (merge).
WITH numbered AS (
    SELECT
        s.*,
        CASE WHEN s.crime_id IS NOT NULL THEN row_number() OVER (
            PARTITION BY s.crime_id ORDER BY s.month, s.file_id, s.line) END AS copy_no
    FROM {{ changed('police_uk_street') }} AS s
    WHERE s.force IN (SELECT force FROM {{ ref('street_area_forces') }})
)
SELECT
    n.file_id,
    n.line,
    n.force,
    n.crime_id,
    n.month,
    n.crime_type,
    sv.crime_type IS NOT NULL             AS is_serious_violence,
    n.last_outcome_category,
    n.longitude,
    n.latitude,
    n.location,
    n.lsoa_code,
    n.lsoa_name,
    m.lsoa21_code,
    m.vintage                             AS lsoa_vintage,
    l.lad_code,
    l.lad_name,
    coalesce(l.in_area, false)            AS in_area,
    CASE
        WHEN n.lsoa_code IS NULL THEN 'no_location'
        WHEN m.lsoa21_code IS NULL THEN 'unplaced_code'
        ELSE 'placed'
    END                                   AS placement,
    coalesce(n.copy_no > 1, false)        AS is_duplicate
FROM numbered AS n
LEFT JOIN {{ ref('lsoa_code_map') }} AS m ON m.lsoa_code = n.lsoa_code
LEFT JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = m.lsoa21_code
LEFT JOIN {{ ref('sv_categories') }} AS sv ON sv.crime_type = n.crime_type
