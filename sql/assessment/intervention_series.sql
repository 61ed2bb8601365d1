-- Monthly events of each intervention's measure in its treated LSOAs and in its comparison
-- LSOAs (intervention_units), every month of the measure's data up to the intervention's end
-- (months after an end are left out: the evaluation is of the months it ran), 0 where none.
WITH unit_months AS (
    SELECT u.intervention_id, u.intervention, i.measure, u.role, u.lsoa21_code, u.population,
           mm.month, mm.month_index,
           CASE WHEN mm.month < i.start_month THEN 'pre' ELSE 'post' END AS period
    FROM {{ ref('intervention_units') }} AS u
    JOIN cfg.interventions AS i USING (intervention_id)
    JOIN {{ ref('intervention_measure_months') }} AS mm
      ON mm.measure = i.measure AND (i.end_month IS NULL OR mm.month <= i.end_month)
)
SELECT um.intervention_id, um.intervention, um.measure, um.role, um.month, um.month_index,
       um.period, coalesce(sum(c.events), 0) AS events, count(*) AS lsoas,
       sum(um.population) AS population,
       count(um.population) AS lsoas_with_population
FROM unit_months AS um
LEFT JOIN {{ ref('intervention_lsoa_counts') }} AS c
  ON c.measure = um.measure AND c.lsoa21_code = um.lsoa21_code AND c.month = um.month
GROUP BY ALL
ORDER BY um.intervention_id, um.role DESC, um.month
