-- report_status_empty.sql: cbh_status' output before the first ingest (no warehouse yet, nothing is created).
SELECT $1::VARCHAR AS cbh_version, $2::VARCHAR AS duckdb_version, 'cbh' AS warehouse_schema,
       0::BIGINT AS periods, NULL::DATE AS first_period, NULL::DATE AS last_period, 0::BIGINT AS bronze_rows,
       0::BIGINT AS silver_line_items, 0::BIGINT AS resources, 0::BIGINT AS zombies, 0::BIGINT AS ledger_entries,
       NULL::TIMESTAMP AS last_ingestion_at, NULL::VARCHAR AS last_file, NULL::VARCHAR AS last_status,
       $3::VARCHAR AS lifecycle, 0::BIGINT AS spend_days, NULL::DATE AS last_spend_day,
       'no bills yet' AS anomaly_detection;
