-- The Cardiff Model's question: how many A&E assault attendances (latest 12 months, placed in
-- the area) have no police record of violence in the same LSOA at about the same time (within
-- 3 hours of the assault where A&E recorded its time, else within a day)?
-- An unmatched attendance is not proof of an unreported crime (the police may have recorded
-- it elsewhere or later, or the location was geocoded loosely), so this is an indicator.
-- Needs the force extract (police.uk has no dates); without it the table is empty.
WITH police AS (
    SELECT lsoa21_code, committed_from
    FROM {{ ref('fct_offences') }}
    WHERE offence_group NOT IN ('other', 'unknown') AND lsoa21_code IS NOT NULL
      AND committed_from IS NOT NULL
),
attendances AS (
    SELECT r.*,
           EXISTS (SELECT 1 FROM police AS p WHERE p.lsoa21_code = r.lsoa21_code
                   AND CASE WHEN r.event_time IS NULL
                            THEN p.committed_from::DATE BETWEEN r.event_date - 1
                                                           AND r.event_date + 1
                            ELSE abs(epoch(p.committed_from) - epoch(r.event_date + r.event_time))
                                 <= 3 * 3600 END) AS matched,
           (isodow(r.event_date) IN (5, 6) AND hour(r.event_time) >= 22)
           OR (isodow(r.event_date) IN (6, 7) AND hour(r.event_time) < 3) AS weekend_night
    FROM {{ ref('fct_partner_records') }} AS r, {{ ref('partner_reporting_period') }} AS w
    WHERE r.source = 'ae_assaults' AND r.in_area AND r.lsoa21_code IS NOT NULL
      AND r.month BETWEEN w.latest_12_start AND w.latest_month
      AND EXISTS (SELECT 1 FROM {{ ref('force_offences_classified') }})
),
long AS (
    SELECT 'All' AS dimension, 'All attendances' AS value, matched FROM attendances
    UNION ALL
    SELECT 'Location type', coalesce(location_type, 'not recorded'), matched FROM attendances
    UNION ALL
    SELECT 'Time', CASE WHEN weekend_night THEN 'Friday and Saturday nights (22:00-03:00)'
                        ELSE 'Other times' END, matched FROM attendances
)
SELECT dimension, value, count(*) AS attendances,
       count(*) FILTER (WHERE NOT matched) AS no_police_record,
       round(100.0 * count(*) FILTER (WHERE NOT matched) / count(*), 1) AS no_police_record_pct,
       round(100.0 * proportion_lower(count(*) FILTER (WHERE NOT matched), count(*)), 1)
           AS pct_ci_lower,
       round(100.0 * proportion_upper(count(*) FILTER (WHERE NOT matched), count(*)), 1)
           AS pct_ci_upper
FROM long
GROUP BY dimension, value
ORDER BY dimension, attendances DESC, value  -- ties in a fixed order
