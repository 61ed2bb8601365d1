-- The latest version of every file path in the manifest, with what became of it and when
-- svna first saw it.
SELECT f.file_id, f.path, f.dataset, f.delivery_key, f.status, f.validation, f.active,
       f.mtime_ns, f.message, r.started_at AS first_seen
FROM meta.files AS f
LEFT JOIN meta.runs AS r USING (run_id)
QUALIFY row_number() OVER (PARTITION BY f.path ORDER BY f.file_id DESC) = 1
ORDER BY f.dataset NULLS LAST, f.path
