-- Every 2021 LSOA known to the lookups, with its district, population and deprivation decile.
-- LSOAs missing from the 2021 lookup but named by the 2011-to-2021 lookup take that lookup's
-- (2022) district. The same for every area (dim_lsoa adds whether it lies in the area).
WITH lsoas AS (
    SELECT lsoa21_code, lsoa21_name, lad_code, lad_name FROM {{ ref('ref_lsoa21_lad') }}
    UNION ALL
    SELECT lsoa21_code, min(lsoa21_code), min(lad22_code), min(lad22_name)
    FROM {{ ref('ref_lsoa11_lsoa21') }}
    WHERE lsoa21_code NOT IN (SELECT lsoa21_code FROM {{ ref('ref_lsoa21_lad') }})
    GROUP BY lsoa21_code
)
SELECT
    l.lsoa21_code,
    l.lsoa21_name,
    l.lad_code,
    l.lad_name,
    p.population,
    i.imd_decile,
    i.imd_rank,
    i.imd_score
FROM lsoas AS l
LEFT JOIN {{ ref('ref_lsoa_population') }} AS p USING (lsoa21_code)
LEFT JOIN {{ ref('ref_imd2025') }} AS i USING (lsoa21_code)
