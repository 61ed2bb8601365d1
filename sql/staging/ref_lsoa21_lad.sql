SELECT DISTINCT
    upper(trim(LSOA21CD)) AS lsoa21_code,
    trim(LSOA21NM)        AS lsoa21_name,
    upper(trim(LAD23CD))  AS lad_code,
    trim(LAD23NM)         AS lad_name
FROM {{ active('ref_lsoa21_lad') }}
