-- Victims and suspects of the crimes placed in the area (force_people_classified), with
-- their crime's district. Counts over the whole extract read force_people_classified.
SELECT
    p.role, p.crime_reference, p.person_id, p.age, p.age_band, p.is_youth, p.sex,
    p.ethnicity, p.ethnic_group, p.repeat_flag, p.linked, p.recorded_date, p.month,
    p.offence_group, p.is_serious_violence, p.is_knife_serious_violence,
    l.lad_code,
    l.in_area,
    p.outcome_code, p.outcome_category
FROM {{ ref('force_people_classified') }} AS p
JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = p.lsoa21_code AND l.in_area
