-- A working table of the evaluation (not published): the months each intervention measure's
-- source covers, so that a month without events counts as 0: police.uk measures over the
-- street data's months, force extract measures over the extract's, A&E assaults from the
-- first to the latest month of the A&E records.
WITH ae AS (
    SELECT min(date_trunc('month', event_date))::DATE AS first_month,
           max(date_trunc('month', event_date))::DATE AS latest_month
    FROM {{ ref('fct_partner_records') }}
    WHERE source = 'ae_assaults' AND event_date <= current_date
),
ae_months AS (
    SELECT strftime(g.m, '%Y-%m') AS month
    FROM ae, generate_series(ae.first_month, ae.latest_month, INTERVAL 1 MONTH) AS g(m)
    WHERE ae.latest_month IS NOT NULL
),
spans AS (
    SELECT m.measure, s.month
    FROM {{ ref('month_spine') }} AS s,
         (VALUES ('serious_violence'), ('all_crime')) AS m(measure)
    UNION ALL
    SELECT m.measure, s.month
    FROM {{ ref('force_month_spine') }} AS s,
         (VALUES ('knife_enabled'), ('youth_serious_violence')) AS m(measure)
    UNION ALL
    SELECT 'ae_assaults', month FROM ae_months
)
SELECT measure, month,
       -- months since the measure's first month: the time axis of the trend models
       date_diff('month', min(strptime(month || '-01', '%Y-%m-%d')) OVER (PARTITION BY measure),
                 strptime(month || '-01', '%Y-%m-%d')) AS month_index
FROM spans
ORDER BY measure, month
