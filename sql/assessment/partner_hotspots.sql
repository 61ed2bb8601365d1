-- Hotspots across sources: every LSOA of the area ranked within each source by its violence
-- over the latest 12 months; an LSOA is a hotspot of a source when it is among the tenth of
-- the area's LSOAs with the most (ties broken by code, so a source's hotspots number exactly
-- that tenth, rounded up, or fewer when fewer LSOAs have any). Where several sources agree,
-- the place matters whoever records it. Police places events where they happened, some
-- partners where the person lives: the sources table says which.
WITH lsoas AS (
    SELECT lsoa21_code, lsoa21_name, lad_code, lad_name, imd_decile,
           ceil(count(*) OVER () / 10.0)::INTEGER AS hotspot_places
    FROM {{ ref('dim_lsoa') }}
    WHERE in_area
),
sources AS (  -- only sources with something in the area are compared
    SELECT source FROM {{ ref('lsoa_source_counts') }} GROUP BY source HAVING sum(events) > 0
),
ranked AS (
    SELECT l.*, s.source, coalesce(c.events, 0) AS events,
           row_number() OVER (PARTITION BY s.source
                              ORDER BY coalesce(c.events, 0) DESC, l.lsoa21_code) AS rank_in_source
    FROM lsoas AS l
    CROSS JOIN sources AS s
    LEFT JOIN {{ ref('lsoa_source_counts') }} AS c
           ON c.lsoa21_code = l.lsoa21_code AND c.source = s.source
),
flagged AS (
    SELECT *, rank_in_source <= hotspot_places AND events > 0 AS is_hotspot FROM ranked
)
SELECT f.lsoa21_code, f.lsoa21_name, f.lad_code, f.lad_name, f.imd_decile, f.source,
       f.events, f.rank_in_source, f.is_hotspot,
       count(*) FILTER (WHERE f.is_hotspot) OVER (PARTITION BY f.lsoa21_code) AS sources_agreeing,
       count(*) OVER (PARTITION BY f.lsoa21_code) AS sources_compared
FROM flagged AS f
LEFT JOIN seeds.sources AS s USING (source)
ORDER BY sources_agreeing DESC, f.lsoa21_code, s.source_order::INTEGER
