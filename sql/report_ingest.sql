-- report_ingest.sql: cbh_ingest's output, one row per input file of ingestion $1.
SELECT file, size, sha256, billing_period, payer_account, rows, status, error
FROM cbh.ledger
WHERE ingestion_id = $1
ORDER BY file, ledger_id;
