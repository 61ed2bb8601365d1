-- Any LSOA code police.uk may carry (2011 or 2021 vintage) to a 2021 LSOA. A 2011 LSOA split
-- in 2021 maps to the first of its successors, which lie in the same district.
SELECT lsoa21_code AS lsoa_code, lsoa21_code, '2021' AS vintage
FROM {{ ref('lsoa_lookup') }}
UNION ALL
SELECT lsoa11_code, min(lsoa21_code), '2011'
FROM {{ ref('ref_lsoa11_lsoa21') }}
WHERE lsoa11_code NOT IN (SELECT lsoa21_code FROM {{ ref('lsoa_lookup') }})
GROUP BY lsoa11_code
