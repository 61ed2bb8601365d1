-- Every month from the first to the latest with street-level data, so gaps show as zeros.
SELECT strftime(m, '%Y-%m') AS month
FROM {{ ref('reporting_period') }} AS p,
     generate_series(strptime(p.first_month || '-01', '%Y-%m-%d'),
                     strptime(p.latest_month || '-01', '%Y-%m-%d'),
                     INTERVAL 1 MONTH) AS g(m)
