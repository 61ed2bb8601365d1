SELECT
    upper(trim(lsoa21_code))                   AS lsoa21_code,
    CAST(TRY_CAST(IMD_decile AS DOUBLE) AS INTEGER) AS imd_decile,
    CAST(TRY_CAST(IMD_rank AS DOUBLE) AS INTEGER)   AS imd_rank,
    TRY_CAST(IMD_score AS DOUBLE)              AS imd_score
FROM {{ active('ref_imd2025') }}
