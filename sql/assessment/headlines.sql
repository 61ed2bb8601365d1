-- The assessment's headline figures for the whole area, one row each, so that the next run
-- can say what changed since this one (meta.headlines keeps every published run's).
SELECT 'police_uk_serious_violence' AS measure,
       'Serious violence (police.uk), per 1,000 residents' AS label, latest_period AS period,
       incidents AS events, rate_per_1000 AS value, ci_lower, ci_upper, 1 AS headline_order
FROM {{ ref('rates') }} WHERE geography_level = 'area' AND category = 'Serious violence'
UNION ALL
SELECT 'police_uk_all_crime', 'All crime (police.uk), per 1,000 residents', latest_period,
       incidents, rate_per_1000, ci_lower, ci_upper, 2
FROM {{ ref('rates') }} WHERE geography_level = 'area' AND category = 'All crime'
UNION ALL
SELECT 'force_' || lower(regexp_replace(measure, '[^A-Za-z0-9]+', '_', 'g')),
       measure || ' (force extract), per 100,000 residents', period, offences, rate_per_100k,
       ci_lower, ci_upper, 3
FROM {{ ref('force_rates') }} WHERE geography_level = 'area'
UNION ALL
SELECT 'partner_' || r.source, s.label || ', per 1,000 residents', r.period, r.violence,
       r.rate_per_1000, r.ci_lower, r.ci_upper, 3 + s.source_order::INTEGER
FROM {{ ref('partner_rates') }} AS r LEFT JOIN seeds.sources AS s USING (source)
WHERE r.geography_level = 'area'
UNION ALL
SELECT 'hidden_violence', 'A&E assault attendances with no police record nearby, %',
       NULL, attendances, no_police_record_pct, pct_ci_lower, pct_ci_upper, 20
FROM {{ ref('hidden_violence') }} WHERE dimension = 'All'
