-- next_ingestion.sql: a new ingestion (one cbh_ingest call): one more than the largest in the ledger, where every
-- ingestion that lands anything records its files in the same transaction. The writer is single (one cbh call at
-- a time per process, one writing process per DuckDB file), so no two calls get the same id.
SELECT coalesce(max(ingestion_id), 0) + 1 FROM cbh.ledger;
