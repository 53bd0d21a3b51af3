-- metrics_first_bad.sql: the first staged metrics row ({stage}; {resource_id} and the rest are its columns) with a
-- missing or unreadable value: its rowid and the column at fault.
SELECT rowid, bad
FROM (
    SELECT rowid,
           CASE WHEN nullif(trim({resource_id}), '') IS NULL THEN 'resource_id'
                WHEN nullif(trim({metric_name}), '') IS NULL THEN 'metric_name'
                WHEN nullif(trim({statistic}), '') IS NULL THEN 'statistic'
                WHEN cbh.metric_time(trim({timestamp})) IS NULL THEN 'timestamp'
                WHEN NOT coalesce(isfinite(try_cast(trim({value}) AS DOUBLE)), false) THEN 'value'
           END AS bad
    FROM {stage}
)
WHERE bad IS NOT NULL
ORDER BY rowid
LIMIT 1;
