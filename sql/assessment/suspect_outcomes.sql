-- Suspects of serious violence (latest 12 months, whole area) with a final outcome, by age
-- band, sex and ethnic group: how many were charged, given outcome 22, another out-of-court
-- outcome, or no further action. Person-level: small counts are suppressed on publication.
-- Suspects whose age, sex or ethnicity is not recorded are left out of that breakdown (their
-- recording is the subject of recording_completeness): a small 'not recorded' row would
-- otherwise force the suppression of large counts around it.
WITH suspects AS (
    SELECT f.*,
           CASE WHEN f.outcome_code = '22' THEN 'Outcome 22 (diversion)'
                WHEN f.outcome_category = 'charge_summons' THEN 'Charge or summons'
                WHEN f.outcome_category IN ('out_of_court_formal', 'out_of_court_informal',
                                            'penalty_notice') THEN 'Other out-of-court'
                ELSE 'No further action or other' END AS outcome_group
    FROM {{ ref('fct_people') }} AS f, {{ ref('force_reporting_period') }} AS p
    WHERE f.role = 'suspect' AND f.in_area AND f.is_serious_violence
      AND f.month >= p.latest_12_start AND f.outcome_category NOT IN ('not_yet', 'unknown')
),
long AS (
    SELECT 'Age band' AS dimension, coalesce(age_band, 'Not recorded') AS value, outcome_group
    FROM suspects
    UNION ALL
    SELECT 'Sex', CASE sex WHEN 'M' THEN 'Male' WHEN 'F' THEN 'Female'
                           ELSE 'Not recorded' END, outcome_group FROM suspects
    UNION ALL
    SELECT 'Ethnic group', ethnic_group, outcome_group FROM suspects
)
SELECT dimension, value, outcome_group, count(*) AS suspects,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY dimension, value), 1)
           AS share_pct
FROM long
WHERE value NOT IN ('Not recorded', 'Unknown code')
GROUP BY dimension, value, outcome_group
ORDER BY dimension, value, outcome_group
