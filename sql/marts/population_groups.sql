-- Census 2021 residents of each district of the area by broad ethnic group and by age band:
-- the denominators of disproportionality and of rates per age group.
SELECT 'ethnic_group' AS dimension, c.lad_code,
       -- the broad group is the label's first word (TS021 labels start with it; Roma is White)
       CASE split_part(c.census_label, ' ', 1)
           WHEN 'White:' THEN 'White' WHEN 'Asian,' THEN 'Asian' WHEN 'Black,' THEN 'Black'
           WHEN 'Mixed' THEN 'Mixed' ELSE 'Other' END AS "group",
       sum(c.population)::BIGINT AS population
FROM {{ ref('ref_census_ethnicity') }} AS c
WHERE c.census_code > 0 AND c.lad_code IN (SELECT lad_code FROM cfg.districts)
GROUP BY ALL
UNION ALL
SELECT 'age_band', a.lad_code, b.label, sum(a.population)::BIGINT
FROM {{ ref('ref_census_age') }} AS a
JOIN cfg.age_bands AS b ON a.age BETWEEN b.lower_age AND coalesce(b.upper_age, 1000)
WHERE a.lad_code IN (SELECT lad_code FROM cfg.districts)
GROUP BY ALL
