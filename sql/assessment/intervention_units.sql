-- The LSOAs of each intervention: those it covers ('treated': the listed LSOAs, or every LSOA
-- of the listed districts) and those it is compared with ('comparison'): the listed places,
-- the rest of the partnership area ('rest'), or ('matched') for each treated LSOA the
-- matches_per_lsoa LSOAs of the rest of the area nearest to it in IMD decile and then in
-- pre-period trend (the monthly change as a share of the pre-period mean, from a straight line
-- through its monthly counts before the start), ties broken by the pre-period mean and code.
-- Treated LSOAs are never comparisons.
WITH named AS (
    SELECT u.intervention_id, u.role, l.lsoa21_code
    FROM cfg.intervention_units AS u
    JOIN {{ ref('dim_lsoa') }} AS l
      ON (u.unit_type = 'lsoa' AND l.lsoa21_code = u.code)
      OR (u.unit_type = 'district' AND l.lad_code = u.code)
),
treated AS (
    SELECT DISTINCT intervention_id, lsoa21_code FROM named WHERE role = 'treated'
),
candidates AS (  -- the rest of the area, for 'rest' and 'matched'
    SELECT i.intervention_id, l.lsoa21_code
    FROM cfg.interventions AS i
    JOIN {{ ref('dim_lsoa') }} AS l ON l.in_area
    WHERE i.comparison IN ('rest', 'matched')
      AND NOT EXISTS (SELECT 1 FROM treated AS t
                      WHERE t.intervention_id = i.intervention_id
                        AND t.lsoa21_code = l.lsoa21_code)
),
pre_panel AS (  -- every treated and candidate LSOA x pre-period month, zeros included
    SELECT u.intervention_id, u.lsoa21_code, mm.month_index, coalesce(c.events, 0) AS events
    FROM (SELECT intervention_id, lsoa21_code FROM treated
          UNION ALL SELECT intervention_id, lsoa21_code FROM candidates) AS u
    JOIN cfg.interventions AS i USING (intervention_id)
    JOIN {{ ref('intervention_measure_months') }} AS mm
      ON mm.measure = i.measure AND mm.month < i.start_month
    LEFT JOIN {{ ref('intervention_lsoa_counts') }} AS c
      ON c.measure = i.measure AND c.lsoa21_code = u.lsoa21_code AND c.month = mm.month
    WHERE i.comparison = 'matched'
),
pre_trend AS (
    SELECT intervention_id, lsoa21_code, avg(events) AS pre_mean,
           coalesce(regr_slope(events, month_index) / nullif(avg(events), 0), 0) AS pre_trend
    FROM pre_panel
    GROUP BY ALL
),
described AS (
    SELECT p.*, coalesce(l.imd_decile, 99) AS decile
    FROM pre_trend AS p JOIN {{ ref('dim_lsoa') }} AS l USING (lsoa21_code)
),
matches AS (
    SELECT c.intervention_id, c.lsoa21_code
    FROM treated AS t
    JOIN cfg.interventions AS i USING (intervention_id)
    JOIN described AS dt USING (intervention_id, lsoa21_code)
    JOIN candidates AS c ON c.intervention_id = t.intervention_id
    JOIN described AS dc
      ON dc.intervention_id = c.intervention_id AND dc.lsoa21_code = c.lsoa21_code
    QUALIFY row_number() OVER (
        PARTITION BY t.intervention_id, t.lsoa21_code
        ORDER BY abs(dc.decile - dt.decile), abs(dc.pre_trend - dt.pre_trend),
                 abs(ln(dc.pre_mean + 0.5) - ln(dt.pre_mean + 0.5)), dc.lsoa21_code
    ) <= i.matches_per_lsoa
),
comparison AS (
    SELECT n.intervention_id, n.lsoa21_code
    FROM named AS n JOIN cfg.interventions AS i USING (intervention_id)
    WHERE n.role = 'comparison' AND i.comparison = 'listed'
    UNION
    SELECT c.intervention_id, c.lsoa21_code
    FROM candidates AS c JOIN cfg.interventions AS i USING (intervention_id)
    WHERE i.comparison = 'rest'
    UNION
    SELECT intervention_id, lsoa21_code FROM matches
)
SELECT u.intervention_id, i.name AS intervention, u.role, u.lsoa21_code, l.lsoa21_name,
       l.lad_code, l.population, l.imd_decile
FROM (SELECT intervention_id, 'treated' AS role, lsoa21_code FROM treated
      UNION ALL
      SELECT c.intervention_id, 'comparison', c.lsoa21_code FROM comparison AS c
      WHERE NOT EXISTS (SELECT 1 FROM treated AS t WHERE t.intervention_id = c.intervention_id
                                                     AND t.lsoa21_code = c.lsoa21_code)) AS u
JOIN cfg.interventions AS i USING (intervention_id)
JOIN {{ ref('dim_lsoa') }} AS l USING (lsoa21_code)
ORDER BY u.intervention_id, u.role DESC, u.lsoa21_code
