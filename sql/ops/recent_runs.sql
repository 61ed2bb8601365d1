-- The latest runs, newest first (parameter: $limit).
SELECT run_id, started_at, finished_at, status, message
FROM meta.runs
ORDER BY started_at DESC
LIMIT $limit
