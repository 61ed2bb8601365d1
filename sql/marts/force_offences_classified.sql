-- One row per crime of the force extract (its latest delivery: force_offences_latest), placed
-- in an LSOA and classified by the configured serious violence definition: all but whether it
-- is in the area (fct_offences adds that), so that many areas share one build of it.
WITH flags AS (
    SELECT
        max(CASE WHEN key = 'sv_knife_or_firearm_flagged' THEN value END) = 1 AS flagged_counts,
        max(CASE WHEN key = 'sv_domestic_abuse' THEN value END) = 1 AS domestic_abuse_counts
    FROM cfg.settings
)
SELECT
    o.crime_reference,
    o.recorded_date,
    strftime(o.recorded_date, '%Y-%m')                      AS month,
    o.committed_from,
    hour(o.committed_from)                                  AS hour_of_day,
    isodow(o.committed_from)                                AS day_of_week,  -- 1 = Monday
    o.offence_code,
    coalesce(c.description, o.offence_description)          AS offence_description,
    coalesce(c.offence_group, 'unknown')                    AS offence_group,
    o.knife,
    o.firearm,
    o.domestic_abuse,
    sv.counted                                              AS is_serious_violence,
    coalesce(c.offence_group = 'homicide', false)           AS is_homicide,
    -- the Home Office headline measure: serious violence involving a knife or sharp instrument
    sv.counted AND o.knife                                  AS is_knife_serious_violence,
    m.lsoa21_code,
    CASE WHEN o.lsoa_code IS NULL THEN 'no_lsoa'
         WHEN m.lsoa21_code IS NULL THEN 'unplaced_code'
         ELSE 'placed' END                                  AS placement,
    o.outcome_code,
    coalesce(oc.category, 'unknown')                        AS outcome_category,
    o.outcome_date
FROM {{ ref('force_offences_latest') }} AS o
CROSS JOIN flags AS f
LEFT JOIN {{ ref('offence_codes') }} AS c ON c.code = o.offence_code
CROSS JOIN LATERAL (SELECT
    (coalesce(c.serious_violence, false) OR (f.flagged_counts AND (o.knife OR o.firearm)))
    AND NOT coalesce(c.excluded, false)
    AND (f.domestic_abuse_counts OR NOT o.domestic_abuse) AS counted) AS sv
LEFT JOIN {{ ref('lsoa_code_map') }} AS m ON m.lsoa_code = o.lsoa_code
LEFT JOIN seeds.ho_outcome_codes AS oc ON oc.code = o.outcome_code
