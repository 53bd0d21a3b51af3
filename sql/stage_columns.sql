-- stage_columns.sql: the columns of a staging table ($1), in file order, with their types.
SELECT column_name, data_type
FROM duckdb_columns()
WHERE database_name = 'temp' AND table_name = $1
ORDER BY column_index;
