-- Children's social care assessments with exploitation, gangs or serious violence among the
-- factors, typed; person ids are already pseudonyms. A blank factor is not a factor.
{{ config(materialized="incremental") }}
SELECT
    r._file_id                                              AS file_id,
    r._line                                                 AS line,
    r.person_id,
    TRY_CAST(r.assessment_date AS DATE)                     AS assessment_date,
    coalesce(upper(trim(r.factor_cce)) = 'Y', false)        AS factor_cce,
    coalesce(upper(trim(r.factor_gangs)) = 'Y', false)      AS factor_gangs,
    coalesce(upper(trim(r.factor_serious_violence)) = 'Y', false) AS factor_serious_violence,
    TRY_CAST(r.age AS INTEGER)                              AS age,
    nullif(upper(trim(r.sex)), '')                          AS sex,
    nullif(upper(trim(r.ethnicity)), '')                    AS ethnicity,
    nullif(upper(trim(r.lsoa_code)), '')                    AS lsoa_code
FROM {{ active('social_care_assessments') }} AS r
