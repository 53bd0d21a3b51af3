-- stage_parquet.sql: reads one Parquet file ($1) into a temporary staging table as text, like a CSV file: {columns}
-- casts each column (floating-point numbers to their shortest exact text, maps and lists to JSON, timestamps with
-- a zone to UTC). rowid + 1 is the row number in the file. Folder names (`BILLING_PERIOD=2024-09/`) add no columns.
CREATE OR REPLACE TEMP TABLE {stage} AS
SELECT {columns} FROM read_parquet($1, hive_partitioning = false);
