-- warehouse_exists.sql: whether this database has cbh's warehouse yet (readers return nothing before the first ingest).
-- Every layout has the ledger.
SELECT count(*) > 0
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'cbh' AND table_name = 'ledger';
