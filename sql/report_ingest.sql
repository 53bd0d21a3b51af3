-- report_ingest.sql: cbh_ingest's output, one row per input file of ingestion $1 (manifests included).
SELECT file, format, billing_period, provider, billing_account, rows, status, error, size, sha256, manifest, note
FROM cbh.ledger
WHERE ingestion_id = $1
ORDER BY file, ledger_id;
