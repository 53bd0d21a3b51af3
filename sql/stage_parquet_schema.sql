-- stage_parquet_schema.sql: an empty table with a Parquet file's ($1) columns and types, to plan its staging.
CREATE OR REPLACE TEMP TABLE {stage} AS SELECT * FROM read_parquet($1, hive_partitioning = false) LIMIT 0;
