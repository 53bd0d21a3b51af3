-- metrics_land.sql: lands one staged metrics file ({stage}, ingestion $1, file $2) in cbh.metrics: a point seen
-- again (resource, metric, statistic, time) replaces the earlier one, and within the file the last row of a point
-- counts. The first statement takes the parameters; the rest of the file runs after it (metrics_daily.sql).
CREATE OR REPLACE TEMP TABLE cbh_metrics_new AS
SELECT *
FROM (
    SELECT cbh.metric_key(trim({resource_id})) AS resource_key, trim({resource_id}) AS resource_id,
           trim({metric_name}) AS metric_name, trim({statistic}) AS statistic,
           cbh.metric_time(trim({timestamp})) AS "timestamp", trim({value})::DOUBLE AS value,
           nullif(trim({unit}), '') AS unit, $1::BIGINT AS ingestion_id, $2::VARCHAR AS source_file,
           rowid + 1 AS source_row
    FROM {stage}
)
QUALIFY row_number() OVER (PARTITION BY resource_key, metric_name, statistic, "timestamp" ORDER BY source_row DESC) = 1;
