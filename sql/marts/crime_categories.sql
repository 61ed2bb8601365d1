-- The categories every table reports: each police.uk crime type (of every force's files, so
-- that areas sharing them report the same types), plus serious violence and all crime
-- (anti-social behaviour is not a crime, so it is left out of the total).
SELECT crime_type AS category, crime_type, 'crime type' AS kind
FROM (SELECT DISTINCT crime_type FROM {{ ref('police_uk_street') }} WHERE crime_type IS NOT NULL)
UNION ALL
SELECT 'Serious violence', crime_type, 'total' FROM {{ ref('sv_categories') }}
UNION ALL
SELECT 'All crime', crime_type, 'total'
FROM (SELECT DISTINCT crime_type FROM {{ ref('police_uk_street') }})
WHERE crime_type <> 'Anti-social behaviour'
