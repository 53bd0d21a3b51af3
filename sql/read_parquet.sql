-- read_parquet.sql: a fragment, not a statement: the reader of a Parquet billing file ({path}: its parameter).
-- Folder names (`BILLING_PERIOD=2024-09/`) add no columns. Used by bronze_load.sql and bronze_probe.sql.
read_parquet({path}, hive_partitioning = false)
