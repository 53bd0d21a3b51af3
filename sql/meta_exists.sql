-- meta_exists.sql: whether the warehouse has cbh.meta (layout 2 and later); cbh 0.1 warehouses (layout 1) lack it.
SELECT count(*) > 0
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'cbh' AND table_name = 'meta';
