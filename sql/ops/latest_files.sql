-- The latest version of every file path in the manifest, with what became of it, when svna
-- first saw it, and the checks it failed when it was last validated.
WITH last_run AS (  -- run ids begin with their UTC start time, so the greatest is the latest
    SELECT file_id, max(run_id) AS run_id FROM meta.validation_results GROUP BY file_id
),
last_check AS (
    SELECT file_id,
           string_agg(DISTINCT expectation_type || coalesce(' (' || column_name || ')', '')
                      || ': ' || severity, '; ') FILTER (WHERE NOT success) AS failed_checks
    FROM meta.validation_results
    JOIN last_run USING (file_id, run_id)
    GROUP BY file_id
)
SELECT f.file_id, f.path, f.dataset, f.delivery_key, f.status, f.validation, f.active,
       f.mtime_ns, f.message, c.failed_checks, r.started_at AS first_seen
FROM meta.files AS f
LEFT JOIN meta.runs AS r USING (run_id)
LEFT JOIN last_check AS c USING (file_id)
QUALIFY row_number() OVER (PARTITION BY f.path ORDER BY f.file_id DESC) = 1
ORDER BY f.dataset NULLS LAST, f.path
