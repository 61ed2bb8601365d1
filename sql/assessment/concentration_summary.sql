-- How concentrated serious violence is: the share held by the top 10% of LSOAs and by the
-- top N (the report's list), and how many LSOAs hold half of it.
SELECT
    count(*)                                        AS lsoas,
    count(*) FILTER (WHERE incidents > 0)           AS lsoas_with_any,
    sum(incidents)::BIGINT                          AS incidents,
    round(sum(incidents) FILTER (WHERE rank <= ceil(lsoas_total * 0.1)) * 100.0
          / nullif(sum(incidents), 0), 2)           AS top_10pct_share_pct,
    (SELECT CAST(value AS INTEGER) FROM cfg.settings WHERE key = 'top_lsoas') AS top_n,
    round(sum(incidents) FILTER (WHERE rank <= (SELECT value FROM cfg.settings
                                                WHERE key = 'top_lsoas'))
          * 100.0 / nullif(sum(incidents), 0), 2)   AS top_n_share_pct,
    min(rank) FILTER (WHERE 2 * cumulative_incidents >= total_incidents) AS lsoas_holding_half
FROM (
    SELECT *,
           count(*) OVER () AS lsoas_total,
           sum(incidents) OVER () AS total_incidents,
           sum(incidents) OVER (ORDER BY rank) AS cumulative_incidents
    FROM {{ ref('lsoa_concentration') }}
)
