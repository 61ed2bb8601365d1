-- Each district of the area reports as itself and as part of the whole area.
SELECT lad_code, 'area' AS geography_level, (SELECT slug FROM cfg.area) AS geography_code,
       (SELECT name FROM cfg.area) AS geography_name, 0 AS geography_order
FROM {{ ref('dim_district') }}
UNION ALL
SELECT lad_code, 'district', lad_code, lad_name, position + 1
FROM {{ ref('dim_district') }}
