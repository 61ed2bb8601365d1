-- Each partner's records (and the violence among them) by month and geography, from records
-- and from partners' own counts (aggregates by LSOA or district; suppressed counts missing).
WITH records AS (
    SELECT source, lad_code, month, count(*) AS records,
           count(*) FILTER (WHERE is_violence) AS violence
    FROM {{ ref('fct_partner_records') }}
    WHERE in_area AND month IS NOT NULL
    GROUP BY ALL
),
aggregates AS (
    SELECT a.source, coalesce(l.lad_code, d.lad_code) AS lad_code, a.month,
           sum(a."count") AS records, sum(a."count") AS violence
    FROM {{ ref('partner_aggregates') }} AS a
    LEFT JOIN {{ ref('lsoa_code_map') }} AS m ON a.area_type = 'lsoa' AND m.lsoa_code = a.area_code
    LEFT JOIN {{ ref('dim_lsoa') }} AS l ON l.lsoa21_code = m.lsoa21_code AND l.in_area
    LEFT JOIN {{ ref('dim_district') }} AS d ON a.area_type = 'district'
                                             AND d.lad_code = a.area_code
    WHERE a."count" IS NOT NULL
    GROUP BY ALL
    HAVING coalesce(l.lad_code, d.lad_code) IS NOT NULL
),
combined AS (
    SELECT source, lad_code, month, 'records' AS supplied_as, records, violence FROM records
    UNION ALL
    SELECT source, lad_code, month, 'counts', records, violence FROM aggregates
)
SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
       c.source, c.supplied_as, c.month,
       -- partner_comparison publishes the sums of these windows: suppression needs them
       CASE WHEN c.month BETWEEN p.latest_12_start AND p.latest_month THEN 'latest 12 months'
            WHEN c.month BETWEEN p.previous_12_start AND p.previous_12_end
            THEN 'previous 12 months' END AS period,
       sum(c.records)::BIGINT AS records, sum(c.violence)::BIGINT AS violence
FROM combined AS c JOIN {{ ref('geographies') }} AS g USING (lad_code)
LEFT JOIN {{ ref('partner_reporting_period') }} AS p ON true
GROUP BY ALL
ORDER BY g.geography_order, c.source, c.supplied_as, c.month
