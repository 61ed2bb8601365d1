-- Every 2021 LSOA known to the lookups (lsoa_lookup) and whether it lies in the area.
SELECT
    l.lsoa21_code,
    l.lsoa21_name,
    l.lad_code,
    l.lad_name,
    d.lad_code IS NOT NULL AS in_area,
    l.population,
    l.imd_decile,
    l.imd_rank,
    l.imd_score
FROM {{ ref('lsoa_lookup') }} AS l
LEFT JOIN cfg.districts AS d USING (lad_code)
