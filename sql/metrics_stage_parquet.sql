-- metrics_stage_parquet.sql: reads one Parquet file of utilization metrics ($1) as text into a temporary staging
-- table; insertion order is kept, so rowid + 1 is the row number in the file.
CREATE OR REPLACE TEMP TABLE {stage} AS SELECT COLUMNS(*)::VARCHAR FROM read_parquet($1);
