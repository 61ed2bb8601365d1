SELECT
    upper(trim(lsoacd))                 AS lsoa21_code,
    sum(TRY_CAST(population AS BIGINT))::BIGINT AS population
FROM {{ active('ref_lsoa_population') }}
GROUP BY 1
