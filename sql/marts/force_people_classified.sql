-- Victims and suspects (one row per person per crime, latest delivery: force_people_latest),
-- with their crime's date, place and classification, age band and ethnic group: all but
-- whether the crime is in the area (fct_people adds that), so that many areas share one
-- build of it. A suspect's outcome is their own where recorded, else the crime's.
SELECT
    p.role,
    p.crime_reference,
    p.person_id,
    p.age,
    b.label                                                      AS age_band,
    p.age < (SELECT value FROM cfg.settings WHERE key = 'youth_under') AS is_youth,
    p.sex,
    p.ethnicity,
    coalesce(e.broad_group, CASE WHEN p.ethnicity IS NULL THEN 'Not recorded' ELSE 'Unknown code' END)
                                                                 AS ethnic_group,
    p.repeat_flag,
    o.crime_reference IS NOT NULL                                AS linked,
    o.recorded_date,
    o.month,
    o.offence_group,
    o.is_serious_violence,
    o.is_knife_serious_violence,
    o.lsoa21_code,
    coalesce(p.own_outcome, o.outcome_code)                      AS outcome_code,
    coalesce(oc.category, 'unknown')                             AS outcome_category
FROM {{ ref('force_people_latest') }} AS p
LEFT JOIN {{ ref('force_offences_classified') }} AS o USING (crime_reference)
LEFT JOIN cfg.age_bands AS b ON p.age BETWEEN b.lower_age AND coalesce(b.upper_age, 1000)
LEFT JOIN seeds.ethnicity_codes AS e ON e.code = p.ethnicity
LEFT JOIN seeds.ho_outcome_codes AS oc ON oc.code = coalesce(p.own_outcome, o.outcome_code)
