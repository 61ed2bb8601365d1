-- When serious violence happens: day of week by hour of day (latest 12 months), and the
-- calendar month by year, for the whole area.
SELECT 'hour_by_day' AS profile, o.day_of_week AS period_a, o.hour_of_day AS period_b,
       count(*) AS offences
FROM {{ ref('fct_offences') }} AS o, {{ ref('force_reporting_period') }} AS p
WHERE o.in_area AND o.is_serious_violence AND o.month >= p.latest_12_start
  AND o.committed_from IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT 'month_by_year', year(o.recorded_date), month(o.recorded_date), count(*)
FROM {{ ref('fct_offences') }} AS o
WHERE o.in_area AND o.is_serious_violence
GROUP BY ALL
ORDER BY profile, period_a, period_b
