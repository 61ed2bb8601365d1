-- The police.uk crime types counted as serious violence in the baseline: police.uk has no
-- offence codes, so these three categories stand in for the Home Office definition.
SELECT * FROM (VALUES
    ('Violence and sexual offences'),
    ('Robbery'),
    ('Possession of weapons')
) AS t(crime_type)
