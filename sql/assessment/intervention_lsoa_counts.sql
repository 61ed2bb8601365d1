-- A working table of the evaluation (not published: LSOA-month counts are too fine): events
-- of each intervention measure by LSOA 2021 (where they happened) and month, only where there
-- were any (intervention_series fills the zeros). A repeated police.uk Crime ID counts once;
-- 'all_crime' leaves out anti-social behaviour, which is not a crime.
WITH youth_victim_crimes AS (
    SELECT DISTINCT crime_reference FROM {{ ref('force_people_classified') }} WHERE role = 'victim' AND is_youth
),
events AS (
    SELECT 'serious_violence' AS measure, lsoa21_code, month
    FROM {{ ref('fct_street_records') }}
    WHERE NOT is_duplicate AND is_serious_violence
    UNION ALL
    SELECT 'all_crime', lsoa21_code, month
    FROM {{ ref('fct_street_records') }}
    WHERE NOT is_duplicate AND crime_type <> 'Anti-social behaviour'
    UNION ALL
    SELECT 'knife_enabled', lsoa21_code, month
    FROM {{ ref('force_offences_classified') }}
    WHERE is_knife_serious_violence
    UNION ALL
    SELECT 'youth_serious_violence', lsoa21_code, month
    FROM {{ ref('force_offences_classified') }}
    WHERE is_serious_violence
      AND crime_reference IN (SELECT crime_reference FROM youth_victim_crimes)
    UNION ALL
    SELECT 'ae_assaults', lsoa21_code, month
    FROM {{ ref('fct_partner_records') }}
    WHERE source = 'ae_assaults' AND event_date <= current_date
)
SELECT measure, lsoa21_code, month, count(*) AS events
FROM events
WHERE lsoa21_code IS NOT NULL AND month IS NOT NULL
GROUP BY ALL
ORDER BY measure, lsoa21_code, month
