-- next_ingestion.sql: a new ingestion (one cbh_ingest call).
SELECT nextval('cbh.ingestion_seq');
