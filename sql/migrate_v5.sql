-- migrate_v5.sql: the move from layout 5 (cbh 0.6) to layout 6, before schema.sql: rules gain a kind (every rule
-- so far is waste); Gold gains the meters the new rules read and is rebuilt from Silver (it holds nothing else);
-- the daily metrics gain a cluster's activity and are rebuilt from the points (migrate_v5_finish.sql).
ALTER TABLE cbh.rules ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'waste';
UPDATE cbh.rules SET kind = 'waste' WHERE kind IS NULL;
ALTER TABLE cbh.rules ALTER COLUMN kind SET NOT NULL;
DROP TABLE IF EXISTS cbh.gold_usage;
DROP VIEW IF EXISTS cbh.metrics_summary;
DROP TABLE IF EXISTS cbh.metrics_daily;
