SELECT
    upper(trim("Lower tier local authorities Code"))       AS lad_code,
    TRY_CAST("Ethnic group (20 categories) Code" AS INTEGER) AS census_code,
    trim("Ethnic group (20 categories)")                   AS census_label,
    TRY_CAST("Observation" AS BIGINT)                      AS population
FROM {{ active('ref_census_ethnicity') }}
