-- What changed since the last published assessment: this run's headline figures beside the
-- same figures of the latest earlier run that published any (meta.headlines). A change is
-- "beyond chance" when the two 95% intervals do not overlap (a conservative reading).
WITH last_run AS (
    SELECT run_id FROM meta.headlines ORDER BY recorded_at DESC LIMIT 1
),
previous AS (
    SELECT h.* FROM meta.headlines AS h JOIN last_run USING (run_id)
)
SELECT n.measure, n.label, n.headline_order,
       p.run_id AS previous_run, p.period AS previous_period, p.value AS previous_value,
       p.ci_lower AS previous_ci_lower, p.ci_upper AS previous_ci_upper,
       n.period, n.events, n.value, n.ci_lower, n.ci_upper,
       round(n.value - p.value, 2) AS change,
       CASE WHEN p.value IS NULL OR n.value IS NULL THEN NULL
            WHEN n.ci_lower > p.ci_upper THEN 'higher'
            WHEN n.ci_upper < p.ci_lower THEN 'lower'
            ELSE 'no clear change' END AS verdict
FROM {{ ref('headlines') }} AS n
LEFT JOIN previous AS p USING (measure)
ORDER BY n.headline_order, n.measure
