-- Violence of the latest 12 months by LSOA of the area and source: the police (police.uk
-- serious violence; the force extract's serious violence) and every partner (records, and
-- counts a partner supplied by LSOA). Each source over its own latest 12 months.
WITH police_uk AS (
    SELECT 'police_uk' AS source, r.lsoa21_code, count(*) AS events
    FROM {{ ref('fct_street_records') }} AS r, {{ ref('reporting_period') }} AS p
    WHERE r.in_area AND NOT r.is_duplicate AND r.is_serious_violence
      AND r.month >= p.latest_12_start
    GROUP BY ALL
),
police_force AS (
    SELECT 'police_force' AS source, o.lsoa21_code, count(*) AS events
    FROM {{ ref('fct_offences') }} AS o, {{ ref('force_reporting_period') }} AS p
    WHERE o.in_area AND o.is_serious_violence AND o.month >= p.latest_12_start
    GROUP BY ALL
),
partner_records AS (
    SELECT source, lsoa21_code, count(*) AS events
    FROM {{ ref('partner_events_12m') }}
    WHERE lsoa21_code IS NOT NULL
    GROUP BY ALL
),
partner_counts AS (
    SELECT a.source, m.lsoa21_code, sum(a."count") AS events
    FROM {{ ref('partner_aggregates') }} AS a
    CROSS JOIN {{ ref('partner_reporting_period') }} AS p
    JOIN {{ ref('lsoa_code_map') }} AS m ON m.lsoa_code = a.area_code
    JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = m.lsoa21_code AND l.in_area
    WHERE a.area_type = 'lsoa' AND a."count" IS NOT NULL
      AND a.month BETWEEN p.latest_12_start AND p.latest_month
    GROUP BY ALL
)
SELECT source, lsoa21_code, sum(events)::BIGINT AS events
FROM (SELECT * FROM police_uk UNION ALL SELECT * FROM police_force
      UNION ALL SELECT * FROM partner_records UNION ALL SELECT * FROM partner_counts)
GROUP BY ALL
