-- Use of outcome 22 for serious violence over time (area): crimes given outcome 22 against
-- those given any charge or out-of-court outcome, by month recorded.
WITH crimes AS (
    SELECT month,
           count(*) FILTER (WHERE outcome_code = '22') AS outcome_22,
           count(*) FILTER (WHERE outcome_category IN ('out_of_court_formal',
                            'out_of_court_informal', 'penalty_notice')) AS other_out_of_court,
           count(*) FILTER (WHERE outcome_category = 'charge_summons') AS charge_summons,
           count(*) FILTER (WHERE outcome_category <> 'not_yet') AS finalised,
           count(*) AS crimes
    FROM {{ ref('fct_offences') }}
    WHERE in_area AND is_serious_violence
    GROUP BY month
)
SELECT s.month, coalesce(c.outcome_22, 0) AS outcome_22,
       coalesce(c.other_out_of_court, 0) AS other_out_of_court,
       coalesce(c.charge_summons, 0) AS charge_summons,
       coalesce(c.finalised, 0) AS finalised, coalesce(c.crimes, 0) AS crimes,
       round(100.0 * c.outcome_22 / nullif(c.finalised, 0), 2) AS outcome_22_pct_of_finalised
FROM {{ ref('force_month_spine') }} AS s LEFT JOIN crimes AS c USING (month)
ORDER BY s.month
