-- The months the force extract covers (by recorded date) and its latest 12 months.
WITH bounds AS (
    SELECT min(date_trunc('month', recorded_date))::DATE AS first_month,
           max(date_trunc('month', recorded_date))::DATE AS latest_month
    FROM {{ ref('force_offences_classified') }}
)
SELECT
    strftime(first_month, '%Y-%m')                       AS first_month,
    strftime(latest_month, '%Y-%m')                      AS latest_month,
    strftime(latest_month - INTERVAL 11 MONTH, '%Y-%m')  AS latest_12_start,
    date_diff('month', first_month, latest_month) + 1    AS months_spanned
FROM bounds
WHERE latest_month IS NOT NULL
