-- Home Office offence codes with their group, and whether the configured definition counts
-- the code as serious violence (flags and domestic abuse are applied per offence).
SELECT
    c.code,
    c.description,
    c."group"                                                       AS offence_group,
    coalesce(x.include, g."group" IS NOT NULL)                      AS serious_violence
FROM seeds.ho_offence_codes AS c
LEFT JOIN cfg.sv_groups AS g ON g."group" = c."group"
LEFT JOIN cfg.sv_codes AS x ON x.code = c.code
UNION ALL
SELECT x.code, NULL, 'other', true  -- codes the config adds that the seed list lacks
FROM cfg.sv_codes AS x
WHERE x.include AND x.code NOT IN (SELECT code FROM seeds.ho_offence_codes)
