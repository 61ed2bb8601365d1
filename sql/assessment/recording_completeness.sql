-- How completely victims' and suspects' protected characteristics are recorded (HMICFRS
-- recommendation 5), by month and geography: the share of people with an ethnicity (other than
-- 'not stated'), a sex (other than unknown) and an age, against the configured threshold.
WITH people AS (
    SELECT f.* FROM {{ ref('fct_people') }} AS f WHERE f.in_area
),
fields AS (
    SELECT role, lad_code, month, 'Ethnicity' AS field,
           ethnicity IS NOT NULL AND ethnicity <> 'NS' AS recorded FROM people
    UNION ALL
    SELECT role, lad_code, month, 'Sex', sex IN ('M', 'F') FROM people
    UNION ALL
    SELECT role, lad_code, month, 'Age', age IS NOT NULL FROM people
)
SELECT g.geography_level, g.geography_code, g.geography_name, g.geography_order,
       f.role, f.field, f.month, count(*) AS people,
       count(*) FILTER (WHERE f.recorded) AS recorded,
       round(100.0 * count(*) FILTER (WHERE f.recorded) / count(*), 1) AS recorded_pct,
       -- in decimals: 55 of 100 meets a threshold of 0.55 (in floating point it would not)
       count(*) FILTER (WHERE f.recorded) >= count(*) * (
           SELECT CAST(value AS DECIMAL(10, 6)) FROM cfg.settings
           WHERE key = 'completeness_threshold') AS meets_threshold
FROM fields AS f JOIN {{ ref('geographies') }} AS g USING (lad_code)
GROUP BY ALL
ORDER BY g.geography_order, f.role DESC, f.field, f.month
