-- The force extract's crimes placed in the area (force_offences_classified), with their
-- district: what the assessment counts. Counts over the whole extract (its months, its data
-- quality) read force_offences_classified; with many areas, a small area reads few rows.
SELECT
    o.crime_reference, o.recorded_date, o.month, o.committed_from, o.hour_of_day,
    o.day_of_week, o.offence_code, o.offence_description, o.offence_group, o.knife, o.firearm,
    o.domestic_abuse, o.is_serious_violence, o.is_homicide, o.is_knife_serious_violence,
    o.lsoa21_code,
    l.lad_code,
    l.lad_name,
    l.in_area,
    o.placement, o.outcome_code, o.outcome_category, o.outcome_date
FROM {{ ref('force_offences_classified') }} AS o
JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = o.lsoa21_code AND l.in_area
