-- Hospital admissions for assault, typed; admission and person ids are already pseudonyms.
-- The ICD-10 cause loses its dot and any filler (X99.1 -> X991, X99X -> X99); its first three
-- characters are the category (X99 assault by sharp object).
{{ config(materialized="incremental") }}
SELECT
    file_id,
    line,
    admission_id,
    person_id,
    admission_date,
    icd10_cause,
    left(icd10_cause, 3)                                    AS icd10_category,
    age,
    sex,
    ethnicity,
    lsoa_code
FROM (
    SELECT
        r._file_id                                          AS file_id,
        r._line                                             AS line,
        r.admission_id,
        r.person_id,
        TRY_CAST(r.admission_date AS DATE)                  AS admission_date,
        nullif(regexp_replace(replace(upper(trim(r.icd10_cause)), '.', ''),
                              '^([A-Z][0-9]{2})[X-]$', '\1'), '') AS icd10_cause,
        TRY_CAST(r.age AS INTEGER)                          AS age,
        nullif(upper(trim(r.sex)), '')                      AS sex,
        nullif(upper(trim(r.ethnicity)), '')                AS ethnicity,
        nullif(upper(trim(r.lsoa_code)), '')                AS lsoa_code
    FROM {{ active('hospital_admissions') }} AS r
)
