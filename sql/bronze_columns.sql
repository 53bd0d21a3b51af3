-- bronze_columns.sql: the columns a Bronze table ($1) has so far (new source columns are added as files bring them).
SELECT column_name
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'cbh' AND table_name = $1
ORDER BY column_index;
