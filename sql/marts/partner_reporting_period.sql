-- The months the partners' records and counts cover, their latest 12 months and the 12 before.
WITH bounds AS (
    SELECT min(month_start) AS first_month, max(month_start) AS latest_month
    FROM (SELECT date_trunc('month', event_date)::DATE AS month_start
          FROM {{ ref('fct_partner_records') }} WHERE event_date <= current_date
          UNION ALL  -- partners who send counts instead of records
          SELECT month_start FROM {{ ref('partner_aggregates') }}
          WHERE "count" IS NOT NULL AND month_start <= current_date)
)
SELECT strftime(first_month, '%Y-%m') AS first_month,
       strftime(latest_month, '%Y-%m') AS latest_month,
       strftime(latest_month - INTERVAL 11 MONTH, '%Y-%m') AS latest_12_start,
       strftime(latest_month - INTERVAL 23 MONTH, '%Y-%m') AS previous_12_start,
       strftime(latest_month - INTERVAL 12 MONTH, '%Y-%m') AS previous_12_end
FROM bounds
WHERE latest_month IS NOT NULL
