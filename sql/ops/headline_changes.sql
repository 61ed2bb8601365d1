-- The area's headline change: serious violence and all crime, latest 12 months against the
-- previous 12, with the ratio's exact 95% interval (assessment.period_comparison).
SELECT category, latest_period, previous_period, latest_12, previous_12, pct_change, ratio,
       ratio_ci_lower, ratio_ci_upper
FROM assessment.period_comparison
WHERE geography_level = 'area' AND category IN ('Serious violence', 'All crime')
ORDER BY category = 'Serious violence' DESC, category
