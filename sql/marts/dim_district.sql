-- The configured districts, in config order, with names and populations from the lookups.
SELECT
    d.lad_code,
    coalesce(min(l.lad_name), d.lad_code) AS lad_name,
    d.position,
    count(l.lsoa21_code)                  AS lsoas,
    sum(l.population)::BIGINT             AS population,
    count(l.lsoa21_code) - count(l.population) AS lsoas_without_population
FROM cfg.districts AS d
LEFT JOIN {{ ref('dim_lsoa') }} AS l USING (lad_code)
GROUP BY d.lad_code, d.position
