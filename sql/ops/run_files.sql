-- The files a run read for the first time or validated again, with their verdict and the
-- critical checks they failed (parameter: $run_id).
WITH checked AS (
    SELECT file_id,
           string_agg(DISTINCT expectation_type || coalesce(' (' || column_name || ')', ''), '; ')
               FILTER (WHERE NOT success AND severity = 'critical') AS failed_checks
    FROM meta.validation_results
    WHERE run_id = $run_id
    GROUP BY file_id
)
SELECT f.file_id, f.path, f.dataset, f.status, f.validation, f.active,
       coalesce(f.rows_loaded, 0) AS rows_loaded, coalesce(f.rows_rejected, 0) AS rows_rejected,
       f.message, c.failed_checks
FROM meta.files AS f
LEFT JOIN checked AS c USING (file_id)
WHERE f.run_id = $run_id OR c.file_id IS NOT NULL
ORDER BY f.path, f.file_id
