-- Every partner's records in one long table: the source, the person (pseudonym) where the
-- source has one, the date, the place (LSOA of the event or of residence), age, sex and
-- ethnicity as far as the source holds them, and whether the record is violence for the
-- multi-agency assessment (an assault attendance, admission or call-out; a violent, robbery
-- or weapons offence; an exclusion for assault or a weapon; an assessment naming exploitation,
-- gangs or serious violence; a violent index offence).
WITH unioned AS (
    SELECT 'ae_assaults' AS source, attendance_id AS record_id, NULL AS person_id,
           coalesce(assault_date, arrival_date) AS event_date, location_lsoa_code AS lsoa_code,
           NULL::INTEGER AS age, age_band AS age_band_reported, sex, NULL AS ethnicity,
           assault_method AS detail, true AS is_violence,
           location_type, assault_time AS event_time
    FROM {{ ref('ae_assaults') }}
    UNION ALL
    SELECT 'hospital_admissions', admission_id, person_id, admission_date, lsoa_code, age, NULL,
           sex, ethnicity, icd10_category,
           regexp_matches(icd10_category, '^(X8[5-9]|X9[0-9]|Y0[0-9])$'), NULL, NULL
    FROM {{ ref('hospital_admissions') }}
    UNION ALL
    SELECT 'ambulance_callouts', incident_id, NULL, call_datetime::DATE, lsoa_code, NULL, NULL,
           NULL, NULL, category, true, NULL, call_datetime::TIME
    FROM {{ ref('ambulance_callouts') }}
    UNION ALL
    SELECT 'youth_justice', NULL, person_id, offence_date, lsoa_code, age, NULL, sex, ethnicity,
           offence_type,
           offence_type IN ('violence against the person', 'robbery', 'possession of weapons'),
           NULL, NULL
    FROM {{ ref('youth_justice') }}
    UNION ALL
    SELECT 'school_exclusions', NULL, person_id, exclusion_date, lsoa_code, age, NULL, sex,
           ethnicity, reason,
           reason IN ('physical assault against a pupil', 'physical assault against an adult',
                      'use or threat of use of an offensive weapon or prohibited item'),
           NULL, NULL
    FROM {{ ref('school_exclusions') }}
    UNION ALL
    SELECT 'social_care_assessments', NULL, person_id, assessment_date, lsoa_code, age, NULL,
           sex, ethnicity,
           concat_ws(', ', CASE WHEN factor_cce THEN 'criminal exploitation' END,
                     CASE WHEN factor_gangs THEN 'gangs' END,
                     CASE WHEN factor_serious_violence THEN 'serious violence' END),
           factor_cce OR factor_gangs OR factor_serious_violence, NULL, NULL
    FROM {{ ref('social_care_assessments') }}
    UNION ALL
    SELECT 'probation_caseload', NULL, person_id, snapshot_date, lsoa_code, age, NULL, sex, NULL,
           index_offence, violent_index_offence, NULL, NULL
    FROM {{ ref('probation_caseload') }}
)
SELECT
    u.source,
    u.record_id,
    u.person_id,
    u.event_date,
    strftime(u.event_date, '%Y-%m')                         AS month,
    u.event_time,
    u.location_type,
    u.lsoa_code,
    m.lsoa21_code,
    l.lad_code,
    coalesce(l.in_area, false)                              AS in_area,
    l.imd_decile,
    u.age,
    coalesce(b.label, u.age_band_reported)                  AS age_band,
    coalesce(u.age < (SELECT value FROM cfg.settings WHERE key = 'youth_under'),
             TRY_CAST(regexp_extract(u.age_band_reported, '-([0-9]+)$', 1) AS INTEGER)
                 < (SELECT value FROM cfg.settings WHERE key = 'youth_under'), false)
                                                            AS is_youth,
    u.sex,
    u.ethnicity,
    coalesce(e.broad_group, CASE WHEN u.ethnicity IS NULL THEN 'Not recorded'
                                 ELSE 'Unknown code' END)   AS ethnic_group,
    u.detail,
    coalesce(u.is_violence, false)                          AS is_violence
FROM unioned AS u
LEFT JOIN {{ ref('lsoa_code_map') }} AS m ON m.lsoa_code = u.lsoa_code
LEFT JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = m.lsoa21_code
LEFT JOIN cfg.age_bands AS b ON u.age BETWEEN b.lower_age AND coalesce(b.upper_age, 1000)
LEFT JOIN seeds.ethnicity_codes AS e ON e.code = u.ethnicity
