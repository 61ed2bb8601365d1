SELECT strftime(m, '%Y-%m') AS month
FROM {{ ref('force_reporting_period') }} AS p,
     generate_series(strptime(p.first_month || '-01', '%Y-%m-%d'),
                     strptime(p.latest_month || '-01', '%Y-%m-%d'), INTERVAL 1 MONTH) AS g(m)
