SELECT
    upper(trim("Lower tier local authorities Code"))        AS lad_code,
    TRY_CAST("Age (101 categories) Code" AS INTEGER)        AS age,
    TRY_CAST("Observation" AS BIGINT)                       AS population
FROM {{ active('ref_census_age') }}
