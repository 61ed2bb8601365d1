{{ config(materialized="merge", key="crime_reference") }}
-- Each crime of the force extract as last delivered (the same for every area). A new
-- delivery replaces only the crimes in its files (merge).
SELECT * FROM {{ changed('force_offences') }}
WHERE crime_reference IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY crime_reference ORDER BY file_id DESC, line DESC) = 1
