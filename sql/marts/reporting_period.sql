-- The months the street-level data cover, and the two 12-month periods compared: the latest
-- 12 months to the latest month with data, and the 12 before them.
WITH bounds AS (
    SELECT
        min(strptime(month || '-01', '%Y-%m-%d'))::DATE AS first_month,
        max(strptime(month || '-01', '%Y-%m-%d'))::DATE AS latest_month
    FROM {{ ref('police_uk_street') }}
    WHERE regexp_matches(month, '^[0-9]{4}-[0-9]{2}$')
)
SELECT
    strftime(first_month, '%Y-%m')                            AS first_month,
    strftime(latest_month, '%Y-%m')                           AS latest_month,
    strftime(latest_month - INTERVAL 11 MONTH, '%Y-%m')       AS latest_12_start,
    strftime(latest_month - INTERVAL 23 MONTH, '%Y-%m')       AS previous_12_start,
    strftime(latest_month - INTERVAL 12 MONTH, '%Y-%m')       AS previous_12_end,
    date_diff('month', first_month, latest_month) + 1         AS months_spanned
FROM bounds
WHERE latest_month IS NOT NULL
