-- Police-recorded violence beside the health services' assault records, by month and
-- geography: each source counts differently, so the point is the shapes and the gaps.
WITH months AS (
    SELECT month FROM {{ ref('month_spine') }}
    UNION SELECT month FROM {{ ref('force_month_spine') }}
    UNION SELECT DISTINCT month FROM {{ ref('partner_monthly') }}
),
geos AS (
    SELECT DISTINCT geography_level, geography_code, geography_name, geography_order
    FROM {{ ref('geographies') }}
),
partner AS (
    SELECT geography_code, month,
           sum(violence) FILTER (WHERE source = 'ae_assaults') AS ae_assaults,
           sum(violence) FILTER (WHERE source = 'hospital_admissions') AS hospital_admissions,
           sum(violence) FILTER (WHERE source = 'ambulance_callouts') AS ambulance_callouts
    FROM {{ ref('partner_monthly') }} GROUP BY ALL
)
SELECT g.*, m.month,
       t.incidents AS police_uk_violence,
       f.offences AS force_serious_violence,
       p.ae_assaults::BIGINT AS ae_assaults,
       p.hospital_admissions::BIGINT AS hospital_admissions,
       p.ambulance_callouts::BIGINT AS ambulance_callouts
FROM geos AS g CROSS JOIN months AS m
LEFT JOIN {{ ref('monthly_trend') }} AS t ON t.geography_code = g.geography_code
     AND t.month = m.month AND t.category = 'Violence and sexual offences'
LEFT JOIN {{ ref('force_monthly') }} AS f ON f.geography_code = g.geography_code
     AND f.month = m.month AND f.measure = 'Serious violence'
LEFT JOIN partner AS p ON p.geography_code = g.geography_code AND p.month = m.month
WHERE coalesce(t.incidents, f.offences, p.ae_assaults, p.hospital_admissions,
               p.ambulance_callouts) IS NOT NULL
ORDER BY g.geography_order, m.month
