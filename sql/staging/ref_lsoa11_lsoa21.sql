SELECT DISTINCT
    upper(trim(LSOA11CD)) AS lsoa11_code,
    upper(trim(LSOA21CD)) AS lsoa21_code,
    upper(trim(LAD22CD))  AS lad22_code,
    trim(LAD22NM)         AS lad22_name
FROM {{ active('ref_lsoa11_lsoa21') }}
