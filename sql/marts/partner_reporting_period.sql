-- The months the partners' records cover, and their latest 12 months.
WITH bounds AS (
    SELECT min(date_trunc('month', event_date))::DATE AS first_month,
           max(date_trunc('month', event_date))::DATE AS latest_month
    FROM {{ ref('fct_partner_records') }}
    WHERE event_date <= current_date
)
SELECT strftime(first_month, '%Y-%m') AS first_month,
       strftime(latest_month, '%Y-%m') AS latest_month,
       strftime(latest_month - INTERVAL 11 MONTH, '%Y-%m') AS latest_12_start
FROM bounds
WHERE latest_month IS NOT NULL
