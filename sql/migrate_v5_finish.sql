-- migrate_v5_finish.sql: the move to layout 6, after schema.sql: metrics name a cluster as CloudWatch does
-- (cbh.metric_key: a Redshift ARN's cluster name), the daily figures are rebuilt from every point
-- (metrics_daily.sql follows, over this temp table), the instance generations are seeded; then cbh seeds the rules
-- layout 6 adds and rebuilds Gold.
UPDATE cbh.metrics SET resource_key = cbh.metric_key(resource_id)
WHERE resource_key IS DISTINCT FROM cbh.metric_key(resource_id);
CREATE OR REPLACE TEMP TABLE cbh_metrics_new AS
SELECT * FROM cbh.metrics
QUALIFY row_number() OVER (PARTITION BY resource_key, metric_name, statistic, "timestamp"
                           ORDER BY ingestion_id DESC, source_row DESC) = 1;
UPDATE cbh.meta SET schema_version = 6;
