{{ config(materialized="merge", key="crime_reference") }}
-- Victims and suspects, one row per person per crime, of each crime's latest delivery (the
-- same for every area; fct_people adds the crime, age band and ethnic group). A new delivery
-- replaces only the crimes in its files (merge).
WITH people AS (
    SELECT 'victim' AS role, crime_reference, person_id, age, sex, ethnicity, repeat_flag,
           NULL AS own_outcome, file_id, line
    FROM {{ changed('force_victims') }}
    UNION ALL
    SELECT 'suspect', crime_reference, person_id, age, sex, ethnicity, NULL, outcome_code,
           file_id, line
    FROM {{ changed('force_suspects') }}
),
latest_delivery AS (  -- a crime's victims (suspects) are those of its latest delivery
    SELECT * FROM people
    WHERE crime_reference IS NOT NULL
    QUALIFY file_id = max(file_id) OVER (PARTITION BY role, crime_reference)
)
SELECT * FROM latest_delivery
QUALIFY person_id IS NULL
     OR row_number() OVER (PARTITION BY role, crime_reference, person_id ORDER BY line) = 1
