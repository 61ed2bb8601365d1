-- What the force extract could not tell us, with counts.
WITH o AS (SELECT * FROM {{ ref('force_offences_classified') }}),
p AS (SELECT * FROM {{ ref('force_people_classified') }})
SELECT check_order, measure, value::BIGINT AS value, detail FROM (VALUES
    (1, 'Crimes in the extract (latest version of each)', (SELECT count(*) FROM o), NULL),
    (2, 'Crimes placed in the area', (SELECT count(*) FROM {{ ref('fct_offences') }}), NULL),
    (3, 'Crimes with no LSOA', (SELECT count(*) FROM o WHERE placement = 'no_lsoa'),
        'Not counted in any district'),
    (4, 'Crimes whose LSOA code the lookups could not place',
        (SELECT count(*) FROM o WHERE placement = 'unplaced_code'), NULL),
    (5, 'Crimes with an offence code not in the Home Office list',
        (SELECT count(*) FROM o WHERE offence_group = 'unknown'),
        (SELECT string_agg(DISTINCT offence_code, ', ') FROM o WHERE offence_group = 'unknown')),
    (6, 'Crimes with an unknown outcome code',
        (SELECT count(*) FROM o WHERE outcome_category = 'unknown'),
        (SELECT string_agg(DISTINCT outcome_code, ', ') FROM o WHERE outcome_category = 'unknown')),
    (7, 'Victim rows linked to no crime of the extract',
        (SELECT count(*) FROM p WHERE role = 'victim' AND NOT linked), NULL),
    (8, 'Suspect rows linked to no crime of the extract',
        (SELECT count(*) FROM p WHERE role = 'suspect' AND NOT linked), NULL),
    (9, 'Victims and suspects with no person id',
        (SELECT count(*) FROM p WHERE person_id IS NULL),
        'Cannot be counted as repeat victims or suspects')
) AS t(check_order, measure, value, detail)
