-- People (by keyed pseudonym) who appear in two sources (any record, the area), by age band
-- at their latest record: counts of overlaps, never a list of people. The force extract's
-- victims and suspects count as sources too.
WITH people AS (
    SELECT DISTINCT source, person_id FROM {{ ref('fct_partner_records') }}
    WHERE in_area AND person_id IS NOT NULL
    UNION
    SELECT DISTINCT 'police_' || role || 's', person_id FROM {{ ref('fct_people') }}
    WHERE in_area AND person_id IS NOT NULL
),
latest_band AS (
    SELECT person_id, arg_max(age_band, event_date) AS age_band
    FROM (SELECT person_id, age_band, event_date FROM {{ ref('fct_partner_records') }}
          UNION ALL
          SELECT person_id, age_band, recorded_date FROM {{ ref('force_people_classified') }})
    WHERE person_id IS NOT NULL AND age_band IS NOT NULL
    GROUP BY person_id
)
SELECT a.source AS source_a, b.source AS source_b,
       coalesce(l.age_band, 'Age not recorded') AS age_band, count(*) AS people
FROM people AS a
JOIN people AS b ON a.person_id = b.person_id AND a.source < b.source
LEFT JOIN latest_band AS l ON l.person_id = a.person_id
GROUP BY ALL
ORDER BY source_a, source_b, age_band
