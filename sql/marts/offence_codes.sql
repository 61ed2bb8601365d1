-- Home Office offence codes with their group, and how the configured definition treats them:
-- counted as serious violence by group or by an explicit inclusion, or explicitly excluded
-- (an exclusion wins over the knife/firearm flag rule too).
WITH explicit AS (
    SELECT code, bool_or(include) AS include, bool_or(NOT include) AS exclude
    FROM cfg.sv_codes GROUP BY code
)
SELECT
    c.code,
    c.description,
    c."group"                                            AS offence_group,
    coalesce(x.include, false) OR g."group" IS NOT NULL  AS serious_violence,
    coalesce(x.exclude, false)                           AS excluded
FROM seeds.ho_offence_codes AS c
LEFT JOIN cfg.sv_groups AS g ON g."group" = c."group"
LEFT JOIN explicit AS x ON x.code = c.code
UNION ALL
SELECT x.code, NULL, 'other', true, false  -- codes the config adds that the seed list lacks
FROM explicit AS x
WHERE x.include AND x.code NOT IN (SELECT code FROM seeds.ho_offence_codes)
